// `juliaconductor metrics`: counters (kept across restarts in the state
// store) and gauges from the pool snapshot, in the Prometheus text format.
// Pure: (counters, snapshot) -> text.

import type { Counters } from "../state/store.ts";

export const METRIC_HELP: Record<string, [type: "counter" | "gauge", help: string]> = {
  julia_daemon_runs_total: ["counter", "Runs routed to a worker, by project."],
  julia_daemon_warm_runs_total: ["counter", "Runs served by an already running worker."],
  julia_daemon_cold_starts_total: ["counter", "Runs that had to wait for a worker to start."],
  julia_daemon_errors_total: ["counter", "Requests that ended in an error, by kind."],
  julia_daemon_workers: ["gauge", "Workers in the pool, by state."],
  julia_daemon_runs_active: ["gauge", "Runs in progress."],
  julia_daemon_queue_length: ["gauge", "Requests waiting for a free worker."],
};

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** Counter key for a series: `name{label="value"}`, label values escaped. */
export function series(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `${name}{${parts.join(",")}}` : name;
}

export interface Gauges {
  workers: Record<string, number>;
  runsActive: number;
  queueLength: number;
}

export function renderMetrics(counters: Counters, gauges: Gauges): string {
  const values = new Map<string, string[]>();
  const add = (key: string, value: number) => {
    const name = key.includes("{") ? key.slice(0, key.indexOf("{")) : key;
    if (!values.has(name)) values.set(name, []);
    values.get(name)!.push(`${key} ${value}`);
  };
  for (const [k, v] of Object.entries(counters).sort()) add(k, v);
  for (const [state, n] of Object.entries(gauges.workers).sort()) add(series("julia_daemon_workers", { state }), n);
  add("julia_daemon_runs_active", gauges.runsActive);
  add("julia_daemon_queue_length", gauges.queueLength);
  const out: string[] = [];
  for (const [name, [type, help]] of Object.entries(METRIC_HELP)) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    out.push(...(values.get(name) ?? (type === "counter" ? [`${name} 0`] : [])));
  }
  return out.join("\n") + "\n";
}
