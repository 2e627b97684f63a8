export const packageName = '@backchannel/taskqueue';
