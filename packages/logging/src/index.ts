export const packageName = '@backchannel/logging';
