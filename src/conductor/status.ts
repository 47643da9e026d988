// A status snapshot of the pool and its pure text renderer. The JSON form is
// the snapshot itself (schema in docs/status.md once the lifecycle issue
// extends it).

import type { Pool } from "./pool/pool.ts";

export interface WorkerStatus {
  id: string;
  pid: number;
  project: string;
  state: string;
  label: string | null;
  juliaVersion: string | null;
  threads: string | null;
  activeRuns: number;
  uptimeS: number;
  idleS: number;
}

export interface StatusSnapshot {
  pid: number;
  workers: WorkerStatus[];
}

export function snapshot(pool: Pool, now: number): StatusSnapshot {
  const workers = [...pool.workers.values()].map((w) => ({
    id: w.id,
    pid: w.hello?.pid ?? w.proc.pid,
    project: w.shape.project,
    state: w.state,
    label: w.label,
    juliaVersion: w.hello?.juliaVersion ?? null,
    threads: w.shape.threads,
    activeRuns: w.runs.size,
    uptimeS: Math.round((now - w.startedAt) / 1000),
    idleS: w.runs.size ? 0 : Math.round((now - w.lastUsedAt) / 1000),
  }));
  return { pid: process.pid, workers };
}

export function renderStatus(s: StatusSnapshot): string {
  if (s.workers.length === 0) return `juliaconductor (pid ${s.pid}): no workers\n`;
  const lines = [`juliaconductor (pid ${s.pid}): ${s.workers.length} worker${s.workers.length === 1 ? "" : "s"}`];
  for (const w of s.workers) {
    const label = w.label ? ` [${w.label}]` : "";
    const busy = w.activeRuns ? `${w.activeRuns} running` : `idle ${w.idleS}s`;
    lines.push(`  #${w.id}${label} pid ${w.pid} ${w.state} julia ${w.juliaVersion ?? "?"} · ${w.project || "(default environment)"} · up ${w.uptimeS}s · ${busy}`);
  }
  return lines.join("\n") + "\n";
}
