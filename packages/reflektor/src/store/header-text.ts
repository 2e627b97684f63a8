// How the SQLite store keeps a record's header list in its `headers` column: the names and values
// joined by "\n" (HTTP forbids CR and LF in both, so the split is exact), which costs a quarter of
// JSON.stringify on the ingest path. A list that does contain "\n" (only possible through the
// library, never from the HTTP parser) is kept as a JSON array, as every row was before; a JSON
// array starts with "[", which no header name (an RFC 9110 token) can.

/** Encodes a flat header list (name, value, name, value…) for the `headers` column. */
export function encodeHeaderText(headers: readonly string[]): string {
  if (headers.length > 0 && headers[0].charCodeAt(0) === 91) return JSON.stringify(headers);
  for (let i = 0; i < headers.length; i++) {
    if (headers[i].includes('\n')) return JSON.stringify(headers);
  }
  return headers.join('\n');
}

/** Decodes what encodeHeaderText wrote, or a JSON array written by an earlier version. */
export function decodeHeaderText(text: string): string[] {
  if (text === '') return [];
  if (text.charCodeAt(0) === 91 /* [ */) return JSON.parse(text) as string[];
  return text.split('\n');
}
