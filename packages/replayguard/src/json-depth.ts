/** Deepest JSON nesting accepted by default: far beyond any real payload, far below a stack overflow. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * The deepest nesting of arrays and objects in `text`, counted in one pass without parsing
 * (brackets inside strings are skipped), stopping as soon as it passes `stopAbove`. Run it
 * before `JSON.parse`: a 100,000-deep document parses, but everything that walks it after
 * (serialising, copying, storing) overflows the stack.
 */
export function jsonNestingDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

/** True when `text` nests deeper than `maxDepth` (default {@link DEFAULT_MAX_JSON_DEPTH}). */
export function jsonTooDeep(text: string, maxDepth = DEFAULT_MAX_JSON_DEPTH): boolean {
  return jsonNestingDepth(text, maxDepth) > maxDepth;
}
