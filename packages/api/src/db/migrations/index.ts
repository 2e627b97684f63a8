import type { Migration } from 'kysely';
import * as webhookEvents from '../../webhooks/migration.js';
import * as roomsMessagesEvents from './0001_rooms_messages_events.js';
import * as messagesClustered from './0003_messages_clustered.js';
import * as outboxAndPostKeys from './0004_outbox_and_post_keys.js';
import * as participants from './0005_participants.js';

/**
 * Every migration, in the order they run. Names sort in that order too; add a new
 * file as `NNNN_what_it_does.ts` and list it here last.
 */
export const migrations: Record<string, Migration> = {
  '0001_rooms_messages_events': roomsMessagesEvents,
  '0002_webhook_events': webhookEvents,
  '0003_messages_clustered': messagesClustered,
  '0004_outbox_and_post_keys': outboxAndPostKeys,
  '0005_participants': participants,
};
