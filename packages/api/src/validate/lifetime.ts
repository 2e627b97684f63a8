export const lifetimes = ['hour', 'day', 'week', 'month', 'year'] as const;
export type Lifetime = (typeof lifetimes)[number];

const HOUR = 3_600_000;
const lifetimeMs: Record<Lifetime, number> = {
  hour: HOUR,
  day: 24 * HOUR,
  week: 7 * 24 * HOUR,
  month: 30 * 24 * HOUR,
  year: 365 * 24 * HOUR,
};

/** When a room created at `createdAt` with `lifetime` expires. */
export function expiryFor(lifetime: Lifetime, createdAt: Date): Date {
  return new Date(createdAt.getTime() + lifetimeMs[lifetime]);
}
