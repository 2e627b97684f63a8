import type { Kysely } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import { commitWithEvent, type EventTransactionDeps } from '../event-transaction.js';
import { findRoom, type RoomRow, roomStatus } from '../store/rooms.js';
import { expiryFor, type Lifetime } from '../validate/lifetime.js';
import { PermanentWebhookError, type ReceivedWebhookEvent, type WebhookHandler } from './handlers.js';

// Stripe Checkout → a longer-lived room. A Checkout Session created with
// `client_reference_id: <room name>` and paid upgrades that room's lifetime. Stripe sends
// `checkout.session.completed` when the customer finishes; for delayed payment methods the
// session completes unpaid and `checkout.session.async_payment_succeeded` follows.

/** Options of {@link roomUpgradeHandler}. */
export interface RoomUpgradeOptions {
  db: Pick<Db, 'writer'>;
  /** When given, the change is published as a `room.updated` event in the same transaction. */
  changes?: EventTransactionDeps;
  /** The lifetime an upgraded room gets, counted from its creation. Default `year`. */
  lifetime?: Lifetime;
}

interface CheckoutSession {
  client_reference_id?: unknown;
  payment_status?: unknown;
}

function checkoutSession(event: ReceivedWebhookEvent): CheckoutSession {
  const object = (event.payload as { data?: { object?: unknown } } | null)?.data?.object;
  if (typeof object !== 'object' || object === null) {
    throw new PermanentWebhookError(`Stripe event ${event.eventId} has no data.object.`);
  }
  return object as CheckoutSession;
}

/** The upgraded expiry: never earlier than the room's current one (upgrading is idempotent). */
function upgradedExpiry(room: RoomRow, lifetime: Lifetime): string {
  const upgraded = expiryFor(lifetime, new Date(room.created_at)).getTime();
  return new Date(Math.max(upgraded, Date.parse(room.expires_at))).toISOString();
}

async function applyUpgrade(trx: Kysely<Database>, room: RoomRow, lifetime: Lifetime): Promise<string> {
  const expiresAt = upgradedExpiry(room, lifetime);
  await trx.updateTable('rooms').set({ lifetime, expires_at: expiresAt }).where('id', '=', room.id).execute();
  return expiresAt;
}

/**
 * The handler for `checkout.session.completed` and `checkout.session.async_payment_succeeded`:
 * when the session is paid (or needs no payment) and its `client_reference_id` names a room,
 * that room's lifetime becomes `lifetime` (its expiry moves to creation + lifetime, never
 * earlier than it was). An unpaid session is left for its `async_payment_succeeded`. An unknown
 * room fails the event without retrying.
 */
export function roomUpgradeHandler(options: RoomUpgradeOptions): WebhookHandler {
  const lifetime = options.lifetime ?? 'year';
  return async (event) => {
    const session = checkoutSession(event);
    if (session.payment_status !== 'paid' && session.payment_status !== 'no_payment_required') return;
    const roomName = session.client_reference_id;
    if (typeof roomName !== 'string' || roomName === '') {
      throw new PermanentWebhookError(
        `Checkout session of ${event.eventId} has no client_reference_id (room name).`,
      );
    }
    const room = await findRoom(options.db.writer, roomName);
    if (room === undefined) throw new PermanentWebhookError(`There is no room "${roomName}" to upgrade.`);
    if (room.lifetime === lifetime && upgradedExpiry(room, lifetime) === room.expires_at) return;

    if (options.changes === undefined) {
      await applyUpgrade(options.db.writer, room, lifetime);
      return;
    }
    await commitWithEvent(options.changes, roomName, async ({ trx, room: locked, seq, at, now }) => {
      const expiresAt = await applyUpgrade(trx, locked, lifetime);
      const status = roomStatus({ ...locked, lifetime, expires_at: expiresAt }, now);
      return {
        envelope: { room: roomName, seq, type: 'room.updated', at, data: { status, lifetime, expiresAt } },
        result: undefined,
      };
    });
  };
}
