// Warm round trip of `juliaclient -e <no-op>` against a bare compiled-Bun
// no-op binary, interleaved in one invocation so machine noise hits both
// alike; the result is a ratio (target ≤ 1.5×), never an absolute time.
// The client runs with each stdio pump in turn (io_uring, libc poll, pure
// Bun), interleaved too, and the median difference to io_uring is reported:
// the ring is set up while the conductor's reply is in flight, so it should
// cost nothing. Uses the worker double: our overhead, not Julia's.

import { benchDir, benchEnv, ROOT } from "./common.ts";
import { rmSync, writeFileSync } from "node:fs";

const root = ROOT;
const rounds = Number(process.env.BENCH_ROUNDS ?? 200);
const dir = benchDir();

writeFileSync(`${dir}/noop.ts`, "");
const built = Bun.spawnSync([process.execPath, "build", "--compile", "--minify", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", `${dir}/noop.ts`, "--outfile", `${dir}/noop`]);
if (built.exitCode !== 0) throw new Error(`building the baseline failed: ${built.stderr}`);

const env = benchEnv(dir);
const client = [`${root}/dist/juliaclient`, "-e", "0"];
const baseline = [`${dir}/noop`];

function time(cmd: string[], extra: Record<string, string> = {}): number {
  const t0 = Bun.nanoseconds();
  const r = Bun.spawnSync(cmd, { env: { ...env, ...extra }, stdout: "ignore", stderr: "pipe" });
  const dt = (Bun.nanoseconds() - t0) / 1e6;
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (${r.exitCode}): ${r.stderr}`);
  return dt;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

try {
  for (let i = 0; i < 5; i++) time(client); // start the conductor and warm the worker
  const pumps = ["uring", "poll", "bun"] as const;
  const runs: Record<(typeof pumps)[number], number[]> = { uring: [], poll: [], bun: [] };
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    b.push(time(baseline));
    for (const io of pumps) runs[io].push(time(client, { JULIA_DAEMON_IO: io }));
  }
  const a = runs.uring;
  const ratio = median(a) / median(b);
  console.log(`juliaclient -e 0 (warm, io_uring): median ${median(a).toFixed(2)} ms over ${rounds} runs`);
  console.log(`bare Bun no-op binary:  median ${median(b).toFixed(2)} ms`);
  console.log(`ratio ${ratio.toFixed(2)}x (target <= 1.5x)`);
  for (const io of ["poll", "bun"] as const) {
    const diffs = runs[io].map((t, i) => t - a[i]!);
    console.log(`${io}: median ${median(runs[io]).toFixed(2)} ms; median paired difference to io_uring ${median(diffs) >= 0 ? "+" : ""}${median(diffs).toFixed(3)} ms`);
  }
} finally {
  Bun.spawnSync([`${root}/dist/juliaconductor`, "stop"], { env });
  rmSync(dir, { recursive: true, force: true });
}
