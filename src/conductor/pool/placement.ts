// Where a request goes when it arrives: an existing worker, the reserve, a
// new worker (retiring the least valuable idle one at MAX_WORKERS), or the
// FIFO queue. Claims are taken synchronously, so no two requests can pick the
// same slot; queued requests are served in order as capacity frees up.

import { Phase } from "../../shared/protocol/index.ts";
import { logger } from "../log.ts";
import { emptyUsage, summon } from "./budget.ts";
import { capacityVictim } from "./evict.ts";
import type { Pool } from "./pool.ts";
import { reserveKey } from "./reserve.ts";
import { selectWorker } from "./select.ts";
import { projectName, type AcquireRequest, type Worker } from "./types.ts";

const log = logger("pool");

export class Placement {
  private pumpScheduled = false;

  constructor(private readonly pool: Pool) {}

  /** A worker for `req` now, claimed; null when it has to wait for capacity. */
  place(req: AcquireRequest, allowSpawn: boolean): Worker | null {
    const sel = selectWorker(this.pool.workers.values(), { key: req.key, label: req.label, maxClients: this.pool.deps.config.maxClients });
    if (sel.kind !== "spawn") {
      const w = this.pool.workers.get(sel.id)!;
      if (sel.kind === "claim") w.label = req.label;
      if (req.label !== null) w.dirty = true;
      return this.claim(w);
    }
    if (!allowSpawn) return null;
    const rk = reserveKey(req.shape);
    const reserve = [...this.pool.workers.values()].find((w) => w.reserve && w.key === rk);
    if (reserve) {
      log.info(`worker ${reserve.id} leaves the reserve for ${projectName(req.shape.project)}`);
      Object.assign(reserve, { reserve: false, key: req.key, shape: req.shape, label: req.label, dirty: req.label !== null });
      this.pool.usage.set(rk, summon(this.pool.usage.get(rk) ?? emptyUsage(), this.pool.deps.now(), this.pool.settings));
      return this.claim(reserve);
    }
    if (!this.makeRoom()) return null;
    this.pool.usage.set(rk, summon(this.pool.usage.get(rk) ?? emptyUsage(), this.pool.deps.now(), this.pool.settings));
    return this.claim(this.pool.spawn(req.key, req.shape, req.label));
  }

  private claim(w: Worker): Worker {
    w.claims++;
    this.pool.updateLoad(w);
    return w;
  }

  /**
   * Under MAX_WORKERS, or after retiring the least valuable idle worker. When
   * every worker is an idle session within its LABEL_TTL, nothing would free
   * a slot but time, so the pool goes over the cap rather than wait or drop one.
   */
  private makeRoom(): boolean {
    if (this.pool.workers.size < this.pool.settings.maxWorkers) return true;
    const cands = this.pool.upkeep.candidates(this.pool.deps.now(), false);
    const victim = capacityVictim(cands);
    if (victim) {
      this.pool.retire(this.pool.workers.get(victim)!, "making room for a new worker (JULIA_DAEMON_MAX_WORKERS)", "soft");
      return true;
    }
    return cands.every((c) => !c.busy && !c.starting);
  }

  enqueue(req: AcquireRequest): Promise<Worker> {
    req.onPhase(Phase.QUEUED, "waiting for a free worker");
    return new Promise((resolve, reject) => this.pool.queue.push({ req, resolve, reject }));
  }

  /** Serves queued requests in order; once one cannot get a new worker, later ones may only reuse. */
  pumpSoon(): void {
    if (this.pumpScheduled || this.pool.queue.length === 0) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      let allowSpawn = true;
      for (const q of [...this.pool.queue]) {
        let w: Worker | null;
        try {
          w = this.place(q.req, allowSpawn);
        } catch (e) {
          this.pool.queue.splice(this.pool.queue.indexOf(q), 1);
          q.reject(e as Error);
          continue;
        }
        if (!w) {
          allowSpawn = false;
          continue;
        }
        this.pool.queue.splice(this.pool.queue.indexOf(q), 1);
        q.resolve(w);
      }
    });
  }
}
