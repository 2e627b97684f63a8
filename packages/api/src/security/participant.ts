import { createHmac, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';

/** The cookie that carries a browser's participant id. */
export const PARTICIPANT_COOKIE = 'bc_participant';

/** How long a browser keeps its participant id without coming back: one year. */
const MAX_AGE_SECONDS = 365 * 24 * 3600;
const SIGNATURE_CHARS = 22; // 132 bits of HMAC-SHA256, base64url
const ID = /^p_[A-Za-z0-9_-]{16}$/;
/** Cookie values (and addresses) already verified (or hashed); cleared when it reaches this size. */
const REMEMBERED = 50_000;

/** Who posted: a participant id, and whether it came from a valid cookie (else it stands for the address). */
export interface Participant {
  id: string;
  fromCookie: boolean;
}

/**
 * Participant ids in signed cookies. The first key signs; every key verifies, so a key is
 * rotated by putting a new one first and dropping the old one once the cookies it signed no
 * longer matter. The id is random and says nothing about the person; the cookie is HttpOnly,
 * SameSite=Lax, Path=/, and Secure when the site is served over https.
 */
export class ParticipantCookies {
  readonly #keys: KeyObject[];
  readonly #secure: boolean;
  // Verifying is an HMAC per request; a browser sends the same cookie value on every post, so
  // a value that verified once is remembered (only verified values, so a stream of forged
  // cookies cannot evict anything but itself, and the map is bounded).
  readonly #verified = new Map<string, string>();
  readonly #addressIds = new Map<string, string>();

  constructor(keys: readonly string[], secure: boolean) {
    if (keys.length === 0) throw new Error('at least one participant signing key is needed');
    this.#keys = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
    this.#secure = secure;
  }

  #sign(key: KeyObject, value: string): string {
    return createHmac('sha256', key).update(value).digest('base64url').slice(0, SIGNATURE_CHARS);
  }

  /** The verified participant id in a `Cookie` header, or undefined (none, tampered, or signed by an unknown key). */
  read(cookieHeader: string | undefined): string | undefined {
    if (!cookieHeader) return undefined;
    const at = cookieHeader.indexOf(`${PARTICIPANT_COOKIE}=`);
    if (at === -1) return undefined;
    if (at > 0 && cookieHeader[at - 1] !== ' ' && cookieHeader[at - 1] !== ';') return undefined;
    const start = at + PARTICIPANT_COOKIE.length + 1;
    const end = cookieHeader.indexOf(';', start);
    const value = cookieHeader.slice(start, end === -1 ? undefined : end).trim();
    const known = this.#verified.get(value);
    if (known !== undefined) return known;
    const dot = value.indexOf('.');
    if (dot === -1) return undefined;
    const id = value.slice(0, dot);
    if (!ID.test(id)) return undefined;
    const presented = Buffer.from(value.slice(dot + 1));
    for (const key of this.#keys) {
      const expected = Buffer.from(this.#sign(key, id));
      if (presented.length === expected.length && timingSafeEqual(presented, expected)) {
        if (this.#verified.size >= REMEMBERED) this.#verified.clear();
        this.#verified.set(value, id);
        return id;
      }
    }
    return undefined;
  }

  /** A new participant id and the `Set-Cookie` value that gives it to the browser. */
  mint(): { id: string; setCookie: string } {
    const id = `p_${randomBytes(12).toString('base64url')}`;
    const parts = [
      `${PARTICIPANT_COOKIE}=${id}.${this.#sign(this.#keys[0], id)}`,
      'Path=/',
      `Max-Age=${MAX_AGE_SECONDS}`,
      'HttpOnly',
      'SameSite=Lax',
    ];
    if (this.#secure) parts.push('Secure');
    return { id, setCookie: parts.join('; ') };
  }

  /**
   * The id that stands for a client without a participant cookie: a keyed hash of its address,
   * so a host can mute it or remove its messages without the address being stored.
   */
  forAddress(address: string): string {
    let id = this.#addressIds.get(address);
    if (id === undefined) {
      id = `a_${this.#sign(this.#keys[0], `address:${address}`)}`;
      if (this.#addressIds.size >= REMEMBERED) this.#addressIds.clear();
      this.#addressIds.set(address, id);
    }
    return id;
  }
}
