// Restarts keep warm workers: after the conductor is killed with -9, or
// replaced by `juliaconductor restart`, its workers re-register (id + secret
// checked against the persisted registry) and keep serving with their
// session state; a run in flight during the crash completes exactly. With the
// double and with real julia as the worker (lang.ts).

import { expect } from "bun:test";
import { encodeHello, Registration } from "../../src/shared/protocol/index.ts";
import { alive, CONDUCTOR, preamble, RawPeer, Sandbox, waitFor } from "./harness.ts";
import { eachLang, type Lang } from "./lang.ts";

function stateSandbox(lang: Lang): Sandbox {
  const sb = new Sandbox({}, lang);
  sb.env.JULIA_DAEMON_STATE_DIR = `${sb.dir}/state`;
  return sb;
}

async function killConductor(sb: Sandbox): Promise<void> {
  const pid = sb.conductorPid()!;
  process.kill(pid, "SIGKILL");
  await waitFor(() => !alive(pid), 5000, "the conductor to die");
}

eachLang("re-registration", ({ lang, L, test }) => {
  test("kill -9 while idle: the same worker serves the next run, session state intact", async () => {
    await using sb = stateSandbox(lang);
    // The double logs every step: its output goes to a file, so it survives its conductor.
    if (lang === "double") sb.env.JULIA_DOUBLE_DEBUG = "1";
    const a = await sb.run(["--session=s", "-e", "x = 41; println(getpid())"]);
    expect(a.code).toBe(0);
    await killConductor(sb);
    const b = await sb.run(["--session=s", "-e", 'println(getpid(), " ", x + 1)']);
    expect({ stdout: b.stdout, stderr: b.stderr }).toEqual({ stdout: `${a.stdout.trim()} 42\n`, stderr: "" });
    expect(b.code).toBe(0);
  });

  test("kill -9 with a run in flight: the run completes with its exact output and exit code", async () => {
    await using sb = stateSandbox(lang);
    // The run goes on past the crash: it ends when it reads a line, sent once the conductor is dead.
    await using live = sb.spawn(["-e", L({ double: 'println(getpid()); await readline(); println("done"); exit(9)', julia: 'println(getpid()); readline(); println("done"); exit(9)' })], { stdin: "pipe" });
    const pid = await live.line();
    await killConductor(sb);
    live.write("go\n");
    const r = await live.result();
    expect(r.stdout).toBe(`${pid}\ndone\n`);
    expect(r.code).toBe(9);
    const next = await sb.run(["-e", "println(getpid())"]);
    expect(next.stdout).toBe(`${pid}\n`);
    expect(next.code).toBe(0);
  });

  test("`juliaconductor restart` hands the warm workers to the new conductor", async () => {
    await using sb = stateSandbox(lang);
    const a = await sb.run(["--session=t", "-e", "y = 1; println(getpid())"]);
    const old = sb.conductorPid()!;
    const proc = Bun.spawn([CONDUCTOR, "restart"], { env: sb.env, stdout: "pipe", stderr: "pipe" });
    expect(await proc.exited).toBe(0);
    expect(alive(old)).toBe(false);
    const b = await sb.run(["--session=t", "-e", 'println(getpid(), " ", y)']);
    expect(b.stdout).toBe(`${a.stdout.trim()} 1\n`);
    expect(b.code).toBe(0);
  });

  test("a worker presenting a wrong secret is refused", async () => {
    await using sb = stateSandbox(lang);
    expect((await sb.run(["-e", "println(1)"])).code).toBe(0);
    const peer = await RawPeer.connect(`${sb.runtime}/conductor.sock`);
    peer.write(preamble("JDwk"));
    peer.write(encodeHello({ registration: Registration.REREGISTER, workerId: "deadbeef0000", secret: "guess", pid: process.pid, juliaVersion: "1.11.7", capabilities: 1, runSocket: "/tmp/x.sock", activeRuns: 0 }));
    expect(await peer.closedWithin(5000)).toBe(true);
  });
});
