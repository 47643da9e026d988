// Starting a worker process. The record is created (and claimed by the
// caller) synchronously; the process starts at once when the executable's
// julia version is cached, else after one `--version` probe that only this
// start waits for. A julia older than MIN_JULIA is refused; otherwise the
// argv fits the version (spawn.ts), and every failure names the version,
// the command line and the worker's log.

import { randomBytes } from "node:crypto";
import { createError } from "../../shared/errors.ts";
import { logger } from "../log.ts";
import type { StartBackoff } from "./backoff.ts";
import { supported } from "./julia-version.ts";
import type { WorkerShape } from "./key.ts";
import { LaterProcess, removeLog, type LaunchedWorker } from "./launcher.ts";
import type { Pool } from "./pool.ts";
import { spawnArgv, spawnEnv, startFailure, threadsArg, tooOld, workerLog } from "./spawn.ts";
import { startingWorker, type Worker } from "./types.ts";
import { JuliaVersions, type JuliaFound } from "./versions.ts";

const log = logger("pool");

/** Failed starts' logs kept for their error messages; older ones are removed. */
const KEPT_LOGS = 8;

export class Starter {
  readonly versions: JuliaVersions;
  private kept: string[] = [];

  constructor(
    private readonly pool: Pool,
    private readonly backoff: StartBackoff,
  ) {
    this.versions = new JuliaVersions(pool.deps.probe);
  }

  /** A "starting" worker in the pool's map. Throws (backoff noted) when it cannot start at all. */
  start(key: string, shape: WorkerShape, label: string | null, reserve: boolean): Worker {
    const blocked = this.backoff.blocked(key);
    if (blocked) throw blocked;
    const { config, now } = this.pool.deps;
    const proc = new LaterProcess();
    const w = startingWorker({ id: randomBytes(6).toString("hex"), secret: randomBytes(16).toString("hex"), key, shape, proc, label, reserve, now: now() });
    const known = this.versions.cached(config.workerExecutable, shape.channel);
    if (known) {
      this.launch(w, known, proc);
      this.pool.workers.set(w.id, w);
      return w;
    }
    this.pool.workers.set(w.id, w);
    log.debug(`worker ${w.id}: learning the julia version of ${config.workerExecutable}${shape.channel ? ` +${shape.channel}` : ""}`);
    void this.versions.learn(config.workerExecutable, shape.channel).then((found) => {
      if (w.state === "dead") return; // retired while the probe ran
      try {
        if (this.pool.isStopping) throw createError("REFUSED", "the conductor is stopping", "run the command again");
        this.launch(w, found, proc);
      } catch (e) {
        w.markFailed(e as Error);
        this.pool.retire(w, `it could not be started: ${(e as Error).message}`);
      }
    });
    return w;
  }

  private launch(w: Worker, julia: JuliaFound, proc: LaterProcess): void {
    const { config, launcher, entry, baseEnv } = this.pool.deps;
    if (julia.version && !supported(julia.version)) throw this.backoff.note(w.key, tooOld(config, w.shape.channel, julia.version));
    const argv = spawnArgv(config, w.shape, entry);
    w.launch = { argv, threads: threadsArg(w.shape), julia, failed: false };
    const logFile = workerLog(config, w.id);
    let real: LaunchedWorker;
    try {
      real = launcher.launch({ argv, env: spawnEnv(baseEnv, w.shape, config, w.id, w.secret), name: `worker ${w.id}`, logFile });
    } catch (e) {
      removeLog(logFile);
      throw this.backoff.note(w.key, startFailure({ argv, logFile: null, julia }, (e as Error).message, ""));
    }
    proc.attach(real);
    log.info(`starting ${w.reserve ? "reserve " : ""}worker ${w.id} (pid ${real.pid}, julia ${julia.version ?? "unknown"}): ${argv.join(" ")}`);
  }

  /** The worker exited or timed out before its HELLO: the error, with the cached version dropped. */
  failed(w: Worker, what: string): Error {
    const { config } = this.pool.deps;
    const launch = w.launch ?? { argv: null, threads: null, julia: null, failed: false };
    launch.failed = true;
    const julia = launch.julia ?? { version: null, problem: "its julia version was still being learnt", stamp: null };
    this.versions.forget(julia.stamp, `a worker started with it failed (${what})`);
    const logFile = workerLog(config, w.id);
    this.keep(logFile);
    return this.backoff.note(w.key, startFailure({ argv: launch.argv ?? [config.workerExecutable], logFile, julia }, what, w.proc.stderrTail()));
  }

  /** A worker's HELLO: a version other than the cached one means the cache is stale. */
  hello(w: Worker, juliaVersion: string): void {
    const julia = w.launch?.julia;
    if (julia?.version && julia.version !== juliaVersion) {
      this.versions.forget(julia.stamp, `worker ${w.id} says julia ${juliaVersion}, \`--version\` said ${julia.version}`);
    }
  }

  private keep(logFile: string): void {
    this.kept.push(logFile);
    for (const old of this.kept.splice(0, Math.max(0, this.kept.length - KEPT_LOGS))) removeLog(old);
  }
}
