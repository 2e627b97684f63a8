// Everything a text viewer may break a line at: CR, LF, NEL, and the Unicode line and
// paragraph separators (U+2028, U+2029).
const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/g;

/**
 * `text` made safe for one line of a plain-text export: each line break becomes its visible
 * escape (`\u2028`), so a message cannot forge a line of the transcript.
 */
export function oneLine(text: string): string {
  return text.replace(LINE_BREAK, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
