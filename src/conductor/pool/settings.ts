// The pool's tunables: one typed, unit-named object with defaults, read from
// any name→value lookup (the environment today, the layered config later) and
// validated up front, so a bad value stops the conductor with its name, value
// and source instead of surfacing as odd behaviour hours later.

import { availableParallelism } from "node:os";
import { createError } from "../../shared/errors.ts";

export interface PoolSettings {
  /** floor of an idle worker's budget */
  minTtlMs: number;
  /** ceiling of an idle worker's budget */
  maxTtlMs: number;
  /** how long a session label outlives its last client */
  labelTtlMs: number;
  /** keep one pre-started, project-less worker per common shape */
  reserve: boolean;
  /** processes the pool may hold (queued requests wait beyond it) */
  maxWorkers: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** pause between the steps of retirement: soft exit → SIGTERM → SIGKILL */
  killGraceMs: number;
  memoryPressure: boolean;
  /** PSI "some avg10" percentage at or above which memory is under pressure */
  psiThresholdPercent: number;
  /** without PSI: pressure starts below this fraction of memory available… */
  memFreeLowFraction: number;
  /** …and ends above this one */
  memFreeHighFraction: number;
  /** evictions per pressure episode at most */
  evictionsPerEpisode: number;
}

export interface ReadOptions {
  /** where a name's value came from, for error messages */
  source?: (name: string) => string;
  cpus?: number;
}

type Lookup = (name: string) => string | undefined;

/** Every name readPoolSettings reads, with its default and meaning (for `juliaconductor config`). */
export const POOL_SETTING_DOCS = [
  { name: "JULIA_DAEMON_MIN_TTL", default: "120", describe: "seconds: floor of an idle worker's adaptive budget" },
  { name: "JULIA_DAEMON_MAX_TTL", default: "7200", describe: "seconds: ceiling of an idle worker's adaptive budget" },
  { name: "JULIA_DAEMON_WORKER_TTL", default: "7200", describe: "legacy name of JULIA_DAEMON_MAX_TTL" },
  { name: "JULIA_DAEMON_LABEL_TTL", default: "90", describe: "seconds a --session label outlives its last client" },
  { name: "JULIA_DAEMON_RESERVE", default: "1", describe: "keep a pre-started worker for new projects (0 = off)" },
  { name: "JULIA_DAEMON_MAX_WORKERS", default: "CPU count", describe: "workers at most; more requests wait in line" },
  { name: "JULIA_DAEMON_PING_INTERVAL", default: "30", describe: "seconds between health checks of idle workers" },
  { name: "JULIA_DAEMON_PING_TIMEOUT", default: "5", describe: "seconds an idle worker has to answer a PING" },
  { name: "JULIA_DAEMON_KILL_GRACE", default: "5", describe: "seconds between soft exit, SIGTERM and SIGKILL" },
  { name: "JULIA_DAEMON_MEMORY_PRESSURE", default: "1", describe: "evict idle workers when memory is short (0 = off)" },
  { name: "JULIA_DAEMON_PSI_THRESHOLD", default: "10", describe: "PSI memory some avg10 (%) that counts as pressure" },
  { name: "JULIA_DAEMON_MEMFREE_LOW", default: "10%", describe: "without PSI: pressure below this much available memory" },
  { name: "JULIA_DAEMON_MEMFREE_HIGH", default: "15%", describe: "without PSI: pressure ends above this much" },
] as const;

export function defaultPoolSettings(cpus = availableParallelism()): PoolSettings {
  return {
    minTtlMs: 120_000,
    maxTtlMs: 7_200_000,
    labelTtlMs: 90_000,
    reserve: true,
    maxWorkers: Math.max(1, cpus),
    pingIntervalMs: 30_000,
    pingTimeoutMs: 5_000,
    killGraceMs: 5_000,
    memoryPressure: true,
    psiThresholdPercent: 10,
    memFreeLowFraction: 0.1,
    memFreeHighFraction: 0.15,
    evictionsPerEpisode: 3,
  };
}

