import { inspect, format as utilFormat } from 'node:util';

/**
 * How `%s` (Python's `str()`) renders a JavaScript value: strings as they are, other
 * primitives with `String()`, objects the way Node's `util.format('%s', value)` does
 * (a user-defined `toString()` if there is one, otherwise a shallow `util.inspect`).
 */
export function str(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(value);
    case 'symbol':
      return value.toString();
    default:
      if (value === null) return 'null';
      return utilFormat('%s', value);
  }
}

/** How `%r` (Python's `repr()`) renders a value: `util.inspect` (strings get quotes). */
export function repr(value: unknown): string {
  return inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY });
}

/** Python's `ascii()`: `repr` with every non-ASCII character escaped. */
export function ascii(value: unknown): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping everything outside ASCII is the point
  return repr(value).replace(/[^\x00-\x7f]/gu, (ch) => {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
    if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
    return `\\U${cp.toString(16).padStart(8, '0')}`;
  });
}
