// Health-check rules as pure functions: when a worker is due a PING, and how
// its PONG (the worker's own count of runs) corrects ours, so a RUN_DONE lost
// on the way can never leave a slot taken forever.

/** Busy workers are pinged less often: a CPU-bound run may starve a slow control loop. */
export const BUSY_PING_FACTOR = 4;

export function pingDue(lastPingAt: number, now: number, busy: boolean, intervalMs: number): boolean {
  return now - lastPingAt >= (busy ? BUSY_PING_FACTOR * intervalMs : intervalMs);
}

export interface Reconciled {
  /** runs we still count that the worker has finished */
  stale: string[];
  /** runs the worker has that we do not know (e.g. from before a conductor restart) */
  foreign: number;
}

/**
 * `sent`: our runs when the PING left; `current`: our runs now, oldest first;
 * `active`: the worker's count in the PONG. Runs started after the PING may or
 * may not be in `active`, so only the surplus among the runs that were there
 * all along can be proven finished; the oldest of them are the stale ones.
 */
export function reconcile(sent: readonly string[], current: readonly string[], active: number): Reconciled {
  const before = new Set(sent);
  const old = current.filter((t) => before.has(t));
  const surplus = Math.max(0, old.length - active);
  return { stale: old.slice(0, surplus), foreign: Math.max(0, active - current.length) };
}