export function readPoolSettings(lookup: Lookup, opts: ReadOptions = {}): PoolSettings {
  const d = defaultPoolSettings(opts.cpus);
  const source = opts.source ?? (() => "the environment");
  const raw = (name: string) => {
    const v = lookup(name);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const fail = (name: string, value: string, expected: string, dflt: string): never => {
    throw createError("CONFIG", `${name}=${value} is invalid (from ${source(name)}): expected ${expected}`, `unset ${name} to use the default (${dflt})`);
  };
  /** seconds (fractions allowed) → ms */
  const seconds = (name: string, dfltMs: number, minS: number, maxS = 86_400 * 365): number => {
    const v = raw(name);
    if (v === undefined) return dfltMs;
    const n = Number(v);
    if (!Number.isFinite(n) || n < minS || n > maxS) fail(name, v, `a number of seconds from ${minS} to ${maxS}`, `${dfltMs / 1000}`);
    return Math.round(n * 1000);
  };
  const int = (name: string, dflt: number, min: number, max: number): number => {
    const v = raw(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) fail(name, v, `an integer from ${min} to ${max}`, `${dflt}`);
    return n;
  };
  const flag = (name: string, dflt: boolean): boolean => {
    const v = raw(name);
    if (v === undefined) return dflt;
    if (/^(1|yes|true|on)$/i.test(v)) return true;
    if (/^(0|no|false|off)$/i.test(v)) return false;
    return fail(name, v, "1 or 0 (also yes/no, true/false, on/off)", dflt ? "1" : "0");
  };
  const percent = (name: string, dflt: number): number => {
    const v = raw(name);
    if (v === undefined) return dflt;
    const n = Number(v.replace(/%$/, ""));
    if (!Number.isFinite(n) || n <= 0 || n >= 100) fail(name, v, "a percentage between 0 and 100, like 10 or 10%", `${dflt * 100}%`);
    return n / 100;
  };

  const maxName = raw("JULIA_DAEMON_MAX_TTL") === undefined && raw("JULIA_DAEMON_WORKER_TTL") !== undefined ? "JULIA_DAEMON_WORKER_TTL" : "JULIA_DAEMON_MAX_TTL";
  const s: PoolSettings = {
    minTtlMs: seconds("JULIA_DAEMON_MIN_TTL", d.minTtlMs, 0.001),
    maxTtlMs: seconds(maxName, d.maxTtlMs, 0.001),
    labelTtlMs: seconds("JULIA_DAEMON_LABEL_TTL", d.labelTtlMs, 0),
    reserve: flag("JULIA_DAEMON_RESERVE", d.reserve),
    maxWorkers: int("JULIA_DAEMON_MAX_WORKERS", d.maxWorkers, 1, 1 << 16),
    pingIntervalMs: seconds("JULIA_DAEMON_PING_INTERVAL", d.pingIntervalMs, 0.01),
    pingTimeoutMs: seconds("JULIA_DAEMON_PING_TIMEOUT", d.pingTimeoutMs, 0.01),
    killGraceMs: seconds("JULIA_DAEMON_KILL_GRACE", d.killGraceMs, 0),
    memoryPressure: flag("JULIA_DAEMON_MEMORY_PRESSURE", d.memoryPressure),
    psiThresholdPercent: d.psiThresholdPercent,
    memFreeLowFraction: percent("JULIA_DAEMON_MEMFREE_LOW", d.memFreeLowFraction),
    memFreeHighFraction: percent("JULIA_DAEMON_MEMFREE_HIGH", d.memFreeHighFraction),
    evictionsPerEpisode: d.evictionsPerEpisode,
  };
  const psi = raw("JULIA_DAEMON_PSI_THRESHOLD");
  if (psi !== undefined) {
    const n = Number(psi.replace(/%$/, ""));
    if (!Number.isFinite(n) || n <= 0 || n > 100) fail("JULIA_DAEMON_PSI_THRESHOLD", psi, "a percentage above 0 and at most 100", "10");
    s.psiThresholdPercent = n;
  }
  // Relations between values: name the one that breaks them.
  if (s.minTtlMs >= s.maxTtlMs) fail("JULIA_DAEMON_MIN_TTL", raw("JULIA_DAEMON_MIN_TTL") ?? String(s.minTtlMs / 1000), `fewer seconds than ${maxName} (${s.maxTtlMs / 1000})`, `${d.minTtlMs / 1000}`);
  if (s.memFreeHighFraction < s.memFreeLowFraction) {
    fail("JULIA_DAEMON_MEMFREE_HIGH", raw("JULIA_DAEMON_MEMFREE_HIGH") ?? `${s.memFreeHighFraction * 100}%`, `at least JULIA_DAEMON_MEMFREE_LOW (${s.memFreeLowFraction * 100}%)`, "15%");
  }
  return s;
}
