// How long an idle worker is worth keeping, as a pure function of its pool's
// usage history (docs/pool-policy.md has the formula and worked examples).
// Usage is a small value updated at summons and at run ends; nothing here
// reads a clock, so tests drive it with plain numbers.

import type { PoolSettings } from "./settings.ts";

export interface Usage {
  /** summonses decayed with half-life maxTtl/4 (1 right after the first) */
  heat: number;
  lastSummonAt: number | null;
  /** smoothed gap between summonses, null until a second one */
  gapMs: number | null;
  /** smoothed absolute deviation of that gap */
  gapDevMs: number;
  /** run time decayed with the same half-life, as of lastBusyAt */
  busyMs: number;
  lastBusyAt: number;
}

type Times = Pick<PoolSettings, "minTtlMs" | "maxTtlMs">;

export const emptyUsage = (): Usage => ({ heat: 0, lastSummonAt: null, gapMs: null, gapDevMs: 0, busyMs: 0, lastBusyAt: 0 });

const halfLife = (s: Times) => s.maxTtlMs / 4;
const decay = (dt: number, s: Times) => 2 ** (-Math.max(0, dt) / halfLife(s));
/** Gains of the gap smoother: new samples move the estimate by a quarter. */
const GAIN = 0.25;

/** A request for this pool arrived. */
export function summon(u: Usage, now: number, s: Times): Usage {
  if (u.lastSummonAt === null) return { ...u, heat: 1, lastSummonAt: now };
  const gap = Math.max(0, now - u.lastSummonAt);
  const heat = 1 + u.heat * decay(gap, s);
  if (u.gapMs === null) return { ...u, heat, lastSummonAt: now, gapMs: gap, gapDevMs: gap / 2 };
  const gapDevMs = u.gapDevMs + GAIN * (Math.abs(gap - u.gapMs) - u.gapDevMs);
  return { ...u, heat, lastSummonAt: now, gapMs: u.gapMs + GAIN * (gap - u.gapMs), gapDevMs };
}

/** A run of this pool ended after `durationMs`. */
export function addBusy(u: Usage, durationMs: number, now: number, s: Times): Usage {
  return { ...u, busyMs: u.busyMs * decay(now - u.lastBusyAt, s) + Math.max(0, durationMs), lastBusyAt: now };
}

/** Keep idle long enough to cover the usual gap plus three deviations, longer the hotter the pool. */
export function cadenceMs(u: Usage): number {
  if (u.gapMs === null) return 0;
  return (u.gapMs + 3 * u.gapDevMs) * (1 + Math.log2(Math.max(1, u.heat)) / 2);
}

/**
 * The idle budget: clamp(max(cadence, dwell), floor, maxTtl), where dwell is
 * the decayed time the pool spent running (a long session earns a long stay)
 * and the floor is MIN_TTL, raised to LABEL_TTL for a labelled worker.
 */
export function idleBudgetMs(u: Usage, s: Times & Pick<PoolSettings, "labelTtlMs">, labelled = false): number {
  const floor = labelled ? Math.max(s.minTtlMs, s.labelTtlMs) : s.minTtlMs;
  const want = Math.max(cadenceMs(u), u.busyMs);
  return Math.round(Math.min(s.maxTtlMs, Math.max(floor, want)));
}

/**
 * Chance the pool is summoned again within `horizonMs`, treating summonses as
 * a Poisson process with the smoothed gap as its mean: 1 − e^(−horizon/gap).
 * A pool used once has no gap yet and scores 0: one use predicts nothing.
 */
export function reuseChance(u: Usage, horizonMs: number): number {
  if (u.gapMs === null || horizonMs <= 0) return 0;
  return 1 - Math.exp(-horizonMs / Math.max(1, u.gapMs));
}
