// The worker pool: starts workers (starter.ts: the injected version probe,
// then the injected launcher), matches their HELLO by id and secret, hands
// runs to them, queues requests FIFO when MAX_WORKERS is reached, and hears
// when runs end. Time-driven upkeep (TTL, pings, pressure, reserve) is in
// upkeep.ts; decisions are pure functions in select/budget/evict/health. A
// slow worker holds up only its own waiters.

import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createError, DaemonError } from "../../shared/errors.ts";
import { Capability, ErrorCode, Phase, Registration, RunDoneFlag, type Hello, type RunDone } from "../../shared/protocol/index.ts";
import { logger } from "../log.ts";
import type { WorkerChannel, WorkerEvents } from "../server/worker-channel.ts";
import { addBusy, emptyUsage, summon, type Usage } from "./budget.ts";
import type { WorkerShape } from "./key.ts";
import { removeLog, type ExitStatus } from "./launcher.ts";
import { noteDemand, type Demand } from "./reserve.ts";
import { stopProcess, type StopMode } from "./retire.ts";
import type { PoolSettings } from "./settings.ts";
import { workerLog } from "./spawn.ts";
import { Starter } from "./starter.ts";
import { projectName, type AcquireRequest, type Assignment, type PoolDeps, type Queued, type Worker } from "./types.ts";
import { Upkeep } from "./upkeep.ts";
import { Placement } from "./placement.ts";
import { StartBackoff } from "./backoff.ts";
import { adoptedWorker } from "./adopt.ts";

const log = logger("pool");

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export type { AcquireRequest, Assignment, PoolDeps, Worker } from "./types.ts";

export class Pool implements WorkerEvents {
  readonly workers = new Map<string, Worker>();
  /** per pool key, and per reserve key for cold starts of that shape */
  readonly usage = new Map<string, Usage>();
  readonly demand = new Map<string, Demand>();
  readonly queue: Queued[] = [];
  readonly upkeep: Upkeep;
  private readonly backoff: StartBackoff;
  private readonly placement: Placement;
  private readonly starter: Starter;
  private runWaiters: (() => void)[] = [];
  private stopping = false;
  private handingOver = false;

  constructor(readonly deps: PoolDeps) {
    this.upkeep = new Upkeep(this);
    this.backoff = new StartBackoff(deps.now);
    this.placement = new Placement(this);
    this.starter = new Starter(this, this.backoff);
  }

  get settings(): PoolSettings {
    return this.deps.settings;
  }

  /** Starts the pool's timers (pings, TTL sweep, pressure, reserve). */
  start(): void {
    this.upkeep.start();
  }

  stop(): void {
    this.upkeep.stop();
  }

