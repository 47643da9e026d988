// The Pool driven through fakes: an injected clock, a launcher whose
// "processes" say HELLO on cue, fake control channels, a pressure source and
// sizes. Covers the reserve, the FIFO queue at MAX_WORKERS, TTL culling,
// label expiry, health checks and pressure eviction. No sleeps: time is the
// fake clock and the pool's upkeep is called directly. The version probe is
// faked too: julia 1.11.7 unless a test says otherwise.

import { describe, expect, test } from "bun:test";
import { parseJuliaArgs } from "../../src/shared/args/index.ts";
import { DaemonError } from "../../src/shared/errors.ts";
import { ExitKind, RunDoneFlag, Shutdown } from "../../src/shared/protocol/index.ts";
import { renderStatus, snapshot } from "../../src/conductor/status/index.ts";
import { loadConfig } from "../../src/conductor/config.ts";
import { poolKey, workerShape } from "../../src/conductor/pool/key.ts";
import type { LaunchedWorker, LaunchSpec } from "../../src/conductor/pool/launcher.ts";
import type { ProbeResult } from "../../src/conductor/pool/versions.ts";
import { setLogSink } from "../../src/conductor/log.ts";
import { Pool, type AcquireRequest } from "../../src/conductor/pool/pool.ts";
import { defaultPoolSettings, type PoolSettings } from "../../src/conductor/pool/settings.ts";
import type { WorkerChannel } from "../../src/conductor/server/worker-channel.ts";

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

class FakeChannel {
  closed = false;
  shutdowns: number[] = [];
  activated: string[] = [];
  pongs: ((n: number) => void)[] = [];
  pingFails = false;
  activate = async (p: string) => void this.activated.push(p);
  run = async () => {};
  cancelRun = () => {};
  shutdown = (mode: number) => void this.shutdowns.push(mode);
  ping = (): Promise<number> => (this.pingFails ? Promise.reject(new Error("no PONG within 5 s")) : new Promise((r) => this.pongs.push(r)));
}

setLogSink(() => {});

interface WorldOptions {
  autoHello?: boolean;
  psi?: () => number;
  rss?: (pid: number) => number | null;
  /** what `julia --version` answers (default 1.11.7); an Error: it could not be run */
  probe?: (argv: string[]) => ProbeResult | Error | Promise<ProbeResult>;
  /** the version the automatic HELLO reports (default 1.11.7) */
  helloVersion?: string;
}

function world(over: Partial<PoolSettings> = {}, opts: WorldOptions = {}) {
  let t = 1_000_000;
  const launches: { spec: LaunchSpec; pid: number; channel: FakeChannel; signals: string[]; hello: (version?: string) => string | null; die: (code: number, tail: string) => void }[] = [];
  const probes: string[][] = [];
  let nextPid = 100;
  const settings: PoolSettings = { ...defaultPoolSettings(4), killGraceMs: 1, ...over };
  const pool: Pool = new Pool({
    config: loadConfig({ JULIA_DAEMON_RUNTIME: "/tmp/jd-unit" }, 1000, { readFile: () => null }),
    settings,
    now: () => t,
    entry: "/e/main.jl",
    baseEnv: {},
    pressure: { name: "psi", read: () => ({ kind: "psi", someAvg10: opts.psi?.() ?? 0 }) },
    sizer: { rssBytes: (pid) => (opts.rss ? opts.rss(pid) : 100 << 20), ussBytes: () => null },
    probe: {
      locate: (exe) => ({ path: exe.includes("/") ? exe : `/usr/bin/${exe}`, mtimeMs: 1 }),
      run: async (argv) => {
        probes.push(argv);
        const a = opts.probe ? await opts.probe(argv) : { code: 0, stdout: "julia version 1.11.7\n", stderr: "" };
        if (a instanceof Error) throw a;
        return a;
      },
    },
    launcher: {
      launch(spec): LaunchedWorker {
        const pid = nextPid++;
        let exit!: (st: { code: number | null; signal: string | null }) => void;
        const exited = new Promise<{ code: number | null; signal: string | null }>((r) => (exit = r));
        const channel = new FakeChannel();
        let tail = "";
        const rec = {
          spec, pid, channel, signals: [] as string[],
          hello: (version = "1.11.7") => pool.onHello({ registration: 0, workerId: spec.env.JULIA_DAEMON_WORKER_ID!, secret: spec.env.JULIA_DAEMON_WORKER_SECRET!, pid, juliaVersion: version, capabilities: 1, runSocket: `/tmp/jd-unit/w-${pid}.sock`, activeRuns: 0 }, channel as unknown as WorkerChannel),
          die: (code: number, text: string) => ((tail = text), exit({ code, signal: null })),
        };
        launches.push(rec);
        if (opts.autoHello !== false) queueMicrotask(() => void rec.hello(opts.helloVersion));
        return { pid, exited, kill: (sig) => (rec.signals.push(sig), exit({ code: null, signal: "SIGTERM" })), stderrTail: () => tail };
      },
    },
  });
  const request = (project: string, phases: string[] = [], label: string | null = null, argv: string[] = []): AcquireRequest => {
    const shape = workerShape(parseJuliaArgs([...argv, "-e", "1"]), project, {});
    return { key: poolKey(shape), shape, label, onPhase: (_p, m) => phases.push(m), run: { flags: 0, clientPid: 1, cwd: "/", env: [], actions: [], programFile: "", args: [], switches: [], session: label ?? "" } };
  };
  /** Runs a request to completion: acquire, then RUN_DONE after `ms` of fake time. */
  const runOnce = async (project: string, ms = 1000) => {
    const a = await pool.acquire(request(project));
    t += ms;
    pool.onRunDone(a.worker.channel!, { token: a.token, kind: 0, value: 0, flags: 0 });
    return a.worker;
  };
  return { pool, launches, probes, request, runOnce, advance: (ms: number) => void (t += ms), get now() { return t; } };
}

