// Taking back a warm worker that re-registered after its conductor went away
// (restart, upgrade, crash). The worker is not our child, so its "process"
// is watched by pid; the registry has already checked its id and secret.

import { Capability, type Hello } from "../../shared/protocol/index.ts";
import { processAlive } from "../sys/proc.ts";
import type { WorkerChannel } from "../server/worker-channel.ts";
import type { WorkerRecord } from "../state/store.ts";
import type { ExitStatus, LaunchedWorker } from "./launcher.ts";
import type { Worker } from "./types.ts";

const WATCH_MS = 200;

/** A LaunchedWorker for a process we did not start: exit is noticed by polling its pid. */
export function adoptedProcess(pid: number): LaunchedWorker {
  let resolve!: (s: ExitStatus) => void;
  const exited = new Promise<ExitStatus>((r) => (resolve = r));
  const timer = setInterval(() => {
    if (processAlive(pid)) return;
    clearInterval(timer);
    resolve({ code: null, signal: null });
  }, WATCH_MS);
  timer.unref?.();
  return {
    pid,
    exited,
    kill(signal) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    },
    stderrTail: () => "",
  };
}

export function adoptedWorker(r: WorkerRecord, hello: Hello, channel: WorkerChannel, now: number): Worker {
  const ready = Promise.resolve();
  return {
    id: r.id,
    secret: hello.secret,
    key: r.key,
    shape: { project: r.project, channel: r.channel, threads: r.threads, processSwitches: r.processSwitches, startupEnv: {} },
    proc: adoptedProcess(hello.pid),
    launch: null,
    state: "ready",
    label: r.label,
    dirty: r.dirty,
    // A re-registering worker's runs are not ours: count them until a PONG says they ended.
    load: hello.activeRuns,
    foreignRuns: hello.activeRuns,
    canIsolate: (hello.capabilities & Capability.CONCURRENT_RUNS) !== 0,
    reserve: false,
    lastUsedAt: r.lastUsedAt,
    startedAt: r.startedAt,
    lastPingAt: 0,
    pinging: false,
    channel,
    hello,
    activated: null,
    runs: new Map(),
    claims: 0,
    ready,
    markReady: () => {},
    markFailed: () => {},
    waiters: [],
  };
}
