export const packageName = 'reflektor';
