// Things going wrong around a run: the worker killed mid-run (exit 71, one
// error line, a fresh worker next time), a reader that goes away (EPIPE ends
// the run like julia, the worker survives), and clients started with fd 0,
// 1 or 2 closed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { alive, CLIENT, CONDUCTOR, Sandbox, waitFor } from "./harness.ts";

let sb: Sandbox;
beforeAll(() => {
  sb = new Sandbox();
});
afterAll(async () => {
  await sb.stop();
});

async function workerPid(): Promise<number> {
  const r = await sb.run(["-e", "println(getpid())"]);
  expect(r.stdout).toMatch(/^\d+\n$/);
  expect(r.code).toBe(0);
  return Number(r.stdout);
}

/** Runs `script` under bash with the client as $0; returns bash's stdout and stderr. */
async function bash(script: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const proc = Bun.spawn(["bash", "-c", script, CLIENT], { env: sb.env, cwd: sb.dir, stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { stdout, stderr, code: await proc.exited };
}

describe("worker death", () => {
  test("kill -9 of the worker mid-run: exit 71, one error line; the next run gets a fresh worker", async () => {
    await using live = sb.spawn(["-e", "println(getpid()); await sleep(30)"]);
    const pid = Number(await live.line());
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, "SIGKILL");
    const r = await live.result();
    expect(r.stdout).toBe(`${pid}\n`);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toStartWith("juliaclient: error: ");
    expect(lines.filter((l) => l.startsWith("juliaclient: error:")).length).toBe(1);
    expect(lines.slice(1).every((l) => l.startsWith("juliaclient: hint: "))).toBe(true);
    expect(r.code).toBe(71);

    // At once, as a user would: the conductor must not route to the dead worker.
    const next = await sb.run(["-e", 'println(getpid(), " ok")']);
    expect(next.stdout).toMatch(/^\d+ ok\n$/);
    expect(next.stdout).not.toBe(`${pid} ok\n`);
    expect(next.stderr).toBe("");
    expect(next.code).toBe(0);
    await waitFor(() => !alive(pid), 5000, "the killed worker to be gone");
  });

  // The hint says "`juliaconductor logs` shows its last output", but the conductor has no `logs`
  // command: it answers "internal error: Unknown command logs ... this is a bug".
  test("every juliaconductor command the error's hint names exists", async () => {
    await using live = sb.spawn(["-e", "println(getpid()); await sleep(30)"]);
    process.kill(Number(await live.line()), "SIGKILL");
    const r = await live.result();
    expect(r.code).toBe(71);
    const commands = [...r.stderr.matchAll(/`juliaconductor (\w+)/g)].map((m) => m[1]!);
    for (const cmd of commands) {
      const proc = Bun.spawn([CONDUCTOR, cmd], { env: sb.env, stdout: "pipe", stderr: "pipe", timeout: 5000 });
      const err = await new Response(proc.stderr).text();
      expect({ cmd, err }).toEqual({ cmd, err: expect.not.stringContaining("nknown command") });
      expect(await proc.exited).toBe(0);
    }
  });
});

describe("EPIPE", () => {
  // The loop yields now and then, as julia's blocking socket writes do, so the worker sees the broken pipe.
  const LOOP = "for (let i = 0; i < 100000; i++) { println(i); if (i % 100 === 0) await sleep(0) }";

  test("juliaclient ... | head -1: head prints 0, the client exits 1, the worker survives", async () => {
    const before = await workerPid();
    const status = `${sb.dir}/pipestatus`;
    const r = await bash(`"$0" -e '${LOOP}' | head -1; echo "\${PIPESTATUS[@]}" > ${status}`);
    expect(r.stdout).toBe("0\n");
    expect(r.stderr).toBe("ERROR: IOError: write: broken pipe (EPIPE)\n");
    expect(readFileSync(status, "utf8")).toBe("1 0\n");
    expect(await workerPid()).toBe(before);
  });
});

describe("closed stdio", () => {
  test("fd 0 closed: stdin reads as empty, output is exact", async () => {
    const r = await bash(`exec 0<&-; "$0" -e 'println("read ", (await read_all_stdin()).length, " bytes")'`);
    expect(r.stdout).toBe("read 0 bytes\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("fd 1 closed, fd 2 open: stderr is exact and nothing crashes", async () => {
    const r = await bash(`exec 1>&-; "$0" -e 'write_stderr("to err\\n"); println("to nowhere"); write_stderr("still here\\n")'`);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("to err\nstill here\n");
    expect(r.code).toBe(0);
  });

  test("fd 2 closed, fd 1 open: stdout is exact and nothing crashes", async () => {
    const r = await bash(`exec 2>&-; "$0" -e 'println("to out"); write_stderr("to nowhere\\n"); println("more")'`);
    expect(r.stdout).toBe("to out\nmore\n");
    expect(r.code).toBe(0);
  });

  test("the worker is still the same after all that", async () => {
    const a = await workerPid();
    expect(await workerPid()).toBe(a);
  });
});