describe("reserve", () => {
  test("the first run of a new project takes the reserve; it is replaced afterwards", async () => {
    const w = world();
    await w.runOnce("/a");
    await w.runOnce("/a");
    expect(w.launches.length).toBe(1);
    w.pool.upkeep.keepReserves();
    expect(w.launches.length).toBe(2);
    await tick();
    const reserve = [...w.pool.workers.values()].find((x) => x.reserve)!;
    expect(reserve.state).toBe("ready");
    const phases: string[] = [];
    const a = await w.pool.acquire(w.request("/b", phases));
    expect(a.worker.id).toBe(reserve.id);
    expect(a.worker.reserve).toBe(false);
    expect(w.launches[1]!.channel.activated).toEqual(["/b"]);
    expect(phases).toEqual(["activating /b"]);
    await tick();
    expect(w.launches.length).toBe(3);
    expect([...w.pool.workers.values()].filter((x) => x.reserve).length).toBe(1);
  });

  test("JULIA_DAEMON_RESERVE=0: never started", async () => {
    const w = world({ reserve: false });
    await w.runOnce("/a");
    await w.runOnce("/a");
    w.pool.upkeep.tick();
    await tick();
    expect(w.launches.length).toBe(1);
  });

  test("never culled by TTL, but evicted under pressure", async () => {
    let psi = 0;
    const w = world({}, { psi: () => psi });
    await w.runOnce("/a");
    await w.runOnce("/a");
    w.pool.upkeep.keepReserves();
    await tick();
    const reserve = () => [...w.pool.workers.values()].find((x) => x.reserve);
    const id = reserve()!.id;
    w.advance(30 * 60_000);
    w.pool.upkeep.tick();
    expect(reserve()?.id).toBe(id); // the /a worker is long gone by TTL; the reserve stays
    psi = 60;
    w.pool.upkeep.tick();
    expect(reserve()).toBeUndefined();
    psi = 0;
    w.advance(3 * 3600_000);
    w.pool.upkeep.tick();
    await tick();
    expect(reserve()).toBeUndefined(); // demand older than MAX_TTL is forgotten: nothing restocks
  });
});

