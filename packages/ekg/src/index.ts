export const packageName = 'ekg';
