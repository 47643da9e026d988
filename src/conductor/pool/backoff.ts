// Repeated start failures back off: after a worker of some pool key fails to
// start, requests for that key get the same error at once for a while
// (0.5 s, doubling to 30 s) instead of starting julia again and again.

import type { DaemonError } from "../../shared/errors.ts";

export class StartBackoff {
  private failures = new Map<string, { count: number; until: number; error: DaemonError }>();

  constructor(private readonly now: () => number) {}

  /** The remembered error while `key` is backing off, else null. */
  blocked(key: string): DaemonError | null {
    const f = this.failures.get(key);
    return f && this.now() < f.until ? f.error : null;
  }

  note(key: string, error: DaemonError): DaemonError {
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    this.failures.set(key, { count, until: this.now() + Math.min(30_000, 500 * 2 ** (count - 1)), error });
    return error;
  }

  clear(key: string): void {
    this.failures.delete(key);
  }
}
