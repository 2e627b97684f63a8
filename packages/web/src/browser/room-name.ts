// Room names: the api's rule (3–64 of a-z, 0-9, '-'), a friendly suggestion, and the name in a URL.

const namePattern = /^[a-z0-9-]{3,64}$/;

/** True when `name` is shaped like a room name; the api has the last word (reserved names, taken). */
export function isRoomName(name: string): boolean {
  return namePattern.test(name);
}

const adjectives = [
  'bright',
  'calm',
  'curious',
  'eager',
  'quick',
  'quiet',
  'sunny',
  'bold',
  'clever',
  'merry',
];
const nouns = ['otter', 'comet', 'maple', 'harbor', 'falcon', 'meadow', 'pixel', 'river', 'lantern', 'atlas'];

/** A readable random name such as `quiet-comet-482`. */
export function suggestRoomName(): string {
  const pick = (words: string[]): string => words[Math.floor(Math.random() * words.length)];
  const number = 100 + Math.floor(Math.random() * 900);
  return `${pick(adjectives)}-${pick(nouns)}-${number}`;
}

/**
 * The room a user typed into "join": a bare name or a pasted link such as
 * `https://host/physics-101` or `host/physics-101/transcript`. Null when it is neither.
 */
export function roomFromInput(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed === '') return null;
  let path = trimmed;
  if (trimmed.includes('/')) {
    try {
      const withScheme = /^[a-z]+:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
      path = new URL(withScheme).pathname;
    } catch {
      return null;
    }
  }
  const first = path.split('/').filter((part) => part !== '')[0] ?? '';
  const name = first.toLowerCase();
  return isRoomName(name) ? name : null;
}

/** The room of the current page: the first path segment (`/:room` and `/:room/transcript`). */
export function roomFromLocation(location: Location): string {
  const first = location.pathname.split('/').filter((part) => part !== '')[0] ?? '';
  return decodeURIComponent(first);
}

/**
 * The path of a room's page: `/<name>`, except for a room named `status` made before the name was
 * reserved for the status page, whose page is at `/status/room`.
 */
export function roomPagePath(name: string): string {
  return name === 'status' ? '/status/room' : `/${encodeURIComponent(name)}`;
}
