// Output throughput, all in one invocation so machine noise hits every row
// alike: 1 GiB from the worker double through `juliaclient` into a pipe and
// into a file with each pump, against socat moving the same bytes over a Unix
// socket into the same pipe reader, and the double's own ceiling (through the
// io_uring client into /dev/null, which splice makes nearly free). Prints GiB/s
// and ratios; the target is io_uring ≥ 2.5× socat into a pipe.

import { benchDir, benchEnv, ROOT } from "./common.ts";
import { rmSync, statSync } from "node:fs";

const root = ROOT;
const GiB = 1 << 30;
const bytes = Number(process.env.BENCH_BYTES ?? GiB);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const dir = benchDir();
const client = `${root}/dist/juliaclient`;
const chunks = Math.round(bytes / (1 << 20));
const prog = `await write_stdout_repeat(new Uint8Array(${1 << 20}).fill(120), ${chunks})`;

const env = benchEnv(dir, { PROG: prog });

/** Wall time of a bash pipeline, in seconds; it must exit 0. */
function time(script: string, extra: Record<string, string> = {}): number {
  const t0 = Bun.nanoseconds();
  const r = Bun.spawnSync(["bash", "-c", `set -o pipefail; ${script}`], { env: { ...env, ...extra }, cwd: dir, stdout: "ignore", stderr: "pipe" });
  const s = (Bun.nanoseconds() - t0) / 1e9;
  if (r.exitCode !== 0) throw new Error(`${script} failed (${r.exitCode}): ${r.stderr}`);
  return s;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function socat(into: string): number {
  const sock = `${dir}/socat.sock`;
  rmSync(sock, { force: true });
  const server = Bun.spawn(["socat", "-u", "-b262144", `OPEN:/dev/zero,readbytes=${bytes}`, `UNIX-LISTEN:${sock}`], { stdout: "ignore", stderr: "ignore" });
  const s = time(`while [ ! -S ${sock} ]; do sleep 0.001; done; socat -u -b262144 UNIX-CONNECT:${sock} STDOUT ${into}`);
  server.kill();
  return s;
}

type Row = { name: string; secs: number[] };
const rows: Row[] = [];
const row = (name: string) => rows.find((r) => r.name === name) ?? (rows.push({ name, secs: [] }), rows.at(-1)!);
const haveSocat = Bun.which("socat") !== null;

try {
  time(`"${client}" -e 0`); // start the conductor and a worker
  for (let i = 0; i < rounds; i++) {
    const noop = time(`"${client}" -e 0 | cat > /dev/null`); // a run's fixed cost, taken off every row
    for (const io of ["uring", "poll", "bun"]) {
      row(`${io} -> pipe`).secs.push(time(`"${client}" -e "$PROG" | cat > /dev/null`, { JULIA_DAEMON_IO: io }) - noop);
      row(`${io} -> file`).secs.push(time(`"${client}" -e "$PROG" > out.bin`, { JULIA_DAEMON_IO: io }) - noop);
      if (statSync(`${dir}/out.bin`).size !== bytes) throw new Error(`${io}: short file`);
      rmSync(`${dir}/out.bin`);
    }
    row("double ceiling (uring -> /dev/null)").secs.push(time(`"${client}" -e "$PROG" > /dev/null`, { JULIA_DAEMON_IO: "uring" }) - noop);
    if (haveSocat) {
      row("socat -> pipe").secs.push(socat("| cat > /dev/null"));
      row("socat -> file").secs.push(socat("> out.bin"));
      rmSync(`${dir}/out.bin`, { force: true });
    }
  }
  const rate = (r: Row) => bytes / GiB / median(r.secs);
  const socatPipe = rows.find((r) => r.name === "socat -> pipe");
  const socatFile = rows.find((r) => r.name === "socat -> file");
  console.log(`${(bytes / GiB).toFixed(2)} GiB per run, median of ${rounds} rounds (a no-op run's time subtracted)`);
  console.log("what".padEnd(38) + "GiB/s".padStart(8) + "  vs socat");
  for (const r of rows) {
    const ref = r.name.endsWith("pipe") ? socatPipe : r.name.endsWith("file") ? socatFile : undefined;
    const ratio = ref && ref !== r ? `${(rate(r) / rate(ref)).toFixed(2)}x` : "";
    console.log(r.name.padEnd(38) + rate(r).toFixed(2).padStart(8) + "  " + ratio);
  }
  if (socatPipe) {
    const k = rate(rows.find((r) => r.name === "uring -> pipe")!) / rate(socatPipe);
    console.log(`io_uring into a pipe: ${k.toFixed(2)}x socat (target >= 2.5x)`);
  } else console.log("socat not installed (apt-get install socat): no baseline");
} finally {
  Bun.spawnSync([`${root}/dist/juliaconductor`, "stop"], { env });
  rmSync(dir, { recursive: true, force: true });
}
