// The order faults are injected in: every kind once (the short schedule CI runs), or random
// kinds from a seed until a time budget is spent (the long one).

/** A small, fast PRNG (mulberry32): the same seed gives the same schedule. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChaosSettings {
  /** 0: the short schedule (each fault once). Otherwise random faults for this long. */
  minutes: number;
  seed: number;
}

export function chaosSettings(env: NodeJS.ProcessEnv = process.env): ChaosSettings {
  const minutes = Number(env.CHAOS_MINUTES ?? 0);
  if (!Number.isFinite(minutes) || minutes < 0)
    throw new Error(`CHAOS_MINUTES must be a number ≥ 0, got ${env.CHAOS_MINUTES}`);
  const seed = env.CHAOS_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(env.CHAOS_SEED);
  if (!Number.isInteger(seed)) throw new Error(`CHAOS_SEED must be an integer, got ${env.CHAOS_SEED}`);
  return { minutes, seed };
}

/** Yields the next fault: each of `faults` once, or random picks until the deadline. */
export function* faultSchedule(
  settings: ChaosSettings,
  faults: readonly string[],
  now: () => number = Date.now,
): Generator<string> {
  if (settings.minutes === 0) {
    yield* faults;
    return;
  }
  const random = seededRandom(settings.seed);
  const deadline = now() + settings.minutes * 60_000;
  while (now() < deadline) yield faults[Math.floor(random() * faults.length)] as string;
}
