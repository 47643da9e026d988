// Pure renderers of a status snapshot: text grouped by project (workers, then
// the reserve, then totals) and the JSON schema of docs/status.md. Time shown
// is relative to the `now` passed in, so tests use a fixed clock.

import type { StatusSnapshot, WorkerStatus } from "./snapshot.ts";

export interface RenderOptions {
  now: number;
  color: boolean;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, "0")}h`;
}

export function formatBytes(n: number | null): string {
  if (n === null) return "? MiB";
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  return `${Math.round(n / 2 ** 20)} MiB`;
}

export function projectLabel(project: string, home: string | null): string {
  if (!project) return "default environment";
  if (home && (project === home || project.startsWith(`${home}/`))) return `~${project.slice(home.length)}`;
  return project;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function paint(color: boolean) {
  const sgr = (code: string) => (t: string) => (color ? `\x1b[${code}m${t}\x1b[0m` : t);
  return { bold: sgr("1"), dim: sgr("2"), green: sgr("32"), yellow: sgr("33"), cyan: sgr("36") };
}

function workerLine(w: WorkerStatus, o: RenderOptions, p: ReturnType<typeof paint>, pressure: boolean): string {
  const dot = w.state === "starting" ? p.yellow("◌") : w.clients > 0 ? p.green("●") : w.reserve ? p.cyan("◇") : "○";
  // pid 0: not started yet, the conductor is still asking the executable for its julia version
  const parts = [`${dot} ${w.id}`, w.pid ? `pid ${w.pid}` : "pid –"];
  if (w.label) parts.push(p.bold(`[${w.label}]`));
  if (w.channel) parts.push(`+${w.channel}`);
  parts.push(`threads ${w.threads}`);
  if (w.juliaVersion) parts.push(`v${w.juliaVersion}`);
  parts.push(`up ${formatDuration(o.now - w.startedAtMs)}`);
  if (w.state === "starting") parts.push(p.yellow("starting"));
  else if (w.clients > 0) parts.push(p.green(plural(w.clients, "client")));
  else if (w.reserve) parts.push("ready");
  else {
    const idleMs = o.now - w.lastUsedAtMs;
    parts.push(`idle ${formatDuration(idleMs)}`);
    parts.push(`culls in ${formatDuration(Math.max(0, w.budgetS * 1000 - idleMs))}`);
  }
  parts.push(formatBytes(w.rssBytes));
  if (pressure && w.usefulnessPerGiB !== null && w.clients === 0 && w.state === "ready") parts.push(p.dim(`worth ${w.usefulnessPerGiB.toFixed(2)}/GiB`));
  return `  ${parts.join(p.dim(" · "))}`;
}

export function renderStatus(snap: StatusSnapshot, o: RenderOptions): string {
  const p = paint(o.color);
  const head = `juliaconductor (pid ${snap.pid})`;
  if (snap.workers.length === 0 && snap.queued === 0) return `${head}: no workers\n`;
  const lines: string[] = [];
  const t = snap.totals;
  const summary = [plural(t.workers, "worker"), `${t.reserve} reserve`, plural(t.clients, "client"), formatBytes(t.rssBytes)];
  if (snap.queued) summary.push(p.yellow(`${snap.queued} waiting for a free worker`));
  lines.push(`${head}: ${summary.join(" · ")}`);

  const groups = new Map<string, WorkerStatus[]>();
  for (const w of snap.workers) if (!w.reserve) groups.set(w.project, [...(groups.get(w.project) ?? []), w]);
  const pressure = snap.pressure.enabled;
  for (const [project, ws] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const mem = ws.length > 1 ? p.dim(` (${formatBytes(ws.reduce((n, w) => n + (w.rssBytes ?? 0), 0))})`) : "";
    lines.push(p.bold(projectLabel(project, snap.home)) + mem);
    for (const w of [...ws].sort((a, b) => a.startedAtMs - b.startedAtMs)) lines.push(workerLine(w, o, p, pressure));
  }
  const reserve = snap.workers.filter((w) => w.reserve);
  if (reserve.length) {
    lines.push(p.bold("reserve") + p.dim(" (for the first run of a new project)"));
    for (const w of reserve) lines.push(workerLine(w, o, p, pressure));
  }
  const s = snap.settings;
  const ttl = `idle budget ${formatDuration(s.minTtlS * 1000)}–${formatDuration(s.maxTtlS * 1000)}`;
  const mem = pressure ? `memory pressure: ${snap.pressure.underPressure ? p.yellow("yes") : "no"} (${snap.pressure.source})` : "memory pressure handling off";
  lines.push(p.dim(`${ttl} · max ${s.maxWorkers} workers · reserve ${s.reserve ? "on" : "off"} · ${mem}`));
  return lines.join("\n") + "\n";
}

export function renderStatusJson(snap: StatusSnapshot): string {
  return JSON.stringify(snap, null, 2) + "\n";
}
