// How a worker process is started: its argv (channel, worker args, threads,
// the client's process-level switches, entry, conductor socket) and its
// environment (the conductor's, with the client's start-up-only variables
// and the worker's id and secret), and the error a failed start becomes.
// Pure functions; the julia version they depend on comes from versions.ts.

import { createError, type DaemonError } from "../../shared/errors.ts";
import type { Config } from "../config.ts";
import { MIN_JULIA } from "./julia-version.ts";
import { STARTUP_ENV, type WorkerShape } from "./key.ts";
import type { JuliaFound } from "./versions.ts";

export function spawnArgv(config: Config, shape: WorkerShape, entry: string): string[] {
  const argv = [config.workerExecutable];
  if (shape.channel) argv.push(`+${shape.channel}`);
  if (config.workerProject) argv.push(`--project=${config.workerProject}`);
  argv.push(...config.workerArgs);
  const threads = threadsArg(shape);
  if (threads !== null) argv.push(`--threads=${threads}`);
  argv.push(...shape.processSwitches, entry, config.paths.socket);
  return argv;
}

/**
 * The `--threads` value, or null for none: the client's `-t` exactly as
 * given, and without one no switch at all (the worker reads the client's
 * JULIA_NUM_THREADS from its environment, as plain julia does). So user code
 * sees the thread pools plain julia would show (`nthreads(:interactive)`,
 * `threadpool()`), runs on thread 1 as julia's main task does, and gets Ctrl-C
 * as julia's own SIGINT there (docs/julia-semantics.md, "Threads and Ctrl-C").
 */
export function threadsArg(shape: WorkerShape): string | null {
  return shape.threads;
}

/** The thread spec a worker runs with, for status: the `--threads` passed, else what julia reads itself. */
export function threadsShown(shape: WorkerShape, passed: string | null): string {
  return passed ?? shape.startupEnv.JULIA_NUM_THREADS ?? "1";
}

/** `k=v` pairs NUL-joined, hex-encoded (an environment value cannot hold a NUL). */
export function encodeSpawnEnv(env: Record<string, string>): string {
  return Buffer.from(Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\0")).toString("hex");
}

/** Variables the conductor's own environment must not leak into a worker's start. */
const NOT_INHERITED = ["JULIA_PROJECT", ...STARTUP_ENV];

export function spawnEnv(base: Record<string, string | undefined>, shape: WorkerShape, config: Config, id: string, secret: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !NOT_INHERITED.includes(k)) env[k] = v;
  Object.assign(env, shape.startupEnv);
  // What the julia executable was given, so the worker can tell what its launcher (a
  // wrapper script setting LD_LIBRARY_PATH, say) added, and add it to each run's
  // environment as that launcher would have for plain julia (docs/protocol.md §4.1).
  env.JULIA_DAEMON_SPAWN_ENV = encodeSpawnEnv(env);
  env.JULIA_DAEMON_WORKER_ID = id;
  env.JULIA_DAEMON_WORKER_SECRET = secret;
  env.JULIA_DAEMON_WORKER_GRACE = String(config.workerGraceS);
  // A worker given one run at a time points fds 0-2 at each run (child processes, C output).
  env.JULIA_DAEMON_WORKER_MAXCLIENTS = String(config.maxClients);
  return env;
}

/** What a start failure names: the command that failed, its log, and the julia found. */
export interface StartAttempt {
  argv: string[];
  /** null when there is nothing in it worth reading (the executable never ran) */
  logFile: string | null;
  julia: JuliaFound;
}

/** A word as a POSIX shell would need it quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

export function juliaFoundText(j: JuliaFound): string {
  if (j.version) return `julia ${j.version} (julia-daemon supports ${MIN_JULIA} and later)`;
  return `julia version unknown (${j.problem ?? "not checked"}; julia-daemon supports ${MIN_JULIA} and later)`;
}

export function startFailure(a: StartAttempt, what: string, stderrTail: string): DaemonError {
  const tail = stderrTail.trim().split("\n").slice(-3).join(" | ");
  const missing = /ENOENT|no such file|not found/i.test(what);
  const parts = [
    `could not start a worker: ${what}${tail ? ` — stderr: ${tail}` : ""}`,
    missing ? null : juliaFoundText(a.julia),
    `command: ${a.argv.map(shellWord).join(" ")}`,
    a.logFile ? `log: ${a.logFile}` : null,
  ];
  return createError(
    "WORKER_START_FAILED",
    parts.filter((p) => p !== null).join("; "),
    missing
      ? "install julia (e.g. with juliaup) or set JULIA_DAEMON_WORKER_EXECUTABLE to its path"
      : "run that command by hand to see why, or check JULIA_DAEMON_WORKER_ARGS",
  );
}

/** The executable's julia is too old: the worker is not started at all. */
export function tooOld(config: Config, channel: string | null, version: string): DaemonError {
  const exe = `\`${config.workerExecutable}${channel ? ` +${channel}` : ""}\``;
  return createError(
    "WORKER_START_FAILED",
    `${exe} is julia ${version}, older than ${MIN_JULIA}, the oldest julia-daemon supports`,
    channel
      ? `ask for a newer channel (e.g. +release), or install julia ${MIN_JULIA} or newer`
      : `install julia ${MIN_JULIA} or newer (e.g. with juliaup) or set JULIA_DAEMON_WORKER_EXECUTABLE to one`,
  );
}

/** A worker's stdout+stderr file: it outlives the conductor that started the worker. */
export function workerLog(config: Config, id: string): string {
  return `${config.stateDir}/worker-logs/${id}.log`;
}
