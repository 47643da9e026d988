// The pool's record types: what it is given (PoolDeps), what it keeps per
// worker (Worker), and what a request asks for and gets back.

import type { Hello, RunSpec } from "../../shared/protocol/index.ts";
import type { Config } from "../config.ts";
import type { WorkerChannel } from "../server/worker-channel.ts";
import type { WorkerShape } from "./key.ts";
import type { LaunchedWorker, WorkerLauncher } from "./launcher.ts";
import type { MemorySizer } from "./memsize.ts";
import type { PressureSource } from "./pressure.ts";
import type { WorkerView } from "./select.ts";
import type { PoolSettings } from "./settings.ts";
import type { RegistryHooks } from "../state/registry.ts";
import type { JuliaFound, VersionProbe } from "./versions.ts";

export interface PoolDeps {
  config: Config;
  settings: PoolSettings;
  launcher: WorkerLauncher;
  /** runs the executable with `--version` to learn which switches it accepts */
  probe: VersionProbe;
  now: () => number;
  /** path of the Julia worker's entry file */
  entry: string;
  baseEnv: Record<string, string | undefined>;
  pressure: PressureSource;
  sizer: MemorySizer;
  /** durable worker records, for re-registration after a conductor restart */
  registry?: RegistryHooks;
}

/** How a worker was started; filled in once its julia version is known. */
export interface LaunchInfo {
  /** the argv really spawned; null until then */
  argv: string[] | null;
  /** the `--threads` value passed; null for none */
  threads: string | null;
  /** what `--version` said (or the cache); null until then */
  julia: JuliaFound | null;
  /** it failed to start: its log is kept for the error message to point at */
  failed: boolean;
}

export interface Worker extends WorkerView {
  secret: string;
  shape: WorkerShape;
  proc: LaunchedWorker;
  /** null for a worker an earlier conductor started (adopted) */
  launch: LaunchInfo | null;
  channel: WorkerChannel | null;
  hello: Hello | null;
  activated: string | null;
  runs: Map<string, { clientPid: number; startedAt: number; orphanTimer?: ReturnType<typeof setTimeout> }>;
  claims: number;
  /** runs the worker reported in a PONG that we have no record of */
  foreignRuns: number;
  /** pre-started for the next new project; its key is a reserve key until claimed */
  reserve: boolean;
  startedAt: number;
  lastPingAt: number;
  pinging: boolean;
  ready: Promise<void>;
  markReady: () => void;
  markFailed: (e: Error) => void;
  waiters: (() => void)[];
}

export interface Assignment {
  worker: Worker;
  token: Uint8Array;
  /** the run waited for a worker to start */
  cold: boolean;
}

export interface AcquireRequest {
  key: string;
  shape: WorkerShape;
  label: string | null;
  run: Omit<RunSpec, "id" | "token">;
  onPhase: (phase: number, message: string) => void;
  /** the client's HOME, to show project paths as ~/… */
  home?: string;
}

export interface Queued {
  req: AcquireRequest;
  resolve: (w: Worker) => void;
  reject: (e: Error) => void;
}

export function projectName(project: string, home?: string): string {
  if (!project) return "the default environment";
  return home && (project === home || project.startsWith(`${home}/`)) ? `~${project.slice(home.length)}` : project;
}

/** A freshly launched worker's record, waiting for its HELLO. */
export function startingWorker(o: { id: string; secret: string; key: string; shape: WorkerShape; proc: LaunchedWorker; label: string | null; reserve: boolean; now: number }): Worker {
  let markReady!: () => void, markFailed!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => ((markReady = res), (markFailed = rej)));
  ready.catch(() => {});
  return {
    id: o.id, secret: o.secret, key: o.key, shape: o.shape, proc: o.proc, launch: { argv: null, threads: null, julia: null, failed: false }, state: "starting", label: o.label, dirty: o.label !== null,
    load: 0, canIsolate: false, reserve: o.reserve, lastUsedAt: o.now, startedAt: o.now, lastPingAt: o.now, pinging: false,
    channel: null, hello: null, activated: null, runs: new Map(), claims: 0, foreignRuns: 0, ready, markReady, markFailed, waiters: [],
  };
}
