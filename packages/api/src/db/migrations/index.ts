import type { Migration } from 'kysely';
import * as webhookEvents from '../../webhooks/migration.js';
import * as roomsMessagesEvents from './0001_rooms_messages_events.js';

/**
 * Every migration, in the order they run. Names sort in that order too; add a new
 * file as `NNNN_what_it_does.ts` and list it here last.
 */
export const migrations: Record<string, Migration> = {
  '0001_rooms_messages_events': roomsMessagesEvents,
  '0002_webhook_events': webhookEvents,
};
