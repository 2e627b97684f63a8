import { WebhookVerificationError } from './errors.js';

/** Most fields a form body may carry by default; more is refused, not truncated. */
export const DEFAULT_MAX_FORM_FIELDS = 1000;

/** Deepest `a[b][c]` key accepted by default. */
const MAX_KEY_DEPTH = 64;

/**
 * Decodes an `application/x-www-form-urlencoded` body into its key/value pairs in order
 * (`+` is a space, percent escapes are UTF-8), in time linear in the body's length.
 * @throws WebhookVerificationError `malformed_body` on a broken percent escape;
 *   `too_many_fields` (413) when there are more than `maxFields` pairs.
 */
export function parseFormPairs(
  body: Buffer | string,
  maxFields = DEFAULT_MAX_FORM_FIELDS,
): [string, string][] {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const pairs: [string, string][] = [];
  let start = 0;
  while (start <= text.length && text !== '') {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      if (pairs.length >= maxFields) {
        throw new WebhookVerificationError(
          'too_many_fields',
          `The form body has more than ${maxFields} fields.`,
        );
      }
      const equals = text.indexOf('=', start);
      const hasValue = equals !== -1 && equals < end;
      const rawKey = text.slice(start, hasValue ? equals : end);
      const rawValue = hasValue ? text.slice(equals + 1, end) : '';
      pairs.push([decodeFormComponent(rawKey), decodeFormComponent(rawValue)]);
    }
    start = end + 1;
  }
  return pairs;
}
function decodeFormComponent(text: string): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw new WebhookVerificationError('malformed_body', 'The form body has a broken percent escape.');
  }
}

/** A value of a PHP-style nested form: a string, or an object of further values. */
export type FormValue = string | FormObject;
/** An object built from PHP-style form keys such as `data[merges][FNAME]`. */
export interface FormObject {
  [key: string]: FormValue;
}

/**
 * Builds nested objects from PHP-style keys, the way PHP fills `$_POST`:
 * `data[merges][FNAME]=Ada` → `{ data: { merges: { FNAME: 'Ada' } } }`; `a[]=x&a[]=y` →
 * `{ a: { '0': 'x', '1': 'y' } }`; a later duplicate key wins. Keys `__proto__`, `constructor`
 * and `prototype` are dropped, so a body cannot reach any prototype.
 */
export function parsePhpForm(body: Buffer | string, maxFields = DEFAULT_MAX_FORM_FIELDS): FormObject {
  const root: FormObject = Object.create(null);
  // The next `[]` index of each object, kept as keys are added, so `a[]=…` repeated is linear.
  const nextIndexOf = new WeakMap<FormObject, number>();
  const set = (node: FormObject, key: string, value: FormValue) => {
    node[key] = value;
    const n = Number(key);
    if (Number.isInteger(n) && n >= (nextIndexOf.get(node) ?? 0)) nextIndexOf.set(node, n + 1);
  };
  for (const [key, value] of parseFormPairs(body, maxFields)) {
    const path = phpKeyPath(key);
    if (path === undefined) continue;
    let node = root;
    for (let i = 0; i < path.length; i++) {
      let segment = path[i] as string;
      if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype') break;
      if (segment === '') segment = String(nextIndexOf.get(node) ?? 0);
      if (i === path.length - 1) {
        set(node, segment, value);
        break;
      }
      const child = node[segment];
      if (typeof child === 'object') {
        node = child;
      } else {
        const created: FormObject = Object.create(null);
        set(node, segment, created);
        node = created;
      }
    }
  }
  return root;
}

function phpKeyPath(key: string): string[] | undefined {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return key === '' ? undefined : [key];
  const path = [key.slice(0, open)];
  let at = open;
  while (at < key.length && key[at] === '[') {
    const close = key.indexOf(']', at);
    if (close === -1) return [key];
    path.push(key.slice(at + 1, close));
    if (path.length > MAX_KEY_DEPTH) {
      throw new WebhookVerificationError(
        'malformed_body',
        `A form key nests deeper than ${MAX_KEY_DEPTH} levels.`,
      );
    }
    at = close + 1;
  }
  return at === key.length ? path : [key];
}
