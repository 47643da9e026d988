// The pool's time-driven chores, run on one timer (every min(5 s, PING
// INTERVAL)): expire session labels, cull workers idle past their budget,
// evict under memory pressure, ping idle workers and reconcile run counts,
// and keep the reserve stocked. Each chore applies a pure rule from
// budget/evict/health/reserve to facts gathered here.

import { logger } from "../log.ts";
import { emptyUsage, idleBudgetMs, reuseChance } from "./budget.ts";
import { byValue, pressureCandidates, ttlVictims, type Candidate } from "./evict.ts";
import { pingDue, reconcile } from "./health.ts";
import type { Pool, Worker } from "./pool.ts";
import { underPressure } from "./pressure.ts";
import { reserveKey, wantedReserves } from "./reserve.ts";

const log = logger("pool");
/** Candidates whose size is refined by USS per pressure episode (smaps_rollup is slow to read). */
const REFINE_BY_USS = 8;

const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

export class Upkeep {
  /** whether the last reading said memory is short */
  pressured = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private soonTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly pool: Pool) {}

  get tickMs(): number {
    return Math.min(5_000, this.pool.settings.pingIntervalMs);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.timer = this.soonTimer = null;
  }

  /** Restocks the reserve after the current request is answered: never on a run's critical path. */
  soon(): void {
    if (this.soonTimer || !this.pool.settings.reserve) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      this.keepReserves();
    }, 0);
  }

  tick(): void {
    const now = this.pool.deps.now();
    this.expireLabels(now);
    this.cullIdle(now);
    this.checkPressure(now);
    this.ping(now);
    this.keepReserves();
    this.pruneUsage(now);
    this.pool.pumpSoon();
  }

  /** What the policies need to know about each live worker; sizes only when asked (they cost reads). */
  candidates(now: number, measure: boolean): (Candidate & { worker: Worker })[] {
    const s = this.pool.settings;
    return [...this.pool.workers.values()].map((w) => {
      const busy = w.load > 0;
      const idleMs = busy ? 0 : Math.max(0, now - w.lastUsedAt);
      const u = this.pool.usage.get(w.key) ?? emptyUsage();
      const budgetMs = idleBudgetMs(u, s, w.label !== null);
      // The reserve is worth the chance a new project comes within MIN_TTL; others, within their remaining budget.
      const chance = w.reserve ? reuseChance(u, s.minTtlMs) : reuseChance(u, budgetMs - idleMs);
      const sizeBytes = measure ? this.pool.deps.sizer.rssBytes(w.hello?.pid ?? w.proc.pid) : null;
      const labelLive = w.label !== null && idleMs < s.labelTtlMs;
      return { worker: w, id: w.id, busy, starting: w.state === "starting", reserve: w.reserve, labelLive, idleMs, budgetMs, chance, sizeBytes };
    });
  }

  private expireLabels(now: number): void {
    for (const w of this.pool.workers.values()) {
      if (w.label === null || w.load > 0 || now - w.lastUsedAt < this.pool.settings.labelTtlMs) continue;
      log.info(`worker ${w.id}: session [${w.label}] expired after ${secs(now - w.lastUsedAt)} without clients`);
      w.label = null; // it stays dirty: no new session may inherit its Main
    }
  }

  private cullIdle(now: number): void {
    const cands = this.candidates(now, false);
    for (const id of ttlVictims(cands)) {
      const c = cands.find((x) => x.id === id)!;
      this.pool.retire(c.worker, `idle for ${secs(c.idleMs)}, its budget was ${secs(c.budgetMs)}`, "soft");
    }
  }

  private checkPressure(now: number): void {
    const s = this.pool.settings;
    const was = this.pressured;
    this.pressured = s.memoryPressure && underPressure(was, this.pool.deps.pressure.read(), s);
    if (this.pressured !== was) log.info(this.pressured ? `memory is short (${this.pool.deps.pressure.name}): evicting idle workers` : "memory pressure is over");
    if (this.pressured) this.evict(now);
  }

  /** One pressure episode: the least useful per byte go first, a few at a time. Returns who went. */
  evict(now: number): string[] {
    const s = this.pool.settings;
    const ranked = pressureCandidates(this.candidates(now, true), s.minTtlMs);
    // Shared pages stay when one worker exits: for the cheapest few, count only what is theirs.
    const head = ranked.slice(0, REFINE_BY_USS);
    for (const c of head) {
      const uss = this.pool.deps.sizer.ussBytes(c.worker.hello?.pid ?? c.worker.proc.pid);
      if (uss !== null) c.sizeBytes = uss;
    }
    const victims = [...head.sort(byValue), ...ranked.slice(REFINE_BY_USS)].slice(0, s.evictionsPerEpisode);
    for (const c of victims) {
      const mib = c.sizeBytes === null ? "size unknown" : `${Math.round(c.sizeBytes / 2 ** 20)} MiB`;
      this.pool.retire(c.worker, `memory is short (${mib}, reuse chance ${c.chance.toFixed(2)})`, "soft");
    }
    return victims.map((c) => c.id);
  }

  private ping(now: number): void {
    const { pingIntervalMs, pingTimeoutMs } = this.pool.settings;
    for (const w of this.pool.workers.values()) {
      if (w.state !== "ready" || !w.channel || w.pinging) continue;
      const busyAtSend = w.runs.size + w.claims > 0;
      if (!pingDue(w.lastPingAt, now, busyAtSend, pingIntervalMs)) continue;
      w.pinging = true;
      w.lastPingAt = now;
      const sent = [...w.runs.keys()];
      w.channel.ping(pingTimeoutMs).then(
        (active) => {
          w.pinging = false;
          if (w.state === "dead") return;
          const r = reconcile(sent, [...w.runs.keys()], active);
          for (const t of r.stale) {
            log.warn(`worker ${w.id}: run ${t.slice(0, 8)} ended without RUN_DONE; freeing its slot`);
            this.pool.endRun(w, t);
          }
          w.foreignRuns = r.foreign;
          this.pool.updateLoad(w);
          this.pool.pumpSoon();
        },
        (e: Error) => {
          w.pinging = false;
          if (w.state === "dead") return;
          // A CPU-bound run can starve the control loop; only an idle worker that stays silent is wedged.
          if (busyAtSend || w.load > 0) return log.warn(`busy worker ${w.id} did not answer PING (${e.message}); left alone`);
          this.pool.retire(w, `it did not answer PING within ${secs(pingTimeoutMs)}`, "soft");
        },
      );
    }
  }

  keepReserves(): void {
    const pool = this.pool;
    const s = pool.settings;
    if (!s.reserve || pool.isStopping || this.pressured || pool.queue.length > 0) return;
    const wanted = wantedReserves(pool.demand, pool.deps.now(), s.maxTtlMs);
    const workers = [...pool.workers.values()];
    for (const w of workers) if (w.reserve && !wanted.includes(w.key)) pool.retire(w, "its shape is no longer in common use", "soft");
    for (const rk of wanted) {
      if (workers.some((w) => w.reserve && w.key === rk && w.state !== "dead")) continue;
      // Never compete with a cold start of the same shape: restock once it is up.
      if (workers.some((w) => w.state === "starting" && reserveKey(w.shape) === rk)) continue;
      if (pool.workers.size >= s.maxWorkers) return;
      try {
        pool.spawn(rk, pool.demand.get(rk)!.shape, null, true);
      } catch {
        // backing off after a failed start; a later tick tries again
      }
    }
  }

  private pruneUsage(now: number): void {
    const horizon = 4 * this.pool.settings.maxTtlMs;
    const live = new Set([...this.pool.workers.values()].map((w) => w.key));
    for (const [k, u] of this.pool.usage) if (!live.has(k) && (u.lastSummonAt ?? 0) < now - horizon) this.pool.usage.delete(k);
  }
}
