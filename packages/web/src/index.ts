export const packageName = '@backchannel/web';
