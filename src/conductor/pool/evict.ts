// Which workers to let go, as pure functions of a per-worker summary: past
// their idle budget (TTL), least useful per byte under memory pressure, or the
// least valuable idle one when the pool is full. A worker with a client, or
// still starting, is never chosen.

export interface Candidate {
  id: string;
  /** runs in progress, runs being set up, and runs the worker reports we did not know of */
  busy: boolean;
  starting: boolean;
  reserve: boolean;
  /** holds a session label whose LABEL_TTL has not run out */
  labelLive: boolean;
  idleMs: number;
  budgetMs: number;
  /** 0..1, see budget.ts reuseChance */
  chance: number;
  /** measured size, null when unknown */
  sizeBytes: number | null;
}

const MIB = 1 << 20;

/** Usefulness per MiB; an unmeasured worker counts as 1 MiB, so it is spared unless it is worthless. */
export function usefulness(c: Candidate): number {
  return c.chance / Math.max(1, (c.sizeBytes ?? MIB) / MIB);
}

/** Lowest usefulness first; among equals the bigger, then the longer idle. */
export function byValue(a: Candidate, b: Candidate): number {
  return usefulness(a) - usefulness(b) || (b.sizeBytes ?? 0) - (a.sizeBytes ?? 0) || b.idleMs - a.idleMs;
}

const idle = (c: Candidate) => !c.busy && !c.starting;

/** Idle past budget. The reserve has no budget: it waits for the next new project. */
export function ttlVictims(cs: readonly Candidate[]): string[] {
  return cs.filter((c) => idle(c) && !c.reserve && c.idleMs >= c.budgetMs).map((c) => c.id);
}

/** Workers that have sat idle at least MIN_TTL, live sessions spared, ordered for eviction. */
export function pressureCandidates<C extends Candidate>(cs: readonly C[], minTtlMs: number): C[] {
  return cs.filter((c) => idle(c) && !c.labelLive && c.idleMs >= minTtlMs).sort(byValue);
}

/** One episode's victims: at most `max`, from the cheapest to lose. */
export function pressureVictims(cs: readonly Candidate[], minTtlMs: number, max: number): string[] {
  return pressureCandidates(cs, minTtlMs).slice(0, max).map((c) => c.id);
}

/**
 * The worker to retire so a new one fits under MAX_WORKERS: the reserve
 * first, then the least valuable idle worker. Live sessions are never
 * sacrificed to the cap (see docs/pool-policy.md: they may exceed it).
 */
export function capacityVictim(cs: readonly Candidate[]): string | null {
  const pool = cs.filter((c) => idle(c) && !c.labelLive);
  const reserve = pool.find((c) => c.reserve);
  if (reserve) return reserve.id;
  return pool.sort(byValue)[0]?.id ?? null;
}
