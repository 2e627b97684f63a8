export const packageName = 'backchannel';
