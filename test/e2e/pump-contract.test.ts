// One behaviour suite over every stdio pump (io_uring, libc poll, pure Bun,
// and the automatic choice with liburing hidden, which must fall back to
// poll): byte-exact binary output, every kind of stdin, backpressure both
// ways, EPIPE, `>>`, `2>&1` ordering, signals and a worker killed mid-stream.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { alive, CLIENT, IO_URING_AVAILABLE, Sandbox, waitFor } from "./harness.ts";

const MiB = 1 << 20;

/** The same xorshift stream user code generates in the worker, so the test knows the bytes. */
const GEN = (seed: number, mib: number, sink: string) =>
  `{ let s = ${seed} | 0; const b = new Uint8Array(${MiB}); for (let k = 0; k < ${mib}; k++) { for (let i = 0; i < b.length; i += 4) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; b[i] = s; b[i + 1] = s >> 8; b[i + 2] = s >> 16; b[i + 3] = s >>> 24 } ${sink}(b); if (k % 4 === 3) await sleep(0) } }`;

function expectedHash(seed: number, mib: number): string {
  const h = new Bun.CryptoHasher("sha256");
  let s = seed | 0;
  const b = new Uint8Array(MiB);
  for (let k = 0; k < mib; k++) {
    for (let i = 0; i < b.length; i += 4) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      b[i] = s;
      b[i + 1] = s >> 8;
      b[i + 2] = s >> 16;
      b[i + 3] = s >>> 24;
    }
    h.update(b);
  }
  return h.digest("hex");
}

async function hashStream(s: ReadableStream<Uint8Array>): Promise<{ hash: string; bytes: number }> {
  const h = new Bun.CryptoHasher("sha256");
  let bytes = 0;
  for await (const c of s) {
    h.update(c);
    bytes += c.length;
  }
  return { hash: h.digest("hex"), bytes };
}

const CONFIGS: [string, Record<string, string>, string][] = [
  ["uring", { JULIA_DAEMON_IO: "uring" }, "io_uring (liburing "],
  ["poll", { JULIA_DAEMON_IO: "poll" }, "poll (forced)"],
  ["bun", { JULIA_DAEMON_IO: "bun" }, "bun (forced)"],
  ["auto, liburing hidden", { JULIA_DAEMON_LIBURING: "/nonexistent/liburing.so.2" }, "poll (io_uring unavailable: liburing.so.2 not found"],
];

if (!IO_URING_AVAILABLE) {
  describe.skip("pump contract: uring (skipped: io_uring is unavailable on this machine)", () => {
    test("io_uring cases", () => {});
  });
}

