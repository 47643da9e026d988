// How a worker process is started: its argv (channel, worker args, threads,
// the client's process-level switches, entry, conductor socket) and its
// environment (the conductor's, with the client's start-up-only variables
// and the worker's id and secret). Pure functions.

import { createError, type DaemonError } from "../../shared/errors.ts";
import type { Config } from "../config.ts";
import { STARTUP_ENV, type WorkerShape } from "./key.ts";

export function spawnArgv(config: Config, shape: WorkerShape, entry: string): string[] {
  const argv = [config.workerExecutable];
  if (shape.channel) argv.push(`+${shape.channel}`);
  if (config.workerProject) argv.push(`--project=${config.workerProject}`);
  argv.push(...config.workerArgs);
  argv.push(`--threads=${threadsArg(shape)}`);
  argv.push(...shape.processSwitches, entry, config.paths.socket);
  return argv;
}

/**
 * The worker always gets one interactive thread beyond what the user asked
 * for: its control and stream readers run there, so an INTERRUPT or PING is
 * read even while user code computes without yielding (julia ≥ 1.12 starts
 * one by default too). An explicit interactive count is kept as given.
 */
export function threadsArg(shape: WorkerShape): string {
  const spec = shape.threads ?? shape.startupEnv.JULIA_NUM_THREADS ?? "1";
  return spec.includes(",") ? spec : `${spec || "1"},1`;
}

/** Variables the conductor's own environment must not leak into a worker's start. */
const NOT_INHERITED = ["JULIA_PROJECT", ...STARTUP_ENV];

export function spawnEnv(base: Record<string, string | undefined>, shape: WorkerShape, config: Config, id: string, secret: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !NOT_INHERITED.includes(k)) env[k] = v;
  Object.assign(env, shape.startupEnv);
  env.JULIA_DAEMON_WORKER_ID = id;
  env.JULIA_DAEMON_WORKER_SECRET = secret;
  env.JULIA_DAEMON_WORKER_GRACE = String(config.workerGraceS);
  return env;
}

export function startFailure(config: Config, what: string, stderrTail: string): DaemonError {
  const tail = stderrTail.trim().split("\n").slice(-3).join(" | ");
  const exe = config.workerExecutable;
  const missing = /ENOENT|no such file|not found/i.test(what);
  return createError(
    "WORKER_START_FAILED",
    `could not start a worker with \`${exe}\`: ${what}${tail ? ` — stderr: ${tail}` : ""}`,
    missing
      ? "install julia (e.g. with juliaup) or set JULIA_DAEMON_WORKER_EXECUTABLE to its path"
      : "run that command by hand to see why, or check JULIA_DAEMON_WORKER_ARGS",
  );
}

/** A worker's stdout+stderr file: it outlives the conductor that started the worker. */
export function workerLog(config: Config, id: string): string {
  return `${config.stateDir}/worker-logs/${id}.log`;
}
