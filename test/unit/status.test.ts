// The pure status renderers over a hand-made snapshot and a fixed clock, the
// client's cold-start progress line, and the live repaint bytes.

import { describe, expect, test } from "bun:test";
import { formatDuration, renderStatus, renderStatusJson, type StatusSnapshot, type WorkerStatus } from "../../src/conductor/status/index.ts";
import { ProgressLine, progressText, SHOW_AFTER_MS } from "../../src/client/progress.ts";
import { repaint, statusLive } from "../../src/client/status-live.ts";

const NOW = 1_800_000_000_000;
const MiB = 2 ** 20;
const w = (over: Partial<WorkerStatus>): WorkerStatus => ({
  id: "a1b2c3", pid: 4242, project: "/home/u/proj", label: null, channel: null, threads: "1,1", juliaVersion: "1.11.7",
  argv: ["julia", "--startup-file=no", "--threads=1,1", "/w/main.jl", "/run/jd/conductor.sock"], state: "ready", reserve: false,
  clients: 0, startedAtMs: NOW - 3_723_000, lastUsedAtMs: NOW - 41_000, idleS: 41, budgetS: 1200, cullInS: 1159, reuseChance: 0.5, usefulnessPerGiB: 1.28, rssBytes: 400 * MiB, ...over,
});
const snap: StatusSnapshot = {
  schema: 1, pid: 999, generatedAtMs: NOW, home: "/home/u",
  settings: { minTtlS: 120, maxTtlS: 7200, labelTtlS: 90, maxWorkers: 4, reserve: true, pingIntervalS: 30, memoryPressure: true },
  pressure: { enabled: true, source: "psi", underPressure: false },
  workers: [
    w({}),
    w({ id: "d4e5f6", pid: 4243, label: "dev", threads: "4,1", clients: 1, idleS: null, cullInS: null, startedAtMs: NOW - 300_000, lastUsedAtMs: NOW - 1000 }),
    w({ id: "0a0b0c", pid: 4244, project: "", state: "starting", startedAtMs: NOW - 2000, lastUsedAtMs: NOW - 2000, idleS: null, cullInS: null, rssBytes: null, juliaVersion: null }),
    w({ id: "feed01", pid: 4250, project: "", reserve: true, startedAtMs: NOW - 600_000, lastUsedAtMs: NOW - 590_000, idleS: 590, cullInS: null, rssBytes: 150 * MiB }),
  ],
  queued: 0,
  totals: { workers: 3, reserve: 1, clients: 1, rssBytes: 950 * MiB },
};

