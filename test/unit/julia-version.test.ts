// The version-dependent pieces of a worker's start: parsing `julia
// --version`, the thread spec per julia version, the start-failure and
// too-old messages, and the version cache over a fake probe (no processes).

import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/conductor/config.ts";
import { setLogSink } from "../../src/conductor/log.ts";
import { atLeast, MIN_JULIA, parseJuliaVersion, supported, versionArgv } from "../../src/conductor/pool/julia-version.ts";
import { workerShape } from "../../src/conductor/pool/key.ts";
import { shellWord, spawnArgv, startFailure, threadsArg, threadsShown, tooOld } from "../../src/conductor/pool/spawn.ts";
import { JuliaVersions, type ProbeResult, type VersionProbe } from "../../src/conductor/pool/versions.ts";
import { parseJuliaArgs } from "../../src/shared/args/index.ts";

setLogSink(() => {});

const shape = (argv: string[], env: Record<string, string> = {}) => workerShape(parseJuliaArgs([...argv, "-e", "1"]), "", env);

describe("julia --version", () => {
  test("parsed from julia's own line, pre-releases included", () => {
    expect(parseJuliaVersion("julia version 1.5.3\n")).toBe("1.5.3");
    expect(parseJuliaVersion("julia version 1.12.0-DEV.1234\n")).toBe("1.12.0-DEV.1234");
    expect(parseJuliaVersion("julia version 1.10.0-rc2")).toBe("1.10.0-rc2");
    expect(parseJuliaVersion("Usage: julia [switches]\n")).toBeNull();
    expect(parseJuliaVersion("")).toBeNull();
  });
  test("compared numerically; a pre-release of 1.9 counts as 1.9", () => {
    expect(atLeast("1.10.0", "1.9")).toBe(true);
    expect(atLeast("1.9.0-rc1", "1.9")).toBe(true);
    expect(atLeast("1.8.5", "1.9")).toBe(false);
    expect(MIN_JULIA).toBe("1.5");
    expect(supported("1.5.0")).toBe(true);
    expect(supported("1.4.2")).toBe(false);
    expect(supported("2.0.0")).toBe(true);
  });
  test("the probe's argv: the channel, no start-up file", () => {
    expect(versionArgv("/opt/julia", null)).toEqual(["/opt/julia", "--startup-file=no", "--version"]);
    expect(versionArgv("julia", "1.10")).toEqual(["julia", "+1.10", "--startup-file=no", "--version"]);
  });
});

describe("the thread spec", () => {
  test("the client's -t as given, else no switch (julia reads JULIA_NUM_THREADS itself), on every version", () => {
    expect(threadsArg(shape([]))).toBeNull();
    expect(threadsArg(shape(["-t", "4"]))).toBe("4");
    expect(threadsArg(shape(["-t", "auto"]))).toBe("auto");
    expect(threadsArg(shape(["-t", "4,1"]))).toBe("4,1"); // fails in a 1.5 worker as in plain julia 1.5
    expect(threadsArg(shape([], { JULIA_NUM_THREADS: "4,1" }))).toBeNull();
  });
  test("the argv carries it, or no --threads at all", () => {
    const config = loadConfig({ JULIA_DAEMON_RUNTIME: "/tmp/jd" }, 1000, { readFile: () => null });
    expect(spawnArgv(config, shape(["-t", "2"]), "/e/main.jl")).toEqual(["julia", "--startup-file=no", "--threads=2", "/e/main.jl", "/tmp/jd/conductor.sock"]);
    expect(spawnArgv(config, shape([]), "/e/main.jl")).toEqual(["julia", "--startup-file=no", "/e/main.jl", "/tmp/jd/conductor.sock"]);
  });
  test("status shows what the worker runs with", () => {
    expect(threadsShown(shape([]), "1,1")).toBe("1,1");
    expect(threadsShown(shape([], { JULIA_NUM_THREADS: "3" }), null)).toBe("3");
    expect(threadsShown(shape([]), null)).toBe("1");
  });
});

