// Client environments by fingerprint, so a warm run sends 8 bytes instead of
// its whole environment. Memory only (never written to disk), LRU-bounded.

export class EnvCache {
  private map = new Map<bigint, string[]>();
  constructor(private readonly capacity = 32) {}

  get(hash: bigint): string[] | undefined {
    const v = this.map.get(hash);
    if (v) {
      this.map.delete(hash);
      this.map.set(hash, v);
    }
    return v;
  }

  set(hash: bigint, env: string[]): void {
    this.map.delete(hash);
    this.map.set(hash, env);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
}

export function envObject(entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const i = e.indexOf("=");
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}
