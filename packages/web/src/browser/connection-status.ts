import type { FeedStatus } from './live-feed.js';
import type { RoomElements } from './room-elements.js';

const connectionText: Record<FeedStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

/** Shows the live feed's state ("Live", "Reconnecting…") in the room's header. */
export function showConnection(
  ui: Pick<RoomElements, 'connection' | 'connectionText'>,
  feed: FeedStatus,
): void {
  if (ui.connection.dataset.state === feed) return;
  ui.connection.dataset.state = feed;
  ui.connectionText.textContent = connectionText[feed];
}
