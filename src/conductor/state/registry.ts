// The worker registry across conductor restarts. Every ready worker is
// recorded (pid, pool key, run socket, label, times, a hash of its secret);
// a new conductor loads the records and accepts a re-registering worker only
// when its id is known and its secret hashes to the recorded value. Records
// of workers that never come back are dropped after the grace period.

import { processAlive } from "../sys/proc.ts";
import type { WorkerShape } from "../pool/key.ts";
import { hashSecret, type StateStore, type WorkerRecord } from "./store.ts";

/** What the pool records about a worker: nothing from the client's environment. */
export interface RegistryWorker {
  id: string;
  secret: string;
  key: string;
  shape: WorkerShape;
  label: string | null;
  dirty?: boolean;
  startedAt: number;
  lastUsedAt: number;
  hello: { pid: number; runSocket: string; juliaVersion: string } | null;
}

export interface RegistryHooks {
  match(id: string, secret: string): WorkerRecord | null;
  /** Resolves once a previous conductor's worker that could serve this request is back (or will not be). */
  returning(key: string, label: string | null): Promise<void> | null;
  saved(w: RegistryWorker): void;
  removed(id: string): void;
}

const SAVE_COALESCE_MS = 1000;

/** Workers retry every 250 ms; a request waits a little longer than that for a warm one. */
const RETURN_WAIT_MS = 1500;

export class Registry implements RegistryHooks {
  private expected = new Map<string, WorkerRecord>();
  private waiters: (() => void)[] = [];

  constructor(private readonly store: StateStore) {}

  /** Loads the previous conductor's records; returns how many workers may come back. */
  async load(graceMs: number): Promise<number> {
    const { workers } = await this.store.load();
    for (const r of workers) {
      if (processAlive(r.pid)) this.expected.set(r.id, r);
      else this.store.deleteWorker(r.id);
    }
    if (this.expected.size > 0) {
      const t = setTimeout(() => {
        for (const id of this.expected.keys()) this.store.deleteWorker(id);
        this.expected.clear();
      }, graceMs);
      t.unref?.();
    }
    return this.expected.size;
  }

  match(id: string, secret: string): WorkerRecord | null {
    const r = this.expected.get(id);
    if (!r || r.secretHash !== hashSecret(secret)) return null;
    this.expected.delete(id);
    // Wake waiters after the pool has taken the worker in (it does so right after match).
    queueMicrotask(() => this.waiters.splice(0).forEach((f) => f()));
    return r;
  }

  returning(key: string, label: string | null): Promise<void> | null {
    const fits = (r: WorkerRecord) => r.key === key && r.label === label;
    if (![...this.expected.values()].some(fits)) return null;
    const end = Date.now() + RETURN_WAIT_MS;
    return new Promise((resolve) => {
      const check = () => {
        if (![...this.expected.values()].some(fits) || Date.now() >= end) return resolve();
        this.waiters.push(check);
      };
      setTimeout(() => {
        this.waiters = this.waiters.filter((f) => f !== check);
        resolve();
      }, RETURN_WAIT_MS).unref?.();
      check();
    });
  }

  private pending = new Map<string, RegistryWorker>();
  private known = new Set<string>();

  /**
   * Records a worker. The first record is written at once; later ones (every
   * run moves lastUsedAt) are coalesced per second, so the state file is not
   * rewritten on every run of a busy worker.
   */
  saved(w: RegistryWorker): void {
    if (!w.hello) return;
    if (!this.known.has(w.id)) {
      this.known.add(w.id);
      return this.write(w);
    }
    if (this.pending.has(w.id)) return void this.pending.set(w.id, w);
    this.pending.set(w.id, w);
    setTimeout(() => {
      const latest = this.pending.get(w.id);
      this.pending.delete(w.id);
      if (latest && this.known.has(w.id)) this.write(latest);
    }, SAVE_COALESCE_MS).unref?.();
  }

  /** Writes what is pending now (before a handover, the next conductor reads it). */
  flushPending(): void {
    for (const w of this.pending.values()) this.write(w);
    this.pending.clear();
  }

  private write(w: RegistryWorker): void {
    if (!w.hello) return;
    this.store.putWorker({
      id: w.id,
      pid: w.hello.pid,
      secretHash: hashSecret(w.secret),
      key: w.key,
      project: w.shape.project,
      channel: w.shape.channel,
      threads: w.shape.threads,
      processSwitches: w.shape.processSwitches,
      runSocket: w.hello.runSocket,
      label: w.label,
      dirty: w.dirty ?? false,
      startedAt: w.startedAt,
      lastUsedAt: w.lastUsedAt,
    });
  }

  removed(id: string): void {
    this.known.delete(id);
    this.pending.delete(id);
    this.store.deleteWorker(id);
  }
}