describe("capacity", () => {
  test("beyond MAX_WORKERS requests wait FIFO with progress; the freed idle worker makes room", async () => {
    const w = world({ maxWorkers: 1, reserve: false });
    const first = await w.pool.acquire(w.request("/a"));
    const p1: string[] = [], p2: string[] = [];
    const order: string[] = [];
    const b = w.pool.acquire(w.request("/b", p1)).then((x) => (order.push("b"), x));
    const c = w.pool.acquire(w.request("/c", p2)).then((x) => (order.push("c"), x));
    await tick();
    expect(p1).toEqual(["waiting for a free worker"]);
    expect(w.pool.queue.length).toBe(2);
    w.pool.onRunDone(first.worker.channel!, { token: first.token, kind: 0, value: 0, flags: 0 });
    const gotB = await b;
    expect(w.launches[0]!.channel.shutdowns).toEqual([Shutdown.SOFT]); // /a retired softly to make room
    expect(gotB.worker.shape.project).toBe("/b");
    expect(order).toEqual(["b"]);
    w.pool.onRunDone(gotB.worker.channel!, { token: gotB.token, kind: 0, value: 0, flags: 0 });
    expect((await c).worker.shape.project).toBe("/c");
    expect(order).toEqual(["b", "c"]);
  });

  test("a queued request reuses a worker of its own project when one frees up", async () => {
    const w = world({ maxWorkers: 1, reserve: false });
    const first = await w.pool.acquire(w.request("/a"));
    const again = w.pool.acquire(w.request("/a"));
    await tick();
    w.pool.onRunDone(first.worker.channel!, { token: first.token, kind: 0, value: 0, flags: 0 });
    expect((await again).worker.id).toBe(first.worker.id);
    expect(w.launches.length).toBe(1);
  });

  test("idle live sessions are never sacrificed: the pool goes over the cap instead", async () => {
    const w = world({ maxWorkers: 1, reserve: false });
    const s = await w.pool.acquire(w.request("/a", [], "mysession"));
    w.pool.onRunDone(s.worker.channel!, { token: s.token, kind: 0, value: 0, flags: 0 });
    const other = await w.pool.acquire(w.request("/b"));
    expect(other.worker.id).not.toBe(s.worker.id);
    expect(w.pool.workers.size).toBe(2);
  });
});

describe("idle lifetime", () => {
  test("a one-off run's worker goes after MIN_TTL, softly", async () => {
    const w = world({ reserve: false });
    const worker = await w.runOnce("/a");
    w.advance(119_000);
    w.pool.upkeep.tick();
    expect(w.pool.workers.has(worker.id)).toBe(true);
    w.advance(2_000);
    w.pool.upkeep.tick();
    expect(w.pool.workers.has(worker.id)).toBe(false);
    expect(w.launches[0]!.channel.shutdowns).toEqual([Shutdown.SOFT]);
  });

  test("a session label expires after LABEL_TTL and its worker is never claimed by another label", async () => {
    const w = world({ reserve: false });
    const s = await w.pool.acquire(w.request("/a", [], "x"));
    w.advance(10);
    w.pool.onRunDone(s.worker.channel!, { token: s.token, kind: 0, value: 0, flags: 0 });
    w.advance(91_000);
    w.pool.upkeep.tick();
    expect(s.worker.label).toBeNull();
    const y = await w.pool.acquire(w.request("/a", [], "y"));
    expect(y.worker.id).not.toBe(s.worker.id);
  });
});

describe("health checks", () => {
  test("an idle worker that does not answer PING is retired; a busy one is left alone", async () => {
    const w = world({ reserve: false });
    const idle = await w.runOnce("/a");
    const busy = await w.pool.acquire(w.request("/b"));
    w.launches[0]!.channel.pingFails = true;
    w.launches[1]!.channel.pingFails = true;
    w.advance(120_000);
    w.pool.upkeep.tick();
    await tick();
    expect(w.pool.workers.has(idle.id)).toBe(false);
    expect(w.pool.workers.has(busy.worker.id)).toBe(true);
  });

  test("a lost RUN_DONE is reconciled from the PONG count", async () => {
    const w = world({ reserve: false });
    const a = await w.pool.acquire(w.request("/a"));
    expect(a.worker.load).toBe(1);
    w.advance(4 * 30_000);
    w.pool.upkeep.tick();
    w.launches[0]!.channel.pongs.shift()!(0);
    await tick();
    expect(a.worker.load).toBe(0);
    expect(a.worker.runs.size).toBe(0);
  });

  test("RUN_DONE with RETIRE: the worker is retired at once (SHUTDOWN now, SIGTERM) and never runs again", async () => {
    const w = world({ reserve: false });
    const a = await w.pool.acquire(w.request("/a"));
    w.pool.onRunDone(a.worker.channel!, { token: a.token, kind: ExitKind.CODE, value: 3, flags: RunDoneFlag.RETIRE });
    expect(w.pool.workers.has(a.worker.id)).toBe(false);
    expect(a.worker.state).toBe("dead");
    expect(a.worker.runs.size).toBe(0);
    expect(w.launches[0]!.channel.shutdowns).toEqual([Shutdown.NOW]);
    expect(w.launches[0]!.signals).toEqual(["SIGTERM"]);
    const next = await w.runOnce("/a"); // the same project would have reused it
    expect(next.id).not.toBe(a.worker.id);
    expect(w.launches.length).toBe(2);
  });

  test("RUN_DONE without flags leaves the worker in the pool", async () => {
    const w = world({ reserve: false });
    const worker = await w.runOnce("/a");
    expect(w.pool.workers.has(worker.id)).toBe(true);
    expect(w.launches[0]!.channel.shutdowns).toEqual([]);
  });
});

