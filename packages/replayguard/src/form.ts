import { WebhookVerificationError } from './errors.js';

/**
 * Decodes an `application/x-www-form-urlencoded` body into its key/value pairs in order
 * (`+` is a space, percent escapes are UTF-8).
 * @throws WebhookVerificationError `malformed_body` on a broken percent escape.
 */
export function parseFormPairs(body: Buffer | string): [string, string][] {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const pairs: [string, string][] = [];
  if (text === '') return pairs;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const rawKey = equals === -1 ? part : part.slice(0, equals);
    const rawValue = equals === -1 ? '' : part.slice(equals + 1);
    pairs.push([decodeFormComponent(rawKey), decodeFormComponent(rawValue)]);
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
export function parsePhpForm(body: Buffer | string): FormObject {
  const root: FormObject = Object.create(null);
  for (const [key, value] of parseFormPairs(body)) {
    const path = phpKeyPath(key);
    if (path === undefined) continue;
    let node = root;
    for (let i = 0; i < path.length; i++) {
      let segment = path[i];
      if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype') break;
      if (segment === '') segment = String(nextIndex(node));
      if (i === path.length - 1) {
        node[segment] = value;
        break;
      }
      const child = node[segment];
      if (typeof child === 'object') {
        node = child;
      } else {
        const created: FormObject = Object.create(null);
        node[segment] = created;
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
  let rest = key.slice(open);
  while (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) return [key];
    path.push(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  return rest === '' ? path : [key];
}

function nextIndex(node: FormObject): number {
  let next = 0;
  for (const key of Object.keys(node)) {
    const n = Number(key);
    if (Number.isInteger(n) && n >= next) next = n + 1;
  }
  return next;
}
