// `juliaconductor serve`: check the runtime dir, claim the socket (or adopt
// systemd's), extract the worker, listen, announce READY on --ready-fd, then
// serve until a signal or `stop`. A graceful stop stops accepting, lets
// running clients finish up to STOP_TIMEOUT, retires the workers (soft exit
// → SIGTERM → SIGKILL), removes our files and flushes state.

import { closeSync, writeSync } from "node:fs";
import { createError, DaemonError, ExitCode } from "../../shared/errors.ts";
import type { Env } from "../../shared/paths.ts";
import { encodeError, encodeReady, ErrorCode } from "../../shared/protocol/index.ts";
import { loadConfig, type Config } from "../config.ts";
import { logger, setDebug, setLogSink } from "../log.ts";
import { logFilePath, rotatingSink, underJournal } from "../logfile.ts";
import { bunLauncher } from "../pool/launcher.ts";
import { bunVersionProbe } from "../pool/versions.ts";
import { Pool } from "../pool/pool.ts";
import { poolWorldFromConfig, type PoolWorld } from "../pool/world.ts";
import { Routing } from "../service.ts";
import { Registry } from "../state/registry.ts";
import { StateStore } from "../state/store.ts";
import type { StopMode } from "../service.ts";
import { cacheBase, extractWorker } from "../worker-assets.ts";
import { ClientChannel } from "./client-channel.ts";
import { listen, listenInherited, type Listener } from "./listener.ts";
import type { ChannelFactory } from "./peer.ts";
import { claimSocket, ensurePrivateDir, ensureRuntimeDir, removeOwnFiles, socketAnswers, writePidFile } from "./runtime-dir.ts";
import { WorkerChannel } from "./worker-channel.ts";

const log = logger("serve");

export interface ServeOptions {
  foreground: boolean;
  readyFd: number | null;
  flags?: readonly string[];
}

function announce(fd: number | null, frame: Uint8Array): void {
  if (fd === null) return;
  try {
    writeSync(fd, frame);
    closeSync(fd);
  } catch {
    // the starter went away; nobody is waiting for the answer
  }
}

/** systemd socket activation: the listening socket is fd 3 when LISTEN_PID is us. */
function inheritedFd(env: Env): number | null {
  return env.LISTEN_FDS && Number(env.LISTEN_FDS) >= 1 && Number(env.LISTEN_PID) === process.pid ? 3 : null;
}

function setUpLogging(opts: ServeOptions, env: Env, config: Config): void {
  setDebug(config.debug);
  if (opts.foreground || underJournal(env)) return; // stderr: the terminal, or systemd's journal
  const path = logFilePath(config.stateDir);
  try {
    setLogSink(rotatingSink(path, config.logMaxBytes));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ELOOP") throw createError("NO_PERMISSION", `${path} is a symlink; the conductor never writes through one`, `remove it: \`rm ${path}\``);
    throw createError("INTERNAL", `cannot open the conductor's log ${path}: ${err.message}`, "check the state directory (JULIA_DAEMON_STATE_DIR) is writable", e);
  }
}

export async function serve(opts: ServeOptions, env: Env): Promise<number> {
  const uid = process.getuid?.() ?? 0;
  const adopted = inheritedFd(env);
  let config: Config | undefined;
  let entry: string;
  let world: PoolWorld;
  try {
    config = loadConfig(env, uid, { flags: opts.flags ?? [] });
    ensurePrivateDir("state", config.stateDir, uid);
    setUpLogging(opts, env, config);
    world = poolWorldFromConfig(config);
    ensureRuntimeDir(config.paths.runtime, uid);
    if (adopted === null) await claimSocket(config.paths);
    entry = await extractWorker(cacheBase(env));
  } catch (e) {
    if (e instanceof DaemonError && e.code === "CONDUCTOR_RUNNING" && opts.readyFd !== null && config && (await socketAnswers(config.paths.socket))) {
      // Another starter won the race: the socket answers, which is all our starter needs.
      announce(opts.readyFd, encodeReady({ pid: 0, socketPath: config?.paths.socket ?? "" }));
      return ExitCode.OK;
    }
    const de = e instanceof DaemonError ? e : null;
    announce(opts.readyFd, encodeError({ code: ErrorCode.INTERNAL, exitCode: de?.exitCode ?? 1, message: (e as Error).message, hint: de?.hint ?? "" }));
    throw e;
  }

  const state = StateStore.files(config.stateDir);
  const registry = new Registry(state);
  const returning = await registry.load(config.workerGraceS * 1000 + 5_000);
  const stopAutoFlush = state.startAutoFlush();
  let stopRequested: ((mode: StopMode) => void) | null = null;
  const stopped = new Promise<StopMode>((r) => (stopRequested = r));
  const pool = new Pool({ config, launcher: bunLauncher, probe: bunVersionProbe(env), now: Date.now, entry, baseEnv: env, registry, ...world });
  pool.start();
  const routing = new Routing(pool, (mode) => stopRequested?.(mode), state);
  const factory: ChannelFactory = (kind, peer) => (kind === "WORKER" ? new WorkerChannel(peer, pool) : new ClientChannel(peer, routing));
  const server: Listener = adopted === null ? listen(config.paths.socket, factory, uid) : listenInherited(adopted, factory, uid);
  writePidFile(config.paths);
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, () => stopRequested?.("graceful"));
  log.info(`listening on ${config.paths.socket}${adopted !== null ? " (socket from systemd)" : ""} (pid ${process.pid}), workers: ${config.workerExecutable}`);
  announce(opts.readyFd, encodeReady({ pid: process.pid, socketPath: config.paths.socket }));

  if (returning > 0) log.info(`${returning} worker(s) of the previous conductor may re-register`);

  const mode = await stopped;
  log.info(`stopping (${mode})`);
  server.stop();
  if (adopted === null) removeOwnFiles(config.paths);
  if (mode === "handover") {
    // Workers keep running and their runs keep streaming; they re-register with the next conductor.
    pool.handOver();
  } else {
    await drainRuns(pool, config.stopTimeoutMs);
    await pool.shutdown();
  }
  stopAutoFlush();
  registry.flushPending();
  await state.flush();
  log.info("stopped");
  return ExitCode.OK;
}

/** Lets runs in progress finish, up to the deadline; new requests are no longer accepted. */
async function drainRuns(pool: Pool, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  const busy = () => [...pool.workers.values()].reduce((n, w) => n + w.runs.size + w.claims, 0);
  if (busy() > 0) log.info(`waiting up to ${deadlineMs / 1000} s for ${busy()} run(s) to finish`);
  while (busy() > 0 && Date.now() < end) await pool.runEnded(end - Date.now());
}
