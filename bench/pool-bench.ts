// Pool benchmarks (issue #6), each a ratio or a distribution from one
// invocation; targets are printed, never asserted. Uses the worker double.
//   P3  64 concurrent clients × 1 MiB: bytes verified, p50/p99 request→ROUTE
//       (the run accepted by its worker), conductor RSS at the end
//   P4  first run of a new project with JULIA_DOUBLE_STARTUP_MS=2000,
//       reserve on vs off (target ≤ 0.1×)
//   P5  time to assign a run with 1, 50, 200 idle workers (target: flat);
//       the real Pool with in-process fake workers, so only our cost is timed
// Usage: bun bench/pool-bench.ts [p3] [p4] [p5]   (default: all)

import { benchDir, benchEnv } from "./common.ts";
import { BUILD_VERSION } from "../src/shared/version.ts";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { FrameStream, Link } from "../src/shared/net/link.ts";
import { concatBytes, decodeError, decodeRoute, encodeEnv, encodePreamble, encodeRequest, encodeStreamOpen, Frame, Stream, type Route } from "../src/shared/protocol/index.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const CLIENT = `${root}/dist/juliaclient`;
const which = process.argv.slice(2);
const want = (p: string) => which.length === 0 || which.includes(p);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

function sandbox(extra: Record<string, string>) {
  const dir = benchDir();
  const env = benchEnv(dir, extra);
  const run = (args: string[], cwd = dir) => {
    const r = Bun.spawnSync([CLIENT, ...args], { env, cwd, stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`juliaclient ${args.join(" ")} failed (${r.exitCode}): ${r.stderr}`);
    return r.stdout.toString();
  };
  const stop = () => {
    Bun.spawnSync([`${root}/dist/juliaconductor`, "stop"], { env });
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, env, run, stop, socket: `${dir}/rt/conductor.sock` };
}

/** A minimal client: REQUEST → ROUTE timed, then the four streams; returns stdout. */
async function miniRun(socket: string, argv: string[], cwd: string, env: string[]): Promise<{ routeMs: number; out: Uint8Array }> {
  const t0 = performance.now();
  const link = await Link.dial(socket);
  const frames = new FrameStream(link);
  link.write(concatBytes([encodePreamble("CLIENT"), encodeRequest({ flags: 0, pid: process.pid, ppid: process.ppid, cwd, term: "", colorterm: "", envHash: Bun.hash.wyhash(env.join("\0")), argv, version: BUILD_VERSION })]));
  let route: Route | null = null;
  while (!route) {
    const f = await frames.next();
    if (!f) throw new Error("conductor closed");
    if (f.type === Frame.NEED_ENV) link.write(encodeEnv(env));
    else if (f.type === Frame.ROUTE) route = decodeRoute(f.payload);
    else if (f.type === Frame.ERROR) throw new Error(decodeError(f.payload).message);
  }
  const routeMs = performance.now() - t0;
  const open = async (kind: number) => {
    const s = await Link.dial(route!.socketPath);
    s.write(concatBytes([encodePreamble("STREAM"), encodeStreamOpen(route!.token, kind)]));
    const st = await s.takeBytes(1);
    if (!st || st[0] !== 0) throw new Error(`stream ${kind} refused`);
    return s;
  };
  const [ctl, stdin, stdout, stderr] = await Promise.all([open(Stream.CONTROL), open(Stream.STDIN), open(Stream.STDOUT), open(Stream.STDERR)]);
  const chunks: Uint8Array[] = [];
  stdout.setSink((c) => chunks.push(c.slice()));
  stderr.setSink(() => {});
  stdin.close();
  const ctlFrames = new FrameStream(ctl);
  for (let f = await ctlFrames.next(); f && f.type !== Frame.EXIT; f = await ctlFrames.next()) {}
  await stdout.closed();
  for (const l of [ctl, stdout, stderr, link]) l.close();
  return { routeMs, out: concatBytes(chunks) };
}

async function p3(): Promise<void> {
  const N = 64, SIZE = 1 << 20;
  const sb = sandbox({ JULIA_DAEMON_WORKER_MAXCLIENTS: "0" });
  try {
    sb.run(["-e", "0"]); // start the conductor and a warm worker
    const env = Object.entries(sb.env).map(([k, v]) => `${k}=${v}`);
    const code = (k: number) => `const b = new Uint8Array(${SIZE}); for (let i = 0; i < b.length; i++) b[i] = (i * 31 + ${k}) & 255; write_stdout(b)`;
    // One run with the clients' environment first, as a shell's earlier command would: the
    // burst then finds it in the conductor's environment cache instead of 64 NEED_ENV round trips.
    await miniRun(sb.socket, ["-e", "0"], sb.dir, env);
    const t0 = performance.now();
    const rs = await Promise.all(Array.from({ length: N }, (_, k) => miniRun(sb.socket, ["-e", code(k)], sb.dir, env)));
    const wall = performance.now() - t0;
    let bad = 0;
    rs.forEach((r, k) => {
      if (r.out.length !== SIZE) bad++;
      else for (let i = 0; i < SIZE; i += 4099) if (r.out[i] !== ((i * 31 + k) & 255)) (bad++, (i = SIZE));
    });
    const pid = Number(readFileSync(`${sb.dir}/rt/conductor.pid`, "utf8"));
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
    const ms = rs.map((r) => r.routeMs);
    console.log(`P3: ${N} clients × 1 MiB in ${wall.toFixed(0)} ms; ${N - bad}/${N} outputs verified`);
    console.log(`P3: request→run start p50 ${pct(ms, 50).toFixed(1)} ms, p99 ${pct(ms, 99).toFixed(1)} ms (target p99 ≤ 20 ms)`);
    console.log(`P3: conductor RSS at the end ${rss.toFixed(1)} MB (target ≤ 80 MB)`);
  } finally {
    sb.stop();
  }
}

async function p4(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const common = { JULIA_DOUBLE_STARTUP_MS: "2000", JULIA_DAEMON_MAX_WORKERS: "16" };
  const on = sandbox({ ...common, JULIA_DAEMON_RESERVE: "1" }), off = sandbox({ ...common, JULIA_DAEMON_RESERVE: "0" });
  const reserveReady = async (sb: typeof on) => {
    for (const end = Date.now() + 30_000; Date.now() < end; await Bun.sleep(50)) {
      const s = JSON.parse(sb.run(["--status=json"])) as { workers: { reserve: boolean; state: string }[] };
      if (s.workers.some((w) => w.reserve && w.state === "ready")) return;
    }
    throw new Error("no reserve became ready");
  };
  const firstRun = (sb: typeof on, i: number) => {
    const proj = `${sb.dir}/proj${i}`;
    mkdirSync(proj, { recursive: true });
    writeFileSync(`${proj}/Project.toml`, "");
    const t0 = performance.now();
    sb.run([`--project=${proj}`, "-e", "0"]);
    return performance.now() - t0;
  };
  try {
    for (const sb of [on, off]) for (let i = 0; i < 2; i++) sb.run(["-e", "0"]);
    const a: number[] = [], b: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await reserveReady(on);
      a.push(firstRun(on, i));
      b.push(firstRun(off, i));
    }
    const ratio = pct(a, 50) / pct(b, 50);
    console.log(`P4: first run of a new project, reserve on: median ${pct(a, 50).toFixed(0)} ms; off: ${pct(b, 50).toFixed(0)} ms (${rounds} rounds)`);
    console.log(`P4: ratio ${ratio.toFixed(3)}x (target ≤ 0.1x)`);
  } finally {
    on.stop();
    off.stop();
  }
}

