// The reserve: one pre-started worker with no project per common shape
// (channel, threads, process switches, start-up env), so the first run of a
// new project skips julia's start-up. Pure bookkeeping of which shapes are
// wanted; the pool starts, claims and retires the processes.

import { poolKey, type WorkerShape } from "./key.ts";

/** Shapes kept in reserve at most: the most recently wanted common ones. */
export const MAX_RESERVE_SHAPES = 2;
/** A shape is common once it has been asked for this many times. */
export const COMMON_AFTER = 2;

/** Never equal to a real pool key (those start with a project path, "@…" or ""). */
export function reserveKey(shape: WorkerShape): string {
  return `\u0002reserve\u0000${poolKey({ ...shape, project: "" })}`;
}

export interface Demand {
  shape: WorkerShape;
  requests: number;
  lastAt: number;
}

export function noteDemand(demand: Map<string, Demand>, shape: WorkerShape, now: number): string {
  const key = reserveKey(shape);
  const d = demand.get(key);
  demand.set(key, { shape: { ...shape, project: "" }, requests: (d?.requests ?? 0) + 1, lastAt: now });
  return key;
}

/** The reserve keys worth a worker now; forgets shapes not asked for within `forgetAfterMs`. */
export function wantedReserves(demand: Map<string, Demand>, now: number, forgetAfterMs: number): string[] {
  for (const [k, d] of demand) if (now - d.lastAt > forgetAfterMs) demand.delete(k);
  return [...demand.entries()]
    .filter(([, d]) => d.requests >= COMMON_AFTER)
    .sort((a, b) => b[1].lastAt - a[1].lastAt)
    .slice(0, MAX_RESERVE_SHAPES)
    .map(([k]) => k);
}
