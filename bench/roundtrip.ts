// Warm round trip of `juliaclient -e <no-op>` against a bare compiled-Bun
// no-op binary, interleaved in one invocation so machine noise hits both
// alike; the result is a ratio (target ≤ 1.5×), never an absolute time.
// Uses the worker double, so it measures our overhead, not Julia's.

import { mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const rounds = Number(process.env.BENCH_ROUNDS ?? 60);
const dir = mkdtempSync("/tmp/jdb-");
chmodSync(dir, 0o700);

writeFileSync(`${dir}/noop.ts`, "");
const built = Bun.spawnSync([process.execPath, "build", "--compile", "--minify", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", `${dir}/noop.ts`, "--outfile", `${dir}/noop`]);
if (built.exitCode !== 0) throw new Error(`building the baseline failed: ${built.stderr}`);

const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("JULIA_")) env[k] = v;
Object.assign(env, {
  JULIA_DAEMON_RUNTIME: `${dir}/rt`,
  JULIA_DAEMON_WORKER_EXECUTABLE: `${root}/fixtures/worker-double/julia`,
  XDG_CACHE_HOME: `${dir}/cache`,
  PATH: `${root}/node_modules/.bin:${process.env.PATH}`,
});
const client = [`${root}/dist/juliaclient`, "-e", "0"];
const baseline = [`${dir}/noop`];

function time(cmd: string[]): number {
  const t0 = Bun.nanoseconds();
  const r = Bun.spawnSync(cmd, { env, stdout: "ignore", stderr: "pipe" });
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
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    b.push(time(baseline));
    a.push(time(client));
  }
  const ratio = median(a) / median(b);
  console.log(`juliaclient -e 0 (warm): median ${median(a).toFixed(2)} ms over ${rounds} runs`);
  console.log(`bare Bun no-op binary:  median ${median(b).toFixed(2)} ms`);
  console.log(`ratio ${ratio.toFixed(2)}x (target <= 1.5x)`);
} finally {
  Bun.spawnSync([`${root}/dist/juliaconductor`, "stop"], { env });
  rmSync(dir, { recursive: true, force: true });
}
