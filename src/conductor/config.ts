// The conductor's settings, read from the environment once at the edge and
// validated; the core receives this typed object and never reads env itself.
// (The lifecycle issue layers a config file and `juliaconductor config` on it.)

import { createError } from "../shared/errors.ts";
import { conductorPaths, type ConductorPaths, type Env } from "../shared/paths.ts";

export interface Config {
  paths: ConductorPaths;
  workerExecutable: string;
  workerArgs: string[];
  workerProject: string | null;
  /** concurrent runs per worker; 0 = unlimited */
  maxClients: number;
  /** how long a busy worker whose client vanished may stay busy */
  orphanRunGraceMs: number;
  /** how long a worker may take to answer ACTIVATE/RUN */
  replyTimeoutMs: number;
  /** how long the conductor waits for a new worker's HELLO before giving up */
  startTimeoutMs: number;
  workerGraceS: number;
  debug: boolean;
}

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw createError("CONFIG", `${name}=${raw} is invalid (from the environment): expected an integer from ${min} to ${max}`, `unset ${name} to use the default (${fallback})`);
  }
  return n;
}

/** Splits WORKER_ARGS like a shell would for plain words and simple quotes. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}

export function loadConfig(env: Env, uid: number): Config {
  return {
    paths: conductorPaths(env, uid),
    workerExecutable: env.JULIA_DAEMON_WORKER_EXECUTABLE || "julia",
    workerArgs: splitArgs(env.JULIA_DAEMON_WORKER_ARGS ?? "--startup-file=no"),
    workerProject: env.JULIA_DAEMON_WORKER_PROJECT || null,
    maxClients: intVar(env, "JULIA_DAEMON_WORKER_MAXCLIENTS", 1, 0, 1 << 16),
    orphanRunGraceMs: 5_000,
    replyTimeoutMs: intVar(env, "JULIA_DAEMON_REPLY_TIMEOUT", 30, 1, 86_400) * 1000,
    startTimeoutMs: intVar(env, "JULIA_DAEMON_START_TIMEOUT", 600, 1, 86_400) * 1000,
    workerGraceS: intVar(env, "JULIA_DAEMON_WORKER_GRACE", 60, 0, 86_400),
    debug: env.JULIA_DAEMON_DEBUG === "1",
  };
}
