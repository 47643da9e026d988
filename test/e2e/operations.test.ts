// Running the conductor for months: start/stop/restart, a graceful stop with
// a run in flight, stale files after kill -9, config precedence as the
// command shows it, logs, systemd units (verified, and socket activation as
// systemd does it), install/uninstall.

import { describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { alive, CONDUCTOR, ROOT, Sandbox, waitFor } from "./harness.ts";

async function conductor(sb: Sandbox, args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([CONDUCTOR, ...args], { env: { ...sb.env, ...env }, stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { stdout, stderr, code: await proc.exited };
}

describe("start / stop / restart", () => {
  test("start, a second start is refused, stop waits until it is gone", async () => {
    await using sb = new Sandbox();
    const a = await conductor(sb, ["start"]);
    expect(a.stdout).toStartWith("juliaconductor: started (pid ");
    expect(a.code).toBe(0);
    const pid = sb.conductorPid()!;
    expect(alive(pid)).toBe(true);
    const b = await conductor(sb, ["start"]);
    expect(b.stderr).toStartWith(`juliaconductor: error: a conductor (pid ${pid}) is already running on ${sb.runtime}/conductor.sock\n`);
    expect(b.code).toBe(75);
    const c = await conductor(sb, ["stop"]);
    expect(c.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(`${sb.runtime}/conductor.sock`)).toBe(false);
    expect(existsSync(`${sb.runtime}/conductor.pid`)).toBe(false);
  });

  test("a graceful stop lets the run in flight finish with its exact output and exit code", async () => {
    await using sb = new Sandbox();
    await using live = sb.spawn(["-e", 'println("started"); await sleep(0.5); println("finished"); exit(7)']);
    expect(await live.line()).toBe("started");
    const stop = conductor(sb, ["stop"]);
    const r = await live.result();
    expect(r.stdout).toBe("started\nfinished\n");
    expect(r.code).toBe(7);
    expect((await stop).code).toBe(0);
  });

  test("after kill -9 the stale socket and pid file are cleaned up by the next start", async () => {
    await using sb = new Sandbox();
    expect((await sb.run(["-e", "println(1)"])).code).toBe(0);
    const pid = sb.conductorPid()!;
    process.kill(pid, "SIGKILL");
    await waitFor(() => !alive(pid), 5000, "the conductor to die");
    expect(existsSync(`${sb.runtime}/conductor.sock`)).toBe(true);
    const r = await sb.run(["-e", "println(2)"]);
    expect(r.stdout).toBe("2\n");
    expect(r.code).toBe(0);
    expect(sb.conductorPid()).not.toBe(pid);
  });

  test("restart replaces the conductor", async () => {
    await using sb = new Sandbox();
    expect((await conductor(sb, ["start"])).code).toBe(0);
    const pid = sb.conductorPid()!;
    const r = await conductor(sb, ["restart"]);
    expect(r.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(sb.conductorPid()).not.toBe(pid);
    expect((await sb.run(["-e", "println(3)"])).stdout).toBe("3\n");
  });
});

describe("configuration", () => {
  test("a relative JULIA_DAEMON_WORKER_EXECUTABLE is relative to where the conductor was started from", async () => {
    await using sb = new Sandbox({ JULIA_DAEMON_WORKER_EXECUTABLE: "fixtures/worker-double/julia" });
    const r = await sb.run(["-e", 'println("relative ok")'], { cwd: ROOT });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("relative ok\n");
    expect(r.code).toBe(0);
  });

  test("`config` shows each value and where it came from", async () => {
    await using sb = new Sandbox();
    mkdirSync(`${sb.dir}/cfg/julia-daemon`, { recursive: true });
    writeFileSync(`${sb.dir}/cfg/julia-daemon/config.toml`, "worker_maxclients = 2\nreply_timeout = 9\n");
    const r = await conductor(sb, ["config", "--reply-timeout=11"], { XDG_CONFIG_HOME: `${sb.dir}/cfg`, JULIA_DAEMON_DEBUG: "1" });
    expect(r.code).toBe(0);
    const line = (name: string) => r.stdout.split("\n").find((l) => l.startsWith(name + " "))!.split(/\s{2,}/);
    expect(line("JULIA_DAEMON_WORKER_MAXCLIENTS")).toEqual(["JULIA_DAEMON_WORKER_MAXCLIENTS", "2", `file ${sb.dir}/cfg/julia-daemon/config.toml`]);
    expect(line("JULIA_DAEMON_REPLY_TIMEOUT")).toEqual(["JULIA_DAEMON_REPLY_TIMEOUT", "11", "flag --reply-timeout"]);
    expect(line("JULIA_DAEMON_DEBUG")).toEqual(["JULIA_DAEMON_DEBUG", "1", "environment JULIA_DAEMON_DEBUG"]);
    expect(line("JULIA_DAEMON_START_TIMEOUT")).toEqual(["JULIA_DAEMON_START_TIMEOUT", "600", "default"]);
  });

  test("an invalid value stops the conductor from starting, naming its source and range", async () => {
    await using sb = new Sandbox({ JULIA_DAEMON_WORKER_MAXCLIENTS: "lots" });
    const r = await sb.run(["-e", "println(1)"]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'juliaclient: error: JULIA_DAEMON_WORKER_MAXCLIENTS="lots" is invalid (from environment JULIA_DAEMON_WORKER_MAXCLIENTS): expected an integer from 0 to 65536\n' +
        "juliaclient: hint: fix it there, or remove it to use the default\n",
    );
    expect(r.code).toBe(78);
    const s = await conductor(sb, ["start"]);
    expect(s.stderr).toStartWith('juliaconductor: error: JULIA_DAEMON_WORKER_MAXCLIENTS="lots" is invalid');
    expect(s.code).toBe(78);
    expect(sb.conductors()).toEqual([]);
  });
});

describe("metrics", () => {
  test("counters move as runs happen and survive a restart", async () => {
    await using sb = new Sandbox();
    sb.env.JULIA_DAEMON_STATE_DIR = `${sb.dir}/state`;
    for (let i = 0; i < 3; i++) expect((await sb.run(["-e", "println(1)"])).code).toBe(0);
    expect((await sb.run(["-e", 'error("x")'])).code).toBe(1);
    const m = await conductor(sb, ["metrics"]);
    expect(m.code).toBe(0);
    const value = (series: string) => Number(m.stdout.split("\n").find((l) => l.startsWith(series + " "))?.split(" ")[1]);
    expect(value('julia_daemon_runs_total{project="@default"}')).toBe(4);
    expect(value("julia_daemon_cold_starts_total")).toBe(1);
    expect(value("julia_daemon_warm_runs_total")).toBe(3);
    expect(m.stdout).toContain("# TYPE julia_daemon_runs_total counter\n");
    expect((await conductor(sb, ["restart"])).code).toBe(0);
    expect((await sb.run(["-e", "println(1)"])).code).toBe(0);
    const after = await conductor(sb, ["metrics"]);
    expect(after.stdout).toContain('julia_daemon_runs_total{project="@default"} 5\n');
  });
});

describe("logs", () => {
  test("the background conductor logs to the state dir and `logs` prints the end", async () => {
    await using sb = new Sandbox({ JULIA_DAEMON_STATE_DIR: "" });
    sb.env.JULIA_DAEMON_STATE_DIR = `${sb.dir}/state`;
    expect((await sb.run(["-e", "println(1)"])).code).toBe(0);
    const r = await conductor(sb, ["logs", "-n", "3"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean).length).toBeLessThanOrEqual(3);
    expect(readFileSync(`${sb.dir}/state/conductor.log`, "utf8")).toContain(`listening on ${sb.runtime}/conductor.sock`);
    expect((lstatSync(`${sb.dir}/state`).mode & 0o777).toString(8)).toBe("700");
  });
});

describe("systemd", () => {
  test("the rendered units pass systemd-analyze verify", async () => {
    if (!Bun.which("systemd-analyze")) throw new Error("systemd-analyze missing: .ci/run installs the systemd package");
    await using sb = new Sandbox();
    const home = `${sb.dir}/home`;
    mkdirSync(`${home}/.local/bin`, { recursive: true });
    const r = await conductor(sb, ["install"], { HOME: home, XDG_CONFIG_HOME: `${home}/.config`, PATH: "/usr/bin:/bin" });
    expect(r.code).toBe(0);
    const unitDir = `${home}/.config/systemd/user`;
    expect(readFileSync(`${unitDir}/julia-daemon.service`, "utf8")).toContain(`ExecStart=${CONDUCTOR} serve --foreground`);
    expect(readlinkSync(`${home}/.local/bin/juliaclient`)).toBe(`${ROOT}/dist/juliaclient`);
    const rt = `${sb.dir}/xdg-rt`;
    mkdirSync(rt, { mode: 0o700 });
    const v = Bun.spawnSync(["systemd-analyze", "verify", "--user", `${unitDir}/julia-daemon.socket`, `${unitDir}/julia-daemon.service`], { env: { ...sb.env, HOME: home, XDG_RUNTIME_DIR: rt, XDG_CONFIG_HOME: `${home}/.config` }, stderr: "pipe" });
    expect(new TextDecoder().decode(v.stderr)).toBe("");
    expect(v.exitCode).toBe(0);
    const u = await conductor(sb, ["uninstall"], { HOME: home, XDG_CONFIG_HOME: `${home}/.config`, PATH: "/usr/bin:/bin" });
    expect(u.code).toBe(0);
    expect(existsSync(`${unitDir}/julia-daemon.service`)).toBe(false);
    expect(existsSync(`${home}/.local/bin/juliaclient`)).toBe(false);
  });

  test("socket activation: the conductor serves on a listening fd handed over as systemd does", async () => {
    await using sb = new Sandbox();
    mkdirSync(sb.runtime, { mode: 0o700 });
    const sock = `${sb.runtime}/conductor.sock`;
    // python binds and listens, moves the socket to fd 3, sets LISTEN_PID to its own pid, then execs the conductor.
    const py = `import os,socket,sys\ns=socket.socket(socket.AF_UNIX);os.umask(0o177);s.bind(${JSON.stringify(sock)});s.listen(64)\nos.dup2(s.fileno(),3);os.set_inheritable(3,True)\nos.environ["LISTEN_FDS"]="1";os.environ["LISTEN_PID"]=str(os.getpid())\nos.execv(${JSON.stringify(CONDUCTOR)},[${JSON.stringify(CONDUCTOR)},"serve","--foreground"])`;
    const proc = Bun.spawn(["python3", "-c", py], { env: sb.env, stdout: "ignore", stderr: "pipe" });
    const err = proc.stderr.getReader();
    let seen = "";
    while (!seen.includes("socket from systemd")) {
      const c = await err.read();
      if (c.done) throw new Error(`conductor ended: ${seen}`);
      seen += new TextDecoder().decode(c.value);
    }
    const r = await sb.run(["-e", "println(getpid())"], { env: { JULIA_DAEMON_NO_AUTOSTART: "1" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });
});
