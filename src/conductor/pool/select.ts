// Which worker serves a request — a pure function of the pool's workers and
// the request, so the rules are testable without processes:
//  1. a labelled session goes to the worker holding that label;
//  2. otherwise the warmest free, unlabelled worker of the same key;
//  3. a new label may claim an idle unlabelled worker whose real Main was never
//     touched (fresh-module runs leave it alone; a past session does not);
//  4. otherwise a new worker is needed.

export interface WorkerView {
  id: string;
  key: string;
  state: "starting" | "ready" | "dead";
  label: string | null;
  /** runs in progress + runs being set up */
  load: number;
  /** unknown until HELLO: treated as false */
  canIsolate: boolean;
  lastUsedAt: number;
  /** once held a session label: its Main has state, so no new label may claim it */
  dirty?: boolean;
}

export interface SelectRequest {
  key: string;
  label: string | null;
  /** concurrent runs per worker, 0 = unlimited */
  maxClients: number;
}

export type Selection = { kind: "use"; id: string } | { kind: "claim"; id: string } | { kind: "spawn" };

function hasRoom(w: WorkerView, maxClients: number): boolean {
  if (w.load === 0) return true;
  if (!w.canIsolate) return false;
  return maxClients === 0 || w.load < maxClients;
}

export function selectWorker(workers: Iterable<WorkerView>, req: SelectRequest): Selection {
  const same = [...workers].filter((w) => w.key === req.key && w.state !== "dead");
  if (req.label !== null) {
    const holder = same.find((w) => w.label === req.label);
    if (holder) return { kind: "use", id: holder.id };
    const idle = same.filter((w) => w.label === null && !w.dirty && w.state === "ready" && w.load === 0).sort((a, b) => b.lastUsedAt - a.lastUsedAt);
    return idle[0] ? { kind: "claim", id: idle[0].id } : { kind: "spawn" };
  }
  const free = same.filter((w) => w.label === null && hasRoom(w, req.maxClients));
  free.sort((a, b) => (a.state === b.state ? b.lastUsedAt - a.lastUsedAt : a.state === "ready" ? -1 : 1));
  return free[0] ? { kind: "use", id: free[0].id } : { kind: "spawn" };
}
