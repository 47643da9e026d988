// Warm against cold on the real Julia (issue #9), in one invocation: each
// workload runs through `juliaclient` (conductor and worker already up, one
// warm-up run done) and as a fresh `julia --startup-file=no`, warm and cold
// alternating (and alternating which goes first) so machine drift hits both
// alike. Prints median, p90 and warm/cold per workload, as a table and one
// JSON line. Every run must exit 0 and print what the workload prints (a float
// line for the LinearAlgebra one); the first failure stops the bench, quoted.
// Usage: PATH=<julia's dir>:$PATH bun bench/julia.ts   (BENCH_ROUNDS, default 20)

import { benchDir, benchEnv, ROOT } from "./common.ts";
import { rmSync } from "node:fs";

const JULIA = Bun.which("julia");
if (!JULIA) {
  console.error("bench/julia.ts: julia not on PATH (put a julia >= 1.5 first on PATH, e.g. PATH=/path/to/julia/bin:$PATH)");
  process.exit(2);
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
const CLIENT = `${ROOT}/dist/juliaclient`;
const FLOAT_LINE = /^-?\d+\.\d+(e-?\d+)?\n$/;

type Workload = { name: string; args: string[]; output: (out: string) => boolean; expect: string };
const workloads: Workload[] = [
  { name: "-e 0", args: ["-e", "0"], output: (o) => o === "", expect: "no output" },
  {
    name: "LinearAlgebra svdvals",
    args: ["-e", "using LinearAlgebra, Statistics; println(mean(svdvals(rand(50,50))))"],
    output: (o) => FLOAT_LINE.test(o),
    expect: "one float line",
  },
];

const dir = benchDir();
const env = benchEnv(dir, { JULIA_DAEMON_WORKER_EXECUTABLE: JULIA });
const warmCmd = (w: Workload) => [CLIENT, ...w.args];
const coldCmd = (w: Workload) => [JULIA, "--startup-file=no", ...w.args];

/** One timed run; throws, quoting the command, exit status and stderr, unless it exits 0 with the expected output. */
function run(cmd: string[], w: Workload, what: string): number {
  const t0 = Bun.nanoseconds();
  const r = Bun.spawnSync(cmd, { env, cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const ms = (Bun.nanoseconds() - t0) / 1e6;
  const out = r.stdout.toString();
  const status = r.signalCode ? `killed by ${r.signalCode}` : `exit ${r.exitCode}`;
  if (r.exitCode !== 0 || !w.output(out)) {
    const err = r.stderr.toString().trimEnd().split("\n").slice(-15).join("\n  ");
    throw new Error(`${what}: ${cmd.map((a) => JSON.stringify(a)).join(" ")} → ${status}, stdout ${JSON.stringify(out.slice(0, 200))} (expected ${w.expect})${err ? `\n  stderr:\n  ${err}` : ""}`);
  }
  return ms;
}

type Worker = { pid: number; state: string; reserve: boolean; project: string; juliaVersion: string | null };
function status(): { pid: number; workers: Worker[] } {
  const r = Bun.spawnSync([CLIENT, "--status=json"], { env, cwd: dir, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`juliaclient --status=json → exit ${r.exitCode}: ${r.stderr}`);
  return JSON.parse(r.stdout.toString());
}

/** Waits until no worker is starting (the reserve boots after the first run), so no boot competes with the timings. */
async function settled(): Promise<void> {
  for (const end = Date.now() + 180_000; Date.now() < end; await Bun.sleep(100)) if (!status().workers.some((w) => w.state === "starting")) return;
  throw new Error("a worker was still starting after 180 s");
}

const servingPids = () => status().workers.filter((w) => !w.reserve && w.state === "ready").map((w) => w.pid).sort();
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => {
  const s = sorted(xs), m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const p90 = (xs: number[]) => sorted(xs)[Math.ceil(0.9 * xs.length) - 1]!; // nearest rank

let failed = false;
try {
  run(warmCmd(workloads[0]!), workloads[0]!, "starting the conductor and a worker");
  await settled();
  for (const w of workloads) {
    run(warmCmd(w), w, `warm-up (warm, ${w.name})`);
    run(coldCmd(w), w, `warm-up (cold, ${w.name})`); // the page cache, for fairness
  }
  await settled();
  const before = servingPids();
  const version = status().workers.find((w) => w.juliaVersion)?.juliaVersion ?? "?";
  const times = workloads.map(() => ({ warm: [] as number[], cold: [] as number[] }));
  for (let i = 0; i < rounds; i++) {
    workloads.forEach((w, k) => {
      const warm = () => times[k]!.warm.push(run(warmCmd(w), w, `round ${i + 1} (warm, ${w.name})`));
      const cold = () => times[k]!.cold.push(run(coldCmd(w), w, `round ${i + 1} (cold, ${w.name})`));
      if (i % 2) (cold(), warm());
      else (warm(), cold());
    });
  }
  const after = servingPids();
  const rows = workloads.map((w, k) => {
    const { warm, cold } = times[k]!;
    const ratio = median(warm) / median(cold);
    return { name: w.name, warm: { medianMs: median(warm), p90Ms: p90(warm) }, cold: { medianMs: median(cold), p90Ms: p90(cold) }, ratio, speedup: 1 / ratio };
  });
  const f = (ms: number) => ms.toFixed(1).padStart(9);
  console.log(`julia ${version} (${JULIA}), ${rounds} warm + ${rounds} cold runs per workload, interleaved; ms`);
  console.log("workload".padEnd(24) + "warm p50".padStart(9) + "warm p90".padStart(9) + "cold p50".padStart(9) + "cold p90".padStart(9) + "warm/cold".padStart(11) + "speed-up".padStart(10));
  for (const r of rows)
    console.log(r.name.padEnd(24) + f(r.warm.medianMs) + f(r.warm.p90Ms) + f(r.cold.medianMs) + f(r.cold.p90Ms) + `${r.ratio.toFixed(3)}x`.padStart(11) + `${r.speedup.toFixed(1)}x`.padStart(10));
  const sameWorker = JSON.stringify(before) === JSON.stringify(after);
  if (!sameWorker) console.log(`note: the serving workers changed during the runs (pids ${before.join(",")} → ${after.join(",")})`);
  console.log(JSON.stringify({ bench: "julia", julia: version, rounds, sameWorker, workloads: rows }));
} catch (e) {
  console.error(`bench/julia.ts: ${(e as Error).message}`);
  failed = true;
} finally {
  const stop = Bun.spawnSync([`${ROOT}/dist/juliaconductor`, "stop"], { env, stdout: "pipe", stderr: "pipe" });
  if (stop.exitCode !== 0) console.error(`bench/julia.ts: juliaconductor stop → exit ${stop.exitCode}: ${stop.stderr}`);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