describe("memory pressure", () => {
  test("evicts idle workers past MIN_TTL, least useful per byte first, never one with a client", async () => {
    let psi = 0;
    const sizes: Record<number, number> = {};
    const w = world({ reserve: false, evictionsPerEpisode: 1 }, { psi: () => psi, rss: (pid) => sizes[pid] ?? null });
    // Used twice ten minutes apart, both have a budget well past MIN_TTL: the pressure band.
    await w.runOnce("/small");
    await w.runOnce("/big");
    w.advance(600_000);
    const small = await w.runOnce("/small");
    const big = await w.runOnce("/big");
    const busy = await w.pool.acquire(w.request("/busy"));
    sizes[small.hello!.pid] = 100 << 20;
    sizes[big.hello!.pid] = 900 << 20;
    w.advance(60_000);
    psi = 50;
    w.pool.upkeep.tick();
    expect(w.pool.workers.size).toBe(3); // nobody past MIN_TTL yet
    w.advance(61_000 - 1);
    w.pool.upkeep.tick();
    expect(w.pool.workers.has(big.id)).toBe(false);
    expect(w.pool.workers.has(small.id)).toBe(true);
    expect(w.pool.workers.has(busy.worker.id)).toBe(true);
  });

  test("JULIA_DAEMON_MEMORY_PRESSURE=0: no eviction", async () => {
    const w = world({ reserve: false, memoryPressure: false }, { psi: () => 99 });
    const x = await w.runOnce("/x");
    w.advance(119_000);
    w.pool.upkeep.tick();
    expect(w.pool.workers.has(x.id)).toBe(true);
  });
});

const says = (v: string): ProbeResult => ({ code: 0, stdout: `julia version ${v}\n`, stderr: "" });
const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
};

