export const packageName = '@backchannel/api';
