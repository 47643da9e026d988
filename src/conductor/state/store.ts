// All durable conductor state, through one typed interface over unstorage
// (the only importer of unstorage): session labels with their deadlines, the
// worker registry, and counters. Writes are queued per key and never awaited
// by request handling (off the critical path); `flush()` waits for them.
// The client's environment is never stored. A worker's secret is stored only
// as a hash: enough to verify a re-registering worker, useless if read.

import { createStorage, type Storage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { atomicFsDriver } from "./atomic-fs.ts";

export interface WorkerRecord {
  id: string;
  pid: number;
  secretHash: string;
  /** the pool key is a hash: it never spells out the client's start-up environment */
  key: string;
  project: string;
  channel: string | null;
  threads: string | null;
  processSwitches: string[];
  runSocket: string;
  label: string | null;
  /** once used by a session, never handed to another label */
  dirty: boolean;
  startedAt: number;
  lastUsedAt: number;
}

export interface LabelRecord {
  label: string;
  workerId: string;
  /** epoch ms after which the label may be dropped; null while a client uses it */
  expiresAt: number | null;
}

export type Counters = Record<string, number>;

export function hashSecret(secret: string): string {
  return new Bun.CryptoHasher("sha256").update(secret).digest("hex");
}

const enc = (s: string) => encodeURIComponent(s).replace(/\./g, "%2E");

export class StateStore {
  private chains = new Map<string, Promise<void>>();
  private counters: Counters = {};
  private countersDirty = false;
  errors = 0;

  constructor(private readonly storage: Storage) {}

  static memory(): StateStore {
    return new StateStore(createStorage({ driver: memoryDriver() }));
  }

  static files(dir: string): StateStore {
    return new StateStore(createStorage({ driver: atomicFsDriver({ base: dir }) }));
  }

  /** Serialises writes per key (last write wins, in order), without blocking the caller. */
  private write(key: string, op: () => Promise<unknown>): void {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(op).then(
      () => {},
      () => {
        this.errors++;
      },
    );
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  async load(): Promise<{ workers: WorkerRecord[]; labels: LabelRecord[]; counters: Counters }> {
    const read = async <T>(prefix: string): Promise<T[]> => {
      const keys = await this.storage.getKeys(prefix);
      const out: T[] = [];
      for (const k of keys) {
        const v = await this.storage.getItem<T>(k).catch(() => null);
        if (v && typeof v === "object") out.push(v);
      }
      return out;
    };
    const counters = ((await this.storage.getItem<Counters>("counters").catch(() => null)) ?? {}) as Counters;
    this.counters = { ...counters, ...this.counters };
    return { workers: await read<WorkerRecord>("workers"), labels: await read<LabelRecord>("labels"), counters: this.counters };
  }

  putWorker(w: WorkerRecord): void {
    this.write(`workers:${enc(w.id)}`, () => this.storage.setItem(`workers:${enc(w.id)}`, w));
  }
  deleteWorker(id: string): void {
    this.write(`workers:${enc(id)}`, () => this.storage.removeItem(`workers:${enc(id)}`));
  }
  putLabel(l: LabelRecord): void {
    this.write(`labels:${enc(l.label)}`, () => this.storage.setItem(`labels:${enc(l.label)}`, l));
  }
  deleteLabel(label: string): void {
    this.write(`labels:${enc(label)}`, () => this.storage.removeItem(`labels:${enc(label)}`));
  }

  /** Counters live in memory and are written out in batches. */
  bump(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
    this.countersDirty = true;
  }
  snapshotCounters(): Counters {
    return { ...this.counters };
  }
  private saveCounters(): void {
    if (!this.countersDirty) return;
    this.countersDirty = false;
    const snap = { ...this.counters };
    this.write("counters", () => this.storage.setItem("counters", snap));
  }

  async flush(): Promise<void> {
    this.saveCounters();
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  /** Periodic counter flushes, off every request's path. */
  startAutoFlush(everyMs = 5000): () => void {
    const t = setInterval(() => this.saveCounters(), everyMs);
    t.unref?.();
    return () => clearInterval(t);
  }
}