describe.each(CONFIGS.filter(([name]) => name !== "uring" || IO_URING_AVAILABLE))("pump contract: %s", (_name, extra, status) => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox(extra);
  });
  afterAll(async () => {
    await sb.stop();
  });

  async function bash(script: string, timeout = 30_000): Promise<{ stdout: string; stderr: string; code: number }> {
    const proc = Bun.spawn(["bash", "-c", script, CLIENT], { env: sb.env, cwd: sb.dir, stdout: "pipe", stderr: "pipe", timeout });
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    return { stdout, stderr, code: await proc.exited };
  }

  test("--status names the pump in use", async () => {
    const r = await sb.run(["--status"]);
    expect(r.stdout.split("\n")[0]).toStartWith(`client stdio: ${status}`);
    expect(r.code).toBe(0);
  });

  test("64 MiB of binary stdout and 8 MiB of stderr arrive byte-exact", async () => {
    const code = `${GEN(7, 64, "write_stdout")}; ${GEN(99, 8, "write_stderr")}`;
    const proc = Bun.spawn([CLIENT, "-e", code], { env: sb.env, cwd: sb.dir, stdout: "pipe", stderr: "pipe", timeout: 60_000 });
    const [out, err] = await Promise.all([hashStream(proc.stdout), hashStream(proc.stderr)]);
    expect(out.bytes).toBe(64 * MiB);
    expect(err.bytes).toBe(8 * MiB);
    expect(out.hash).toBe(expectedHash(7, 64));
    expect(err.hash).toBe(expectedHash(99, 8));
    expect(await proc.exited).toBe(0);
  }, 60_000);

  test("stdout into a file (> file) is byte-exact", async () => {
    const r = await bash(`"$0" -e '${GEN(3, 8, "write_stdout")}' > out.bin`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(new Bun.CryptoHasher("sha256").update(readFileSync(`${sb.dir}/out.bin`)).digest("hex")).toBe(expectedHash(3, 8));
  });

  test(">> file appends after what was there (splice refuses O_APPEND: EINVAL)", async () => {
    writeFileSync(`${sb.dir}/log.txt`, "before\n");
    const r = await bash(`"$0" -e 'for (let i = 0; i < 20000; i++) println("line ", i)' >> log.txt`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = readFileSync(`${sb.dir}/log.txt`, "utf8").split("\n");
    expect(lines.length).toBe(20002);
    expect(lines[0]).toBe("before");
    expect(lines[20000]).toBe("line 19999");
  });

  test("a partial last line comes out as is", async () => {
    const r = await sb.run(["-e", 'print("no newline"); write_stderr("half")']);
    expect(r.stdout).toBe("no newline");
    expect(r.stderr).toBe("half");
    expect(r.code).toBe(0);
  });

  test("2>&1 into one pipe keeps write order", async () => {
    const r = await bash(`"$0" -e 'for (let i = 0; i < 300; i++) { println("o", i); write_stderr("e" + i + "\\n") }' 2>&1 | cat`);
    const want = Array.from({ length: 300 }, (_, i) => `o${i}\ne${i}\n`).join("");
    expect(r.stdout).toBe(want);
    expect(r.code).toBe(0);
  });

  test("stdin from a pipe, a file, /dev/null and a closed fd 0", async () => {
    const text = Array.from({ length: 5000 }, (_, i) => `row ${i}`).join("\n") + "\n";
    writeFileSync(`${sb.dir}/in.txt`, text);
    const prog = 'const s = await read_all_stdin(); println(s.length, " ", s.split("\\n").length)';
    const want = `${text.length} 5001\n`;
    expect((await sb.run(["-e", prog], { stdin: text })).stdout).toBe(want);
    expect((await bash(`"$0" -e '${prog}' < in.txt`)).stdout).toBe(want);
    expect((await bash(`"$0" -e '${prog}' < /dev/null`)).stdout).toBe("0 1\n");
    const closed = await bash(`exec 0<&-; "$0" -e '${prog}'`);
    expect(closed.stdout).toBe("0 1\n");
    expect(closed.code).toBe(0);
  });

  test("stdin far larger than the socket buffer while output flows back: no deadlock", async () => {
    const line = "x".repeat(4095);
    const input = Array.from({ length: 4096 }, () => line).join("\n") + "\n"; // 16 MiB
    const prog = "let n = 0; for (;;) { const l = await readline(); if (l === \"\") break; println(l.toUpperCase()); n += l.length + 1 } write_stderr(n + \"\\n\")";
    const r = await sb.run(["-e", prog], { stdin: input, timeoutMs: 60_000 });
    expect(r.stderr).toBe(`${input.length}\n`);
    expect(r.stdout.length).toBe(input.length);
    expect(r.stdout).toBe(input.toUpperCase());
    expect(r.code).toBe(0);
  }, 60_000);

  test("| head -1: the run exits 1 with julia's EPIPE error; the worker survives", async () => {
    const pid = (await sb.run(["-e", "println(getpid())"])).stdout;
    const r = await bash(`"$0" -e 'for (let i = 0; i < 1000000; i++) { println(i); if (i % 100 === 0) await sleep(0) }' | head -1; echo "\${PIPESTATUS[@]}" >&2`);
    expect(r.stdout).toBe("0\n");
    expect(r.stderr).toBe("ERROR: IOError: write: broken pipe (EPIPE)\n1 0\n");
    expect((await sb.run(["-e", "println(getpid())"])).stdout).toBe(pid);
  });

  test("SIGINT during a long run: InterruptException, exit 1, output before it intact", async () => {
    await using live = sb.spawn(["-e", 'println("started"); for (;;) { write_stdout("."); await sleep(0.001) }']);
    expect(await live.line()).toBe("started");
    live.kill("SIGINT");
    const r = await live.result();
    expect(r.stdout).toMatch(/^started\n\.*$/);
    expect(r.stderr).toStartWith("ERROR: InterruptException");
    expect(r.code).toBe(1);
  });

  test("SIGTERM during a run: the client dies by SIGTERM", async () => {
    await using live = sb.spawn(["-e", 'println("started"); await sleep(30)']);
    expect(await live.line()).toBe("started");
    live.kill("SIGTERM");
    const r = await live.result();
    expect(r.signal).toBe("SIGTERM");
  });

  test("worker killed mid-stream: the client exits 71 promptly", async () => {
    await using live = sb.spawn(["-e", 'println(getpid()); for (;;) { write_stdout("y".repeat(65536)); await sleep(0) }'], { timeoutMs: 15_000 });
    const pid = Number(await live.line());
    process.kill(pid, "SIGKILL");
    const t0 = Date.now();
    const r = await live.result();
    expect(r.code).toBe(71);
    expect(r.stderr).toContain("juliaclient: error: ");
    expect(Date.now() - t0).toBeLessThan(5000);
    // The client sees the socket close while the kernel is still tearing the
    // process down (fds go before it turns zombie): wait for both ends.
    await waitFor(() => !alive(pid), 5000, `the killed worker ${pid} to be gone`);
    // The conductor drops it with its run; a stop begun before that would wait out its drain timeout.
    await waitFor(async () => !(await sb.workerPids()).includes(pid), 5000, `the conductor to drop the killed worker ${pid}`);
  });
});