describe("julia version", () => {
  test("the first start waits for one probe, later ones use the cache; status shows the version and the threads", async () => {
    const w = world({ reserve: false }, { probe: () => says("1.5.3"), helloVersion: "1.5.3" });
    const a = w.pool.acquire(w.request("/a", [], null, ["-t", "2"]));
    expect(w.launches.length).toBe(0); // asking julia first
    const probing = snapshot(w.pool, w.now).workers[0]!;
    expect([probing.state, probing.pid, probing.argv]).toEqual(["starting", 0, null]);
    expect(renderStatus(snapshot(w.pool, w.now), { now: w.now, color: false })).toContain("pid – · threads 2 · up 0s · starting");
    const first = await a;
    expect(w.probes).toEqual([["/usr/bin/julia", "--startup-file=no", "--version"]]);
    expect(w.launches[0]!.spec.argv).toEqual(["julia", "--startup-file=no", "--threads=2", "/e/main.jl", "/tmp/jd-unit/conductor.sock"]);
    const b = w.pool.acquire(w.request("/b"));
    expect(w.launches.length).toBe(2); // cached: started at once
    expect(w.launches[1]!.spec.argv).toEqual(["julia", "--startup-file=no", "/e/main.jl", "/tmp/jd-unit/conductor.sock"]);
    await b;
    expect(w.probes.length).toBe(1);
    const st = snapshot(w.pool, w.now).workers;
    const ofA = st.find((x) => x.id === first.worker.id)!;
    expect([ofA.juliaVersion, ofA.threads, ofA.argv]).toEqual(["1.5.3", "2", w.launches[0]!.spec.argv]);
    expect(st.find((x) => x.id !== first.worker.id)!.threads).toBe("1");
    await w.pool.acquire(w.request("/c", [], null, ["+1.10"]));
    expect(w.probes[1]).toEqual(["/usr/bin/julia", "+1.10", "--startup-file=no", "--version"]); // per channel
  });

  test("a HELLO with another version drops the cached one (a juliaup launcher changed it)", async () => {
    let current = "1.8.5";
    const w = world({ reserve: false }, { probe: () => says(current), autoHello: false });
    const a = w.pool.acquire(w.request("/a"));
    await settle();
    current = "1.11.7";
    expect(w.launches[0]!.hello("1.11.7")).toBeNull(); // it runs all the same
    await a;
    const b = w.pool.acquire(w.request("/b"));
    expect(w.launches.length).toBe(1); // not from the cache: probing again
    await settle();
    expect(w.probes.length).toBe(2);
    w.launches[1]!.hello("1.11.7");
    await b;
    void w.pool.acquire(w.request("/c"));
    expect(w.launches.length).toBe(3); // cached again
  });

  test("julia older than 1.5 is refused before a worker is started", async () => {
    const w = world({ reserve: false }, { probe: () => says("1.4.2") });
    const e = await w.pool.acquire(w.request("/a")).catch((x) => x);
    expect(e).toBeInstanceOf(DaemonError);
    expect([e.code, e.exitCode, e.message]).toEqual(["WORKER_START_FAILED", 70, "`julia` is julia 1.4.2, older than 1.5, the oldest julia-daemon supports"]);
    expect(e.hint).toContain("julia 1.5 or newer");
    expect(w.launches.length).toBe(0);
    expect(w.pool.workers.size).toBe(0);
    w.advance(1000); // past the start backoff: the cached answer refuses at once
    const again = await w.pool.acquire(w.request("/a")).catch((x) => x);
    expect(again.message).toBe(e.message);
    expect(w.probes.length).toBe(1);
  });

  test("a failed start names the julia found, the minimum, the command line and the log; the cached version is dropped", async () => {
    const w = world({ reserve: false }, { autoHello: false });
    const a = w.pool.acquire(w.request("/a")).catch((x) => x);
    await settle();
    const id = w.launches[0]!.spec.env.JULIA_DAEMON_WORKER_ID!;
    w.launches[0]!.die(1, "ERROR: julia: unknown option\n");
    const e = await a;
    expect(e.code).toBe("WORKER_START_FAILED");
    expect(e.message).toBe(
      "could not start a worker: it exited (exit code 1) before connecting — stderr: ERROR: julia: unknown option; julia 1.11.7 (julia-daemon supports 1.5 and later); " +
        `command: julia --startup-file=no /e/main.jl /tmp/jd-unit/conductor.sock; log: ${w.pool.deps.config.stateDir}/worker-logs/${id}.log`,
    );
    w.advance(1000);
    void w.pool.acquire(w.request("/a")).catch(() => {});
    expect(w.launches.length).toBe(1); // probing again
    await settle();
    expect(w.probes.length).toBe(2);
  });

  test("a probe that fails: the worker is started all the same, and a failed start says so", async () => {
    const w = world({ reserve: false }, { probe: () => new Error("EACCES: permission denied"), autoHello: false });
    const a = w.pool.acquire(w.request("/a")).catch((x) => x);
    await settle();
    expect(w.launches[0]!.spec.argv).toEqual(["julia", "--startup-file=no", "/e/main.jl", "/tmp/jd-unit/conductor.sock"]);
    w.launches[0]!.die(1, "");
    const e = await a;
    expect(e.message).toContain("julia version unknown (`/usr/bin/julia --startup-file=no --version` failed: EACCES: permission denied; julia-daemon supports 1.5 and later)");
  });

  test("a worker retired while its probe runs is never started", async () => {
    let answer!: (r: ProbeResult) => void;
    const w = world({ reserve: false }, { probe: () => new Promise((r) => (answer = r)) });
    const req = w.request("/a");
    const a = w.pool.acquire(req).catch((x) => x);
    await settle();
    expect(w.pool.restart(req.key)).toBe(1);
    answer(says("1.11.7"));
    expect((await a).message).toContain("was stopped while starting");
    await settle();
    expect(w.launches.length).toBe(0);
    expect(w.pool.workers.size).toBe(0);
  });
});
