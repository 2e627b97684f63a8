// Parsers for flag values: each takes the raw string and returns the value, or throws
// InvalidValue saying what the value must be ("must be a port number from 0 to 65535").
import { InvalidValue } from './usage-error.js';

export type Parser<T> = (raw: string) => T;

export const text: Parser<string> = (raw) => raw;

export function integer(min: number, max: number): Parser<number> {
  return (raw) => {
    const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidValue(`must be a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

export const port: Parser<number> = (raw) => {
  try {
    return integer(0, 65_535)(raw);
  } catch {
    throw new InvalidValue('must be a port number from 0 to 65535 (0 = any free port)');
  }
};

export function decimal(min: number, max: number): Parser<number> {
  return (raw) => {
    const value = /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new InvalidValue(`must be a number from ${min} to ${max}`);
    }
    return value;
  };
}

const durationUnits: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration in ms: `250ms`, `10s`, `2m`, `1h`, `7d`, or a bare number in `bareUnit` (default ms).
 */
export function duration(
  options: { min?: number; max?: number; bareUnit?: 'ms' | 's' } = {},
): Parser<number> {
  const { min = 0, max = 7 * 24 * 3_600_000, bareUnit = 'ms' } = options;
  return (raw) => {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(raw.trim());
    const value = match
      ? Number(match[1]) * (durationUnits[(match[2] ?? bareUnit).toLowerCase()] ?? 1)
      : Number.NaN;
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new InvalidValue(`must be a duration like 500ms, 10s or 2m, from ${min} ms to ${max} ms`);
    }
    return Math.round(value);
  };
}

export function oneOf<const T extends string>(
  choices: readonly T[],
  aliases: Record<string, T> = {},
): Parser<T> {
  return (raw) => {
    const value = raw.trim().toLowerCase();
    if ((choices as readonly string[]).includes(value)) return value as T;
    const alias = aliases[value];
    if (alias !== undefined) return alias;
    throw new InvalidValue(`must be one of ${choices.join(', ')}`);
  };
}

export function url(schemes: readonly string[] = ['http', 'https']): Parser<string> {
  return (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw.trim());
    } catch {
      throw new InvalidValue(`must be a URL (${schemes.map((s) => `${s}://…`).join(' or ')})`);
    }
    if (!schemes.includes(parsed.protocol.slice(0, -1))) {
      throw new InvalidValue(`must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`);
    }
    return raw.trim();
  };
}

/** A comma-separated list, each part parsed by `item`. */
export function list<T>(item: Parser<T>): Parser<T[]> {
  return (raw) =>
    raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map(item);
}

/** `COUNT/SECONDS`, like `20/10`. */
export const rate: Parser<{ limit: number; windowMs: number }> = (raw) => {
  const match = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(raw.trim());
  if (!match || Number(match[1]) < 1 || Number(match[2]) <= 0) {
    throw new InvalidValue('must be COUNT/SECONDS, like 20/10');
  }
  return { limit: Number(match[1]), windowMs: Number(match[2]) * 1000 };
};

/** `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`). */
export const boolean: Parser<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new InvalidValue('must be true or false');
};

/** A secret of at least `minLength` characters (kept as given). */
export function secret(minLength = 16): Parser<string> {
  return (raw) => {
    if (raw.length < minLength) throw new InvalidValue(`must be at least ${minLength} characters`);
    if (/\s/.test(raw)) throw new InvalidValue('must not contain spaces');
    return raw;
  };
}