  async acquire(req: AcquireRequest): Promise<Assignment> {
    const { config, now } = this.deps;
    this.usage.set(req.key, summon(this.usage.get(req.key) ?? emptyUsage(), now(), this.settings));
    noteDemand(this.demand, req.shape, now());
    const back = this.deps.registry?.returning(req.key, req.label);
    if (back) {
      req.onPhase(Phase.STARTING, "waiting for a warm worker to re-register");
      await back;
    }
    // Claimed synchronously, before any await, so no concurrent request can pick the same slot.
    // Behind a non-empty queue a request may still use a free worker, but not jump the queue to spawn.
    const w = this.placement.place(req, this.queue.length === 0) ?? (await this.placement.enqueue(req));
    const cold = w.state === "starting";
    try {
      if (w.state === "starting") {
        req.onPhase(Phase.STARTING, `starting Julia for ${projectName(req.shape.project, req.home)}`);
        await w.ready;
      }
      while (w.runs.size + w.foreignRuns > 0 && !w.canIsolate) {
        req.onPhase(Phase.QUEUED, "waiting for the session's previous run to finish");
        await new Promise<void>((r) => w.waiters.push(r));
        if (w.state === "dead") throw createError("WORKER_DIED", `worker ${w.id} exited while this run waited for it`, "run the command again");
      }
      if (w.activated !== req.shape.project) {
        req.onPhase(Phase.ACTIVATING, `activating ${projectName(req.shape.project, req.home)}`);
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
      this.deps.registry?.saved(w);
      this.upkeep.soon();
      return { worker: w, token, cold };
    } catch (e) {
      if (e instanceof DaemonError) throw e;
      const msg = (e as Error).message;
      if ((e as { code?: number }).code === ErrorCode.PROJECT_NOT_FOUND) throw createError("REFUSED", msg, "check --project / JULIA_PROJECT");
      this.retire(w, `failed to take a run: ${msg}`);
      throw createError("WORKER_DIED", `worker ${w.id} (pid ${w.proc.pid}) failed: ${msg}`, "run the command again; a fresh worker will be started");
    } finally {
      w.claims--;
      this.updateLoad(w);
      this.pumpSoon();
    }
  }

  updateLoad(w: Worker): void {
    w.load = w.runs.size + w.claims + w.foreignRuns;
  }

  /** Serves queued requests in order (placement.ts). */
  pumpSoon(): void {
    this.placement.pumpSoon();
  }

  /** A new "starting" worker (starter.ts); its start timeout and exit are watched here. */
  spawn(key: string, shape: WorkerShape, label: string | null, reserve = false): Worker {
    const { config } = this.deps;
    const w = this.starter.start(key, shape, label, reserve);
    const timer = setTimeout(() => {
      if (w.state !== "starting") return;
      w.markFailed(this.starter.failed(w, `it did not connect within ${config.startTimeoutMs / 1000} s`));
      this.retire(w, "start timeout");
    }, config.startTimeoutMs);
    void w.proc.exited.then((st) => {
      clearTimeout(timer);
      this.onExit(w, st);
    });
    return w;
  }

  private onExit(w: Worker, st: ExitStatus): void {
    const how = st.signal ? `signal ${st.signal}` : `exit code ${st.code}`;
    if (w.state === "starting") w.markFailed(this.starter.failed(w, `it exited (${how}) before connecting`));
    if (w.state !== "dead") {
      // Unexpected: keep its last words in the conductor's log, where the client's hint points.
      const tail = w.proc.stderrTail().trim();
      log.warn(`worker ${w.id} (pid ${w.proc.pid}) exited: ${how}${tail ? `; its last output:\n${tail}` : ""}`);
    }
    if (!w.launch?.failed) removeLog(workerLog(this.deps.config, w.id));
    this.forget(w);
    // A worker killed with SIGKILL cannot remove its run socket; only ever touch our own dir's w-*.sock.
    const sock = w.hello?.runSocket;
    if (sock && sock.startsWith(`${this.deps.config.paths.runtime}/w-`)) rmSync(sock, { force: true });
  }

  private forget(w: Worker): void {
    w.state = "dead";
    this.workers.delete(w.id);
    if (!this.handingOver) this.deps.registry?.removed(w.id);
    for (const r of w.runs.values()) clearTimeout(r.orphanTimer);
    for (const f of w.waiters.splice(0)) f();
    // Its runs are gone too: a graceful stop waiting for runs to finish must look again now.
    for (const f of this.runWaiters.splice(0)) f();
    this.pumpSoon();
  }

  onHello(hello: Hello, channel: WorkerChannel): string | null {
    const w = this.workers.get(hello.workerId);
    if (!w && hello.registration === Registration.REREGISTER) return this.adopt(hello, channel);
    if (!w || w.secret !== hello.secret) return `unknown worker ${hello.workerId}`;
    if (hello.registration === Registration.FRESH && w.state !== "starting") return `worker ${hello.workerId} is already registered`;
    w.channel = channel;
    w.hello = hello;
    w.canIsolate = (hello.capabilities & Capability.CONCURRENT_RUNS) !== 0;
    if (w.state === "starting") {
      this.starter.hello(w, hello.juliaVersion);
      w.state = "ready";
      w.lastPingAt = this.deps.now();
      if (w.reserve) w.lastUsedAt = this.deps.now();
      this.backoff.clear(w.key);
      log.info(`worker ${w.id} ready: julia ${hello.juliaVersion}, pid ${hello.pid}`);
      w.markReady();
      this.deps.registry?.saved(w);
      this.upkeep.soon();
    }
    return null;
  }

  onRunDone(channel: WorkerChannel, done: RunDone): void {
    const w = this.byChannel(channel);
    if (!w) return;
    // RETIRE: the run's code caught exit(n) and would not stop; its client has its answer, the worker gets no further run.
    if (done.flags & RunDoneFlag.RETIRE) this.retire(w, `run ${hex(done.token).slice(0, 8)} would not stop after exit (RUN_DONE RETIRE)`);
    this.endRun(w, hex(done.token));
  }

  /** A run is over (RUN_DONE, or found finished by a PONG): free its slot. */
  endRun(w: Worker, token: string): void {
    const r = w.runs.get(token);
    if (!r) return;
    clearTimeout(r.orphanTimer);
    w.runs.delete(token);
    const now = this.deps.now();
    this.usage.set(w.key, addBusy(this.usage.get(w.key) ?? emptyUsage(), now - r.startedAt, now, this.settings));
    this.updateLoad(w);
    w.lastUsedAt = now;
    w.waiters.shift()?.();
    for (const f of this.runWaiters.splice(0)) f();
    this.pumpSoon();
  }

  /** Resolves when any run ends, or after `timeoutMs` (a graceful stop waits with it). */
  runEnded(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, Math.max(0, timeoutMs));
      this.runWaiters.push(() => (clearTimeout(t), resolve()));
    });
  }

  onClose(channel: WorkerChannel): void {
    const w = this.byChannel(channel);
    if (!w || this.handingOver) return;
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

  /** Removes a worker from the pool at once and ends its process in steps (retire.ts). */
  retire(w: Worker, reason: string, mode: StopMode = "now"): void {
    if (w.state === "dead") return;
    log.info(`retiring worker ${w.id} (pid ${w.proc.pid}): ${reason}`);
    if (w.state === "starting") w.markFailed(createError("WORKER_START_FAILED", `worker ${w.id} was stopped while starting: ${reason}`));
    this.forget(w);
    stopProcess({ proc: w.proc, helloPid: w.hello?.pid ?? null, channel: w.channel }, mode, this.settings.killGraceMs);
  }

  retireById(id: string, reason: string, hard = false): void {
    const w = this.workers.get(id);
    if (w) this.retire(w, reason, hard ? "kill" : "now");
  }

  /** `--restart`: every worker of the key; returns how many. */
  restart(key: string): number {
    const ws = [...this.workers.values()].filter((w) => w.key === key);
    for (const w of ws) this.retire(w, "--restart");
    this.backoff.clear(key);
    return ws.length;
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    this.stop();
    for (const q of this.queue.splice(0)) q.reject(createError("REFUSED", "the conductor is shutting down", "run the command again"));
    const ws = [...this.workers.values()];
    // Runs have drained by now: a soft exit ends an idle worker at once, SIGTERM/SIGKILL follow if not.
    for (const w of ws) this.retire(w, "conductor shutting down", "soft");
    await Promise.all(ws.map((w) => w.proc.exited));
  }

  /**
   * A re-registering worker the registry vouches for joins the pool as it
   * was; a PING confirms it is alive and how many runs it still has.
   */
  private adopt(hello: Hello, channel: WorkerChannel): string | null {
    const r = this.deps.registry?.match(hello.workerId, hello.secret);
    if (!r) return `unknown worker ${hello.workerId}`;
    const w = adoptedWorker(r, hello, channel, this.deps.now());
    this.workers.set(w.id, w);
    log.info(`worker ${w.id} (pid ${hello.pid}) re-registered with ${hello.activeRuns} run(s) in progress`);
    void w.proc.exited.then((st) => this.onExit(w, st));
    this.deps.registry?.saved(w);
    this.upkeep.soon();
    return null;
  }

  /**
   * Hands the workers over to the next conductor: timers stop, channels close
   * without SHUTDOWN, and each worker re-registers within its grace period.
   */
  handOver(): void {
    this.handingOver = true;
    this.stopping = true;
    this.stop();
    for (const q of this.queue.splice(0)) q.reject(createError("REFUSED", "the conductor is restarting", "run the command again"));
    for (const w of this.workers.values()) w.channel?.close();
  }

  get isStopping(): boolean {
    return this.stopping;
  }
}
