export const packageName = '@backchannel/hostpool';