describe("renderStatus", () => {
  test("text, grouped by project, with the reserve and the footer", () => {
    expect(renderStatus(snap, { now: NOW, color: false })).toMatchInlineSnapshot(`
"juliaconductor (pid 999): 3 workers · 1 reserve · 1 client · 950 MiB
default environment
  ◌ 0a0b0c · pid 4244 · threads 1,1 · up 2s · starting · ? MiB
~/proj (800 MiB)
  ○ a1b2c3 · pid 4242 · threads 1,1 · v1.11.7 · up 1h02m · idle 41s · culls in 19m19s · 400 MiB · worth 1.28/GiB
  ● d4e5f6 · pid 4243 · [dev] · threads 4,1 · v1.11.7 · up 5m00s · 1 client · 400 MiB
reserve (for the first run of a new project)
  ◇ feed01 · pid 4250 · threads 1,1 · v1.11.7 · up 10m00s · ready · 150 MiB · worth 1.28/GiB
idle budget 2m00s–2h00m · max 4 workers · reserve on · memory pressure: no (psi)
"
`);
  });

  test("time is relative to the clock given; no pressure column when handling is off", () => {
    const off = { ...snap, pressure: { enabled: false, source: "none" as const, underPressure: false }, workers: [snap.workers[0]!], totals: { ...snap.totals, workers: 1, reserve: 0, clients: 0 } };
    expect(renderStatus(off, { now: NOW + 60_000, color: false })).toMatchInlineSnapshot(`
"juliaconductor (pid 999): 1 worker · 0 reserve · 0 clients · 950 MiB
~/proj
  ○ a1b2c3 · pid 4242 · threads 1,1 · v1.11.7 · up 1h03m · idle 1m41s · culls in 18m19s · 400 MiB
idle budget 2m00s–2h00m · max 4 workers · reserve on · memory pressure handling off
"
`);
  });

  test("empty pool, queue, colour", () => {
    expect(renderStatus({ ...snap, workers: [] }, { now: NOW, color: false })).toBe("juliaconductor (pid 999): no workers\n");
    const queued = renderStatus({ ...snap, queued: 2 }, { now: NOW, color: true });
    expect(queued).toContain("\x1b[33m2 waiting for a free worker\x1b[0m");
    expect(renderStatus(snap, { now: NOW, color: false })).not.toContain("\x1b[");
  });

  test("JSON is the snapshot, schema 1", () => {
    const parsed = JSON.parse(renderStatusJson(snap));
    expect(parsed.schema).toBe(1);
    expect(Object.keys(parsed.workers[0]).sort()).toEqual(
      ["argv", "budgetS", "channel", "clients", "cullInS", "id", "idleS", "juliaVersion", "label", "lastUsedAtMs", "pid", "project", "reserve", "reuseChance", "rssBytes", "startedAtMs", "state", "threads", "usefulnessPerGiB"].sort(),
    );
  });

  test("a worker not started yet (its julia version is being learnt) has no pid", () => {
    const one = { ...snap, workers: [w({ pid: 0, argv: null, state: "starting", juliaVersion: null, idleS: null, cullInS: null, rssBytes: null })] };
    expect(renderStatus(one, { now: NOW, color: false })).toContain("◌ a1b2c3 · pid – · threads 1,1 · up 1h02m · starting · ? MiB");
  });

  test("julia < 1.9 without -t: the threads julia reads itself, no interactive one", () => {
    const old = { ...snap, workers: [w({ threads: "4", juliaVersion: "1.5.3", argv: ["julia", "--startup-file=no", "/w/main.jl", "/run/jd/conductor.sock"] })] };
    expect(renderStatus(old, { now: NOW, color: false })).toContain("○ a1b2c3 · pid 4242 · threads 4 · v1.5.3 · up");
  });

  test("durations", () => {
    expect([0, 59_400, 61_000, 3_600_000, 90_000_000].map(formatDuration)).toEqual(["0s", "59s", "1m01s", "1h00m", "1d01h"]);
  });
});

describe("cold-start progress line", () => {
  const make = (tty: boolean) => {
    let t = 0;
    const out: string[] = [];
    const line = new ProgressLine({ tty, width: 40, write: (s) => out.push(s) }, () => t);
    return { line, out, at: (ms: number) => void (t = ms) };
  };
  test("nothing before 300 ms, then one repainted line, erased at the end", () => {
    const p = make(true);
    p.line.update({ elapsedMs: 0, message: "starting Julia for ~/proj" });
    expect(p.out).toEqual([]);
    p.at(SHOW_AFTER_MS + 1);
    p.line.paint();
    p.at(2500);
    p.line.update({ elapsedMs: 2500, message: "activating ~/proj" });
    p.line.end();
    expect(p.out).toEqual(["\r\x1b[2K⠋ starting Julia for ~/proj · 0s", "\r\x1b[2K⠙ activating ~/proj · 2s", "\r\x1b[2K"]);
  });
  test("a fast answer leaves no trace; not a tty: nothing at all", () => {
    const fast = make(true);
    fast.line.update({ elapsedMs: 0, message: "x" });
    fast.line.end();
    expect(fast.out).toEqual([]);
    const pipe = make(false);
    pipe.at(5000);
    pipe.line.update({ elapsedMs: 5000, message: "waiting for a free worker" });
    pipe.line.end();
    expect(pipe.out).toEqual([]);
  });
  test("cut to the terminal width", () => {
    expect(progressText("starting Julia for ~/a/very/long/project/path/indeed", 3000, 0, 30)).toBe("⠋ starting Julia for ~/a/ver…");
  });
});

describe("--status=live", () => {
  test("repaint goes up over the previous frame and clears below, inside synchronized output", () => {
    expect(repaint("a\nb\n", 0)).toBe("\x1b[?2026h\r\x1b[Ja\nb\n\x1b[?2026l");
    expect(repaint("a\n", 2)).toBe("\x1b[?2026h\x1b[2A\r\x1b[Ja\n\x1b[?2026l");
  });
  test("off a tty it prints one snapshot", async () => {
    const out: string[] = [];
    expect(await statusLive({ fetch: async () => "status\n", write: (t) => out.push(t), tty: false })).toBe(0);
    expect(out).toEqual(["status\n"]);
  });
});
