/**
 * The request target (RFC 9112 §3.2) as the origin routes it: one normalised,
 * percent-decoded path to match routes and blocks against, so `/%6detrics`,
 * `/metric%73`, `//metrics` and `/x/../metrics` are all `/metrics`.
 */
export type RequestTarget =
  | {
      readonly kind: 'ok';
      /** Decoded path with dot segments resolved and repeated slashes collapsed; for matching only. */
      readonly path: string;
      /** What is sent upstream: the target in origin form (path and query as the client wrote them). */
      readonly forward: string;
    }
  | { readonly kind: 'misdirected' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Resolves `.` and `..` segments (RFC 3986 §5.2.4) and collapses empty segments. */
function normalisePath(decoded: string): string {
  const out: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const trailing = decoded.length > 1 && decoded.endsWith('/') ? '/' : '';
  return `/${out.join('/')}${out.length > 0 ? trailing : ''}`;
}

function sameAuthority(a: string, b: string): boolean {
  const strip = (value: string) => value.toLowerCase().replace(/:80$/, '');
  return strip(a) === strip(b);
}

/**
 * Reads `rawTarget` (as it came on the request line) for a request whose `Host` header was
 * `host`. An absolute-form target (`GET http://x/path`) is accepted only when it names the
 * same authority as `Host`; anything else is `misdirected` (answer 421). A target that is not
 * origin form, or whose path does not percent-decode to valid UTF-8, is `invalid` (answer 400).
 */
export function parseRequestTarget(rawTarget: string, host: string | undefined): RequestTarget {
  let target = rawTarget;
  if (!target.startsWith('/')) {
    const absolute = /^https?:\/\/([^/?#]*)([^#]*)$/i.exec(target);
    if (absolute === null) return { kind: 'invalid', reason: 'the request target is not a path' };
    const authority = absolute[1] ?? '';
    if (host === undefined || !sameAuthority(authority, host)) return { kind: 'misdirected' };
    const rest = absolute[2] ?? '';
    target = rest.startsWith('/') ? rest : `/${rest}`;
  }
  const queryAt = target.search(/[?#]/);
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'invalid', reason: 'the path has a malformed percent-encoding' };
  }
  if (decoded.includes('\0')) return { kind: 'invalid', reason: 'the path contains a NUL byte' };
  // Backslashes are path separators to some servers and browsers: treat them as slashes.
  return { kind: 'ok', path: normalisePath(decoded.replaceAll('\\', '/')), forward: target };
}
