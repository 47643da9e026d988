// Conductor and worker start-up: the first client autostarts the conductor
// and racing clients end up with exactly one; a worker executable that is
// missing or fails at start gives exit 70 with a useful message while the
// conductor keeps serving; and the exact argv a worker is started with.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { alive, CONDUCTOR, Sandbox } from "./harness.ts";

describe("autostart", () => {
  test("the first client starts the conductor", async () => {
    await using sb = new Sandbox();
    expect(existsSync(`${sb.runtime}/conductor.pid`)).toBe(false);
    const r = await sb.run(["-e", 'println("up")']);
    expect(r.stdout).toBe("up\n");
    expect(r.code).toBe(0);
    const pid = sb.conductorPid();
    expect(pid).not.toBeNull();
    expect(alive(pid!)).toBe(true);
    expect(sb.conductors()).toEqual([pid!]);
  });

  test.each([2, 4])("%d clients racing to start it all succeed; exactly one conductor exists", async (n) => {
    await using sb = new Sandbox();
    const rs = await Promise.all(Array.from({ length: n }, (_, i) => sb.run(["-e", `println("client ${i}")`])));
    rs.forEach((r, i) => expect(r.stdout).toBe(`client ${i}\n`));
    expect(rs.map((r) => r.code)).toEqual(rs.map(() => 0));
    const pid = sb.conductorPid();
    expect(pid).not.toBeNull();
    expect(sb.conductors()).toEqual([pid!]);
  });
});

describe("worker start failures", () => {
  test("a missing executable: exit 70, names it, gives a hint; the conductor still answers", async () => {
    await using sb = new Sandbox({ JULIA_DAEMON_WORKER_EXECUTABLE: "/nonexistent/julia" });
    const r = await sb.run(["-e", 'println("never")']);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toStartWith("juliaclient: error: ");
    expect(lines[0]).toContain("/nonexistent/julia");
    expect(lines.filter((l) => l.startsWith("juliaclient: hint: ")).length).toBe(1);
    expect(r.code).toBe(70);

    const pid = sb.conductorPid();
    expect(pid).not.toBeNull();
    const status = await sb.run(["--status"]);
    expect(status.stdout).toContain(`juliaconductor (pid ${pid})`);
    expect(status.code).toBe(0);
    const t0 = Date.now();
    const again = await sb.run(["-e", 'println("never")']);
    expect(again.stderr).toContain("/nonexistent/julia");
    expect(again.code).toBe(70);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(sb.conductorPid()).toBe(pid);
  });

  test("a worker that fails at start: exit 70 and its stderr is shown; the conductor still answers", async () => {
    await using sb = new Sandbox({ JULIA_DOUBLE_FAIL_START: "boom: cannot load the system image" });
    const r = await sb.run(["-e", 'println("never")']);
    expect(r.stdout).toBe("");
    expect(r.stderr).toStartWith("juliaclient: error: ");
    expect(r.stderr).toContain("boom: cannot load the system image");
    expect(r.code).toBe(70);
    const status = await sb.run(["--status"]);
    expect(status.stdout).toContain(`juliaconductor (pid ${sb.conductorPid()})`);
    expect(status.code).toBe(0);
    const again = await sb.run(["-e", 'println("never")']);
    expect(again.stderr).toContain("boom");
    expect(again.code).toBe(70);
  });
});

describe("the argv a worker receives", () => {
  const argvOf = (log: string) => readFileSync(log, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { argv: string[] }).argv);

  test("default worker args, then --threads, then process switches, then entry and socket", async () => {
    await using sb = new Sandbox();
    const log = `${sb.dir}/argv.log`;
    sb.env.JULIA_DOUBLE_ARGV_LOG = log;
    const r = await sb.run(["-t", "3", "--startup-file=yes", "-O1", "-e", "println(nthreads())"]);
    expect(r.stdout).toBe("3\n");
    expect(r.code).toBe(0);
    const [argv] = argvOf(log);
    expect(argv!.slice(0, 4)).toEqual(["--startup-file=no", "--threads=3", "--startup-file=yes", "--optimize=1"]);
    expect(argv!.length).toBe(6);
    expect(argv![4]).toMatch(/^\/.*\/main\.jl$/);
    expect(argv![5]).toBe(`${sb.runtime}/conductor.sock`);

    const channel = await sb.run(["+1.10", "-e", "println(1)"]);
    expect(channel.stdout).toBe("1\n");
    expect(channel.code).toBe(0);
    const second = argvOf(log)[1]!;
    expect(second[0]).toBe("+1.10");
    expect(second.slice(1, 2)).toEqual(["--startup-file=no"]);
    expect(second.at(-1)).toBe(`${sb.runtime}/conductor.sock`);
  });

  test("JULIA_DAEMON_WORKER_ARGS is split into words", async () => {
    await using sb = new Sandbox({ JULIA_DAEMON_WORKER_ARGS: "--startup-file=no  --foo" });
    const log = `${sb.dir}/argv.log`;
    sb.env.JULIA_DOUBLE_ARGV_LOG = log;
    const r = await sb.run(["-e", "println(1)"]);
    expect(r.stdout).toBe("1\n");
    expect(r.code).toBe(0);
    const [argv] = argvOf(log);
    expect(argv!.slice(0, 2)).toEqual(["--startup-file=no", "--foo"]);
    expect(argv!.length).toBe(4);
  });
});

describe("juliaconductor's own command line", () => {
  // citty's "Unknown command" reaches main as a non-DaemonError: it is printed as an internal
  // error ("this is a bug in julia-daemon") with colour escapes even into a pipe.
  test("an unknown command is a usage error, not an internal error", async () => {
    await using sb = new Sandbox();
    const proc = Bun.spawn([CONDUCTOR, "frobnicate"], { env: sb.env, stdout: "pipe", stderr: "pipe", timeout: 5000 });
    const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    expect(out).toBe("");
    expect(err).toContain("frobnicate");
    expect(err).not.toContain("internal error");
    expect(err).not.toContain("\x1b[");
    expect(await proc.exited).not.toBe(0);
    expect(sb.conductors()).toEqual([]);
  });
});
