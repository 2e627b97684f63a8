/** A wait in words: "1 second", "30 seconds", "1 minute", "5 minutes". */
export function durationText(seconds: number): string {
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}
