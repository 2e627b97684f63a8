import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Environment variable that sets the status token. */
export const STATUS_TOKEN_ENV = 'BACKCHANNEL_STATUS_TOKEN';

/** The token that opens `/status` from beyond this machine, and where it came from. */
export interface StatusToken {
  token: string;
  /** `env` (BACKCHANNEL_STATUS_TOKEN), `file` (kept from an earlier start) or `new` (just made and kept). */
  source: 'env' | 'file' | 'new';
  /** `<data-dir>/status-token`. */
  file: string;
}

/**
 * The status token: `BACKCHANNEL_STATUS_TOKEN` when set, else the one kept in
 * `<data-dir>/status-token`, else a new random one written there (mode 0600), so it stays the
 * same across restarts.
 */
export function resolveStatusToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): StatusToken {
  const file = join(dataDir, 'status-token');
  const fromEnv = env[STATUS_TOKEN_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { token: fromEnv.trim(), source: 'env', file };
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept !== '') return { token: kept, source: 'file', file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, source: 'new', file };
}