async function p5(): Promise<void> {
  const { Pool } = await import("../src/conductor/pool/pool.ts");
  const { loadConfig } = await import("../src/conductor/config.ts");
  const { defaultPoolSettings } = await import("../src/conductor/pool/settings.ts");
  const { poolKey, workerShape } = await import("../src/conductor/pool/key.ts");
  const { parseJuliaArgs } = await import("../src/shared/args/index.ts");
  (await import("../src/conductor/log.ts")).setLogSink(() => {});
  const time = async (n: number) => {
    let pid = 1;
    const channel = () => ({ closed: false, activate: async () => {}, run: async () => {}, ping: () => new Promise(() => {}), shutdown: () => {}, cancelRun: () => {} });
    const pool: InstanceType<typeof Pool> = new Pool({
      config: loadConfig({ JULIA_DAEMON_RUNTIME: "/tmp/jd-bench" }, 1000, { readFile: () => null }),
      settings: { ...defaultPoolSettings(), maxWorkers: 1000, reserve: false },
      now: () => performance.now(), entry: "/e", baseEnv: {},
      pressure: { name: "none", read: () => null }, sizer: { rssBytes: () => null, ussBytes: () => null },
      probe: { locate: () => ({ path: "/e/julia", mtimeMs: 0 }), run: async () => ({ code: 0, stdout: "julia version 1.11.7\n", stderr: "" }) },
      launcher: {
        launch(spec) {
          const p = pid++;
          queueMicrotask(() => pool.onHello({ registration: 0, workerId: spec.env.JULIA_DAEMON_WORKER_ID!, secret: spec.env.JULIA_DAEMON_WORKER_SECRET!, pid: p, juliaVersion: "1.11.7", capabilities: 1, runSocket: "/x", activeRuns: 0 }, channel() as never));
          return { pid: p, exited: new Promise(() => {}), kill: () => {}, stderrTail: () => "" };
        },
      },
    });
    const req = (project: string) => {
      const shape = workerShape(parseJuliaArgs(["-e", "0"]), project, {});
      return { key: poolKey(shape), shape, label: null, onPhase: () => {}, run: { flags: 0, clientPid: 1, cwd: "/", env: [], actions: [], programFile: "", args: [], switches: [], session: "" } };
    };
    const once = async (project: string) => {
      const a = await pool.acquire(req(project));
      pool.onRunDone(a.worker.channel!, { token: a.token, kind: 0, value: 0, flags: 0 });
    };
    for (let i = 0; i < n; i++) await once(`/p${i}`); // n idle workers, one per project
    const xs: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const t0 = Bun.nanoseconds();
      await once(`/p${i % n}`);
      xs.push((Bun.nanoseconds() - t0) / 1e3);
    }
    return pct(xs.slice(500), 50);
  };
  const r: Record<number, number> = {};
  for (const n of [1, 50, 200]) r[n] = await time(n);
  console.log(`P5: assign a run (acquire+release, in-process) p50: 1 idle ${r[1]!.toFixed(1)} µs, 50 idle ${r[50]!.toFixed(1)} µs, 200 idle ${r[200]!.toFixed(1)} µs`);
  console.log(`P5: ratio 200/1 ${(r[200]! / r[1]!).toFixed(2)}x (target: flat)`);
}

if (want("p5")) await p5();
if (want("p3")) await p3();
if (want("p4")) await p4();
process.exit(0);
