// `juliaconductor serve`: check the runtime dir, claim the socket, extract
// the worker, listen, announce READY on --ready-fd, then serve until a
// signal or `stop`; on the way out stop workers and remove our files.

import { closeSync, openSync, writeSync } from "node:fs";
import type { Env } from "../../shared/paths.ts";
import { DaemonError, ExitCode } from "../../shared/errors.ts";
import { encodeError, encodeReady, ErrorCode } from "../../shared/protocol/index.ts";
import { loadConfig } from "../config.ts";
import { logger, setDebug, setLogSink } from "../log.ts";
import { bunLauncher } from "../pool/launcher.ts";
import { Pool } from "../pool/pool.ts";
import { Routing } from "../service.ts";
import { cacheBase, extractWorker } from "../worker-assets.ts";
import { ClientChannel } from "./client-channel.ts";
import { listen } from "./listener.ts";
import { claimSocket, ensureRuntimeDir, removeOwnFiles, writePidFile } from "./runtime-dir.ts";
import { WorkerChannel } from "./worker-channel.ts";

const log = logger("serve");

export interface ServeOptions {
  foreground: boolean;
  readyFd: number | null;
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

function logToFile(path: string): void {
  const fd = openSync(path, "a", 0o600);
  setLogSink((line) => {
    try {
      writeSync(fd, line);
    } catch {
      // a full disk must not stop the conductor
    }
  });
}

export async function serve(opts: ServeOptions, env: Env): Promise<number> {
  const uid = process.getuid?.() ?? 0;
  let config;
  let entry: string;
  try {
    config = loadConfig(env, uid);
    setDebug(config.debug);
    ensureRuntimeDir(config.paths.runtime, uid);
    if (!opts.foreground) logToFile(`${config.paths.runtime}/conductor.log`);
    await claimSocket(config.paths);
    entry = await extractWorker(cacheBase(env));
  } catch (e) {
    if (e instanceof DaemonError && e.code === "CONDUCTOR_RUNNING" && opts.readyFd !== null) {
      // Another starter won the race: the socket answers, which is all our starter needs.
      announce(opts.readyFd, encodeReady({ pid: 0, socketPath: config?.paths.socket ?? "" }));
      return ExitCode.OK;
    }
    const de = e instanceof DaemonError ? e : null;
    announce(opts.readyFd, encodeError({ code: ErrorCode.INTERNAL, exitCode: de?.exitCode ?? 1, message: (e as Error).message, hint: de?.hint ?? "" }));
    throw e;
  }

  let stopping: (() => void) | null = null;
  const stopped = new Promise<void>((r) => (stopping = r));
  const stop = () => stopping?.();
  const pool = new Pool({ config, launcher: bunLauncher, now: Date.now, entry, baseEnv: env });
  const routing = new Routing(pool, stop);
  const server = listen(
    config.paths.socket,
    (kind, peer) => (kind === "WORKER" ? new WorkerChannel(peer, pool) : new ClientChannel(peer, routing)),
    uid,
  );
  writePidFile(config.paths);
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, stop);
  log.info(`listening on ${config.paths.socket} (pid ${process.pid}), workers: ${config.workerExecutable}`);
  announce(opts.readyFd, encodeReady({ pid: process.pid, socketPath: config.paths.socket }));

  await stopped;
  log.info("stopping");
  server.stop(true);
  removeOwnFiles(config.paths);
  await pool.shutdown();
  return ExitCode.OK;
}