describe("start failures", () => {
  const argv = ["julia", "--threads=1,1", "/e/main.jl", "/run/my dir/conductor.sock"];
  test("name the version found, the minimum, the command line and the log", () => {
    const e = startFailure({ argv, logFile: "/s/worker-logs/ab.log", julia: { version: "1.5.3", problem: null, stamp: "x" } }, "it exited (exit code 1) before connecting", "ERROR: julia: -t,--threads=<n> must be an integer >= 1\n");
    expect(e.code).toBe("WORKER_START_FAILED");
    expect(e.exitCode).toBe(70);
    expect(e.message).toBe(
      "could not start a worker: it exited (exit code 1) before connecting — stderr: ERROR: julia: -t,--threads=<n> must be an integer >= 1; " +
        "julia 1.5.3 (julia-daemon supports 1.5 and later); command: julia --threads=1,1 /e/main.jl '/run/my dir/conductor.sock'; log: /s/worker-logs/ab.log",
    );
    expect(e.message).not.toContain("\n");
  });
  test("an unknown version says so, with why", () => {
    const e = startFailure({ argv, logFile: "/l", julia: { version: null, problem: "`julia --startup-file=no --version` exited with code 3", stamp: "x" } }, "it exited (exit code 1) before connecting", "");
    expect(e.message).toContain("julia version unknown (`julia --startup-file=no --version` exited with code 3; julia-daemon supports 1.5 and later)");
  });
  test("a missing executable: the install hint, no log", () => {
    const e = startFailure({ argv: ["/nonexistent/julia", "/e", "/s"], logFile: null, julia: { version: null, problem: "`/nonexistent/julia` was not found", stamp: null } }, "ENOENT: no such file or directory, posix_spawn '/nonexistent/julia'", "");
    expect(e.message).toBe("could not start a worker: ENOENT: no such file or directory, posix_spawn '/nonexistent/julia'; command: /nonexistent/julia /e /s");
    expect(e.hint).toContain("JULIA_DAEMON_WORKER_EXECUTABLE");
  });
  test("too old: one line and a hint, exit code 70", () => {
    const config = loadConfig({ JULIA_DAEMON_RUNTIME: "/tmp/jd" }, 1000, { readFile: () => null });
    const e = tooOld(config, null, "1.4.2");
    expect(e.message).toBe("`julia` is julia 1.4.2, older than 1.5, the oldest julia-daemon supports");
    expect(e.hint).toBe("install julia 1.5 or newer (e.g. with juliaup) or set JULIA_DAEMON_WORKER_EXECUTABLE to one");
    expect(e.exitCode).toBe(70);
    expect(tooOld(config, "1.4", "1.4.2").message).toStartWith("`julia +1.4` is julia 1.4.2");
  });
  test("shell quoting of the command line", () => {
    expect(["a", "--x=1,2", "+1.10", "it's", "", "a b"].map(shellWord)).toEqual(["a", "--x=1,2", "+1.10", `'it'\\''s'`, "''", "'a b'"]);
  });
});

/** A probe over a fake file system: mtimes by path, answers by argv. */
function fakeProbe(answer: (argv: string[]) => ProbeResult | Error) {
  const mtimes = new Map<string, number>([["/bin/julia", 1]]);
  const runs: string[][] = [];
  const gates: (() => void)[] = [];
  let hold = false;
  const probe: VersionProbe = {
    locate: (exe) => {
      const path = exe.includes("/") ? exe : `/bin/${exe}`;
      const m = mtimes.get(path);
      return m === undefined ? null : { path, mtimeMs: m };
    },
    run: async (argv) => {
      runs.push(argv);
      if (hold) await new Promise<void>((r) => gates.push(r));
      const a = answer(argv);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return { probe, mtimes, runs, hold: (on: boolean) => void (hold = on), release: () => gates.splice(0).forEach((f) => f()) };
}

const says = (v: string): ProbeResult => ({ code: 0, stdout: `julia version ${v}\n`, stderr: "" });

describe("the version cache", () => {
  test("one probe per executable, mtime and channel; concurrent starts share it", async () => {
    const f = fakeProbe((argv) => says(argv.includes("+1.10") ? "1.10.9" : "1.11.7"));
    const v = new JuliaVersions(f.probe);
    expect(v.cached("julia", null)).toBeNull();
    f.hold(true);
    const [a, b] = [v.learn("julia", null), v.learn("julia", null)];
    f.release();
    expect((await a).version).toBe("1.11.7");
    expect((await b).version).toBe("1.11.7");
    expect(f.runs).toEqual([["/bin/julia", "--startup-file=no", "--version"]]);
    expect(v.cached("julia", null)?.version).toBe("1.11.7");
    f.hold(false);
    expect((await v.learn("julia", "1.10")).version).toBe("1.10.9");
    expect(v.cached("julia", "1.10")?.version).toBe("1.10.9");
    expect(f.runs.length).toBe(2);
    f.mtimes.set("/bin/julia", 2); // reinstalled
    expect(v.cached("julia", null)).toBeNull();
    await v.learn("julia", null);
    expect(f.runs.length).toBe(3);
  });

  test("forget drops an entry; failures are never cached", async () => {
    let fail = true;
    const f = fakeProbe(() => (fail ? { code: 1, stdout: "", stderr: "ERROR: could not load library\n" } : says("1.5.3")));
    const v = new JuliaVersions(f.probe);
    const bad = await v.learn("julia", null);
    expect(bad.version).toBeNull();
    expect(bad.problem).toBe("`/bin/julia --startup-file=no --version` exited with code 1: ERROR: could not load library");
    expect(v.cached("julia", null)).toBeNull();
    fail = false;
    const good = await v.learn("julia", null);
    expect(good.version).toBe("1.5.3");
    v.forget(good.stamp, "test");
    expect(v.cached("julia", null)).toBeNull();
  });

  test("not found, cannot run, no version in the output", async () => {
    const v = new JuliaVersions(fakeProbe(() => new Error("ENOENT")).probe);
    expect(await v.learn("/opt/none/julia", null)).toEqual({ version: null, problem: "`/opt/none/julia` was not found", stamp: null });
    expect((await v.learn("julia", null)).problem).toBe("`/bin/julia --startup-file=no --version` failed: ENOENT");
    const quiet = new JuliaVersions(fakeProbe(() => ({ code: 0, stdout: "hello\n", stderr: "" })).probe);
    expect((await quiet.learn("julia", null)).problem).toBe("`/bin/julia --startup-file=no --version` printed no julia version: hello");
  });
});
