// The worker pool: starts workers through the injected launcher, matches
// their HELLO by id and secret, hands runs to them and hears when runs end.
// Everything is asynchronous: a worker that is slow to start or answer holds
// up only the requests waiting on it.

import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createError, DaemonError } from "../../shared/errors.ts";
import { Capability, ErrorCode, Registration, Shutdown, type Hello, type RunDone, type RunSpec } from "../../shared/protocol/index.ts";
import type { Config } from "../config.ts";
import { logger } from "../log.ts";
import type { WorkerChannel, WorkerEvents } from "../server/worker-channel.ts";
import type { WorkerShape } from "./key.ts";
import type { ExitStatus, LaunchedWorker, WorkerLauncher } from "./launcher.ts";
import { selectWorker, type WorkerView } from "./select.ts";
import { spawnArgv, spawnEnv, startFailure } from "./spawn.ts";

const log = logger("pool");
const KILL_GRACE_MS = 2000;

export interface PoolDeps {
  config: Config;
  launcher: WorkerLauncher;
  now: () => number;
  /** path of the Julia worker's entry file */
  entry: string;
  baseEnv: Record<string, string | undefined>;
}

export interface Worker extends WorkerView {
  secret: string;
  shape: WorkerShape;
  proc: LaunchedWorker;
  channel: WorkerChannel | null;
  hello: Hello | null;
  activated: string | null;
  runs: Map<string, { clientPid: number; startedAt: number; orphanTimer?: ReturnType<typeof setTimeout> }>;
  claims: number;
  startedAt: number;
  ready: Promise<void>;
  markReady: () => void;
  markFailed: (e: Error) => void;
  waiters: (() => void)[];
}

export interface Assignment {
  worker: Worker;
  token: Uint8Array;
}

export interface AcquireRequest {
  key: string;
  shape: WorkerShape;
  label: string | null;
  run: Omit<RunSpec, "id" | "token">;
  onPhase: (phase: number, message: string) => void;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export class Pool implements WorkerEvents {
  readonly workers = new Map<string, Worker>();
  private failures = new Map<string, { count: number; until: number; error: DaemonError }>();

  constructor(private readonly deps: PoolDeps) {}

  async acquire(req: AcquireRequest): Promise<Assignment> {
    const { config, now } = this.deps;
    const sel = selectWorker(this.workers.values(), { key: req.key, label: req.label, maxClients: config.maxClients });
    // Claimed synchronously, before any await, so no concurrent request can pick the same slot.
    const w = sel.kind === "spawn" ? this.spawn(req) : this.workers.get(sel.id)!;
    if (sel.kind === "claim") w.label = req.label;
    w.claims++;
    w.load = w.runs.size + w.claims;
    try {
      if (w.state === "starting") {
        req.onPhase(1, `starting julia for ${req.shape.project || "the default environment"}`);
        await w.ready;
      }
      while (w.runs.size > 0 && !w.canIsolate) {
        req.onPhase(2, "waiting for the session's previous run to finish");
        await new Promise<void>((r) => w.waiters.push(r));
        if (w.state === "dead") throw createError("WORKER_DIED", `worker ${w.id} exited while this run waited for it`, "run the command again");
      }
      if (w.activated !== req.shape.project) {
        req.onPhase(3, "activating the project");
        await w.channel!.activate(req.shape.project, config.replyTimeoutMs);
        w.activated = req.shape.project;
      }
      const token = new Uint8Array(randomBytes(16));
      w.runs.set(hex(token), { clientPid: req.run.clientPid, startedAt: now() });
      try {
        await w.channel!.run({ ...req.run, token }, config.replyTimeoutMs);
      } catch (e) {
        w.runs.delete(hex(token));
        throw e;
      }
      w.lastUsedAt = now();
      return { worker: w, token };
    } catch (e) {
      if (e instanceof DaemonError) throw e;
      const msg = (e as Error).message;
      if ((e as { code?: number }).code === ErrorCode.PROJECT_NOT_FOUND) throw createError("REFUSED", msg, "check --project / JULIA_PROJECT");
      this.retire(w, `failed to take a run: ${msg}`);
      throw createError("WORKER_DIED", `worker ${w.id} (pid ${w.proc.pid}) failed: ${msg}`, "run the command again; a fresh worker will be started");
    } finally {
      w.claims--;
      w.load = w.runs.size + w.claims;
    }
  }

  private spawn(req: AcquireRequest): Worker {
    const { config, now, launcher } = this.deps;
    const failed = this.failures.get(req.key);
    if (failed && now() < failed.until) throw failed.error;
    const id = randomBytes(6).toString("hex");
    const secret = randomBytes(16).toString("hex");
    const argv = spawnArgv(config, req.shape, this.deps.entry);
    let proc: LaunchedWorker;
    try {
      proc = launcher.launch({ argv, env: spawnEnv(this.deps.baseEnv, req.shape, config, id, secret), name: `worker ${id}` });
    } catch (e) {
      throw this.noteFailure(req.key, startFailure(config, `${(e as Error).message}`, ""));
    }
    let markReady!: () => void, markFailed!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => ((markReady = res), (markFailed = rej)));
    ready.catch(() => {});
    const w: Worker = {
      id, secret, key: req.key, shape: req.shape, proc, state: "starting", label: req.label, load: 0, canIsolate: false,
      lastUsedAt: now(), startedAt: now(), channel: null, hello: null, activated: null, runs: new Map(), claims: 0,
      ready, markReady, markFailed, waiters: [],
    };
    this.workers.set(id, w);
    log.info(`starting worker ${id} (pid ${proc.pid}): ${argv.join(" ")}`);
    const timer = setTimeout(() => {
      if (w.state !== "starting") return;
      w.markFailed(this.noteFailure(req.key, startFailure(config, `it did not connect within ${config.startTimeoutMs / 1000} s`, proc.stderrTail())));
      this.retire(w, "start timeout");
    }, config.startTimeoutMs);
    void proc.exited.then((st) => {
      clearTimeout(timer);
      this.onExit(w, st);
    });
    return w;
  }

