// A status snapshot: plain data about the pool at one instant, gathered here
// and nowhere else, so the renderers stay pure. Its JSON form is the public,
// versioned schema documented in docs/status.md (bump STATUS_SCHEMA on any
// incompatible change; adding fields is compatible).

import type { Pool } from "../pool/pool.ts";
import { usefulness } from "../pool/evict.ts";
import { threadsArg, threadsShown } from "../pool/spawn.ts";
import type { Worker } from "../pool/types.ts";

export const STATUS_SCHEMA = 1;

export interface WorkerStatus {
  id: string;
  pid: number;
  /** "" for the default environment, "@name" for a named one, else an absolute directory */
  project: string;
  label: string | null;
  channel: string | null;
  /** the thread spec it runs with: the --threads passed, else (julia < 1.9, no -t) its JULIA_NUM_THREADS or "1" */
  threads: string;
  /** from HELLO; before it, what `--version` said; null when unknown */
  juliaVersion: string | null;
  /** the command line really spawned; null while its julia version is learnt, or when an earlier conductor started it */
  argv: string[] | null;
  state: "starting" | "ready";
  reserve: boolean;
  /** runs in progress (clients attached) */
  clients: number;
  startedAtMs: number;
  lastUsedAtMs: number;
  /** null while busy or starting */
  idleS: number | null;
  /** the adaptive idle budget now */
  budgetS: number;
  /** seconds until the TTL sweep retires it; null when busy, starting or the reserve */
  cullInS: number | null;
  /** 0..1, chance of reuse before it is culled; null when pressure handling is off */
  reuseChance: number | null;
  /** reuseChance per GiB of memory, the eviction order (lowest first); null when off or unmeasured */
  usefulnessPerGiB: number | null;
  rssBytes: number | null;
}

export interface StatusSnapshot {
  schema: number;
  pid: number;
  generatedAtMs: number;
  /** the conductor's HOME, so renderers can abbreviate paths */
  home: string | null;
  settings: { minTtlS: number; maxTtlS: number; labelTtlS: number; maxWorkers: number; reserve: boolean; pingIntervalS: number; memoryPressure: boolean };
  pressure: { enabled: boolean; source: "psi" | "meminfo" | "none"; underPressure: boolean };
  workers: WorkerStatus[];
  queued: number;
  totals: { workers: number; reserve: number; clients: number; rssBytes: number };
}

const s1 = (ms: number) => Math.round(ms / 1000);

/** As passed when we started it; for a worker an earlier conductor started, as it would have been. */
function threadsOf(w: Worker): string {
  if (w.launch?.argv) return threadsShown(w.shape, w.launch.threads);
  return threadsShown(w.shape, threadsArg(w.shape));
}

export function snapshot(pool: Pool, now: number, home: string | null = process.env.HOME ?? null): StatusSnapshot {
  const s = pool.settings;
  const pressureOn = s.memoryPressure;
  const workers: WorkerStatus[] = pool.upkeep.candidates(now, true).map((c) => {
    const w = c.worker;
    const idle = !c.busy && !c.starting;
    const measuredValue = pressureOn && c.sizeBytes !== null ? usefulness(c) * 1024 : null;
    return {
      id: w.id,
      pid: w.hello?.pid ?? w.proc.pid,
      project: w.shape.project,
      label: w.label,
      channel: w.shape.channel,
      threads: threadsOf(w),
      juliaVersion: w.hello?.juliaVersion ?? w.launch?.julia?.version ?? null,
      argv: w.launch?.argv ?? null,
      state: w.state === "starting" ? "starting" : "ready",
      reserve: w.reserve,
      clients: w.runs.size + w.foreignRuns,
      startedAtMs: w.startedAt,
      lastUsedAtMs: w.lastUsedAt,
      idleS: idle ? s1(c.idleMs) : null,
      budgetS: s1(c.budgetMs),
      cullInS: idle && !w.reserve ? Math.max(0, s1(c.budgetMs - c.idleMs)) : null,
      reuseChance: pressureOn ? Math.round(c.chance * 1000) / 1000 : null,
      usefulnessPerGiB: measuredValue === null ? null : Math.round(measuredValue * 1000) / 1000,
      rssBytes: c.sizeBytes,
    };
  });
  const real = workers.filter((w) => !w.reserve);
  return {
    schema: STATUS_SCHEMA,
    pid: process.pid,
    generatedAtMs: now,
    home,
    settings: {
      minTtlS: s1(s.minTtlMs), maxTtlS: s1(s.maxTtlMs), labelTtlS: s1(s.labelTtlMs), maxWorkers: s.maxWorkers,
      reserve: s.reserve, pingIntervalS: s1(s.pingIntervalMs), memoryPressure: s.memoryPressure,
    },
    pressure: { enabled: pressureOn, source: pool.deps.pressure.name, underPressure: pool.upkeep.pressured },
    workers,
    queued: pool.queue.length,
    totals: {
      workers: real.length,
      reserve: workers.length - real.length,
      clients: real.reduce((n, w) => n + w.clients, 0),
      rssBytes: workers.reduce((n, w) => n + (w.rssBytes ?? 0), 0),
    },
  };
}
