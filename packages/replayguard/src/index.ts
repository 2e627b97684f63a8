export const packageName = '@backchannel/replayguard';