  private noteFailure(key: string, error: DaemonError): DaemonError {
    const prev = this.failures.get(key);
    const count = (prev?.count ?? 0) + 1;
    this.failures.set(key, { count, until: this.deps.now() + Math.min(30_000, 500 * 2 ** (count - 1)), error });
    return error;
  }

  private onExit(w: Worker, st: ExitStatus): void {
    const how = st.signal ? `signal ${st.signal}` : `exit code ${st.code}`;
    if (w.state === "starting") {
      w.markFailed(this.noteFailure(w.key, startFailure(this.deps.config, `it exited (${how}) before connecting`, w.proc.stderrTail())));
    }
    if (w.state !== "dead") log.warn(`worker ${w.id} (pid ${w.proc.pid}) exited: ${how}`);
    this.forget(w);
    // A worker killed with SIGKILL cannot remove its run socket; only ever touch our own dir's w-*.sock.
    const sock = w.hello?.runSocket;
    if (sock && sock.startsWith(`${this.deps.config.paths.runtime}/w-`)) rmSync(sock, { force: true });
  }

  private forget(w: Worker): void {
    w.state = "dead";
    this.workers.delete(w.id);
    for (const r of w.runs.values()) clearTimeout(r.orphanTimer);
    for (const f of w.waiters.splice(0)) f();
  }

  onHello(hello: Hello, channel: WorkerChannel): string | null {
    const w = this.workers.get(hello.workerId);
    if (!w || w.secret !== hello.secret) return `unknown worker ${hello.workerId}`;
    if (hello.registration === Registration.FRESH && w.state !== "starting") return `worker ${hello.workerId} is already registered`;
    w.channel = channel;
    w.hello = hello;
    w.canIsolate = (hello.capabilities & Capability.CONCURRENT_RUNS) !== 0;
    if (w.state === "starting") {
      w.state = "ready";
      this.failures.delete(w.key);
      log.info(`worker ${w.id} ready: julia ${hello.juliaVersion}, pid ${hello.pid}`);
      w.markReady();
    }
    return null;
  }

  onRunDone(channel: WorkerChannel, done: RunDone): void {
    const w = this.byChannel(channel);
    if (!w) return;
    const r = w.runs.get(hex(done.token));
    if (r) clearTimeout(r.orphanTimer);
    w.runs.delete(hex(done.token));
    w.load = w.runs.size + w.claims;
    w.lastUsedAt = this.deps.now();
    w.waiters.shift()?.();
  }

  onClose(channel: WorkerChannel): void {
    const w = this.byChannel(channel);
    if (!w) return;
    w.channel = null;
    this.retire(w, "its control channel closed");
  }

  private byChannel(channel: WorkerChannel): Worker | undefined {
    for (const w of this.workers.values()) if (w.channel === channel) return w;
    return undefined;
  }

  /** The client of a run disconnected: give the worker time to interrupt it, then retire it. */
  clientGone(workerId: string, token: Uint8Array): void {
    const w = this.workers.get(workerId);
    const r = w?.runs.get(hex(token));
    log.debug(`client of run ${hex(token).slice(0, 8)} on worker ${workerId} left${r ? " before the run ended" : ""}`);
    if (!w || !r) return;
    w.channel?.cancelRun(token);
    r.orphanTimer = setTimeout(() => {
      if (w.runs.has(hex(token))) this.retire(w, "its run outlived its client by more than the grace period");
    }, this.deps.config.orphanRunGraceMs);
  }

  /** Stops a worker: SHUTDOWN now, SIGTERM, then SIGKILL after a grace; `hard` goes straight to SIGKILL. */
  retire(w: Worker, reason: string, hard = false): void {
    if (w.state === "dead") return;
    log.info(`retiring worker ${w.id} (pid ${w.proc.pid}): ${reason}`);
    if (w.state === "starting") w.markFailed(createError("WORKER_START_FAILED", `worker ${w.id} was stopped while starting: ${reason}`));
    this.forget(w);
    const pids = new Set([w.proc.pid, w.hello?.pid ?? w.proc.pid]);
    const signal = (sig: NodeJS.Signals) => {
      w.proc.kill(sig);
      for (const pid of pids) if (pid !== w.proc.pid) try { process.kill(pid, sig); } catch { /* gone */ }
    };
    if (hard) return signal("SIGKILL");
    w.channel?.shutdown(Shutdown.NOW);
    signal("SIGTERM");
    const t = setTimeout(() => signal("SIGKILL"), KILL_GRACE_MS);
    void w.proc.exited.then(() => clearTimeout(t));
  }

  retireById(id: string, reason: string, hard = false): void {
    const w = this.workers.get(id);
    if (w) this.retire(w, reason, hard);
  }

  /** `--restart`: every worker of the key; returns how many. */
  restart(key: string): number {
    const ws = [...this.workers.values()].filter((w) => w.key === key);
    for (const w of ws) this.retire(w, "--restart");
    this.failures.delete(key);
    return ws.length;
  }

  async shutdown(): Promise<void> {
    const ws = [...this.workers.values()];
    for (const w of ws) this.retire(w, "conductor shutting down");
    await Promise.all(ws.map((w) => w.proc.exited));
  }
}
