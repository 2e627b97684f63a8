/**
 * `JSON.stringify(text)` for a string, faster for the common case of text that needs no
 * escaping (no quote, backslash, control character or surrogate).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must be escaped
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

export function quoteJson(text: string): string {
  if (text.length < 64) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
    }
    return `"${text}"`;
  }
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}
