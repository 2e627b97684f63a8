import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

const NAME = 'participant_cookie_key';

/**
 * The participant cookie's signing keys: the configured ones (first signs, all verify), else
 * the key stored in the database, generated on first use. Every api process on one database
 * therefore signs with the same key without configuration.
 */
export async function participantKeys(
  db: Kysely<Database>,
  configured: readonly string[],
): Promise<string[]> {
  if (configured.length > 0) return [...configured];
  await db
    .insertInto('api_secrets')
    .values({
      name: NAME,
      value: randomBytes(32).toString('base64url'),
      created_at: new Date().toISOString(),
    })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('api_secrets')
    .select('value')
    .where('name', '=', NAME)
    .executeTakeFirstOrThrow();
  return [row.value];
}
