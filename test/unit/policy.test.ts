// Pure conductor policy: project resolution as julia does it, pool keys,
// worker argv/env, and worker selection — no processes, no file system.

import { describe, expect, test } from "bun:test";
import { parseJuliaArgs } from "../../src/shared/args/index.ts";
import { loadConfig, splitArgs } from "../../src/conductor/config.ts";
import { poolKey, workerShape } from "../../src/conductor/pool/key.ts";
import { findProject, resolveProject } from "../../src/conductor/pool/project.ts";
import { selectWorker, type WorkerView } from "../../src/conductor/pool/select.ts";
import { encodeSpawnEnv, spawnArgv, spawnEnv } from "../../src/conductor/pool/spawn.ts";

const files = new Set(["/home/u/proj/Project.toml", "/home/u/other/JuliaProject.toml", "/home/u/other/Project.toml"]);
const isFile = (p: string) => files.has(p);
const base = { clientEnv: { HOME: "/home/u" }, cwd: "/home/u/proj/src/deep", programFile: undefined, isFile };

describe("project resolution (julia's init_active_project)", () => {
  test.each([
    ["no --project, no JULIA_PROJECT: default environment", { option: undefined }, ""],
    ["bare --project walks up from the client's cwd", { option: "@." }, "/home/u/proj"],
    ["a project file names its directory", { option: "../../Project.toml" }, "/home/u/proj"],
    ["relative --project resolves against the client's cwd", { option: "../.." }, "/home/u/proj"],
    ["~ expands with the client's HOME", { option: "~/x" }, "/home/u/x"],
    ["named environment passes through", { option: "@v1.11" }, "@v1.11"],
    ["JULIA_PROJECT when no switch", { option: undefined, clientEnv: { JULIA_PROJECT: "/opt/p" } }, "/opt/p"],
    ["JULIA_PROJECT=@. walks up", { option: undefined, clientEnv: { JULIA_PROJECT: "@." } }, "/home/u/proj"],
    ["empty JULIA_PROJECT is the default environment", { option: undefined, clientEnv: { JULIA_PROJECT: "" } }, ""],
    ["the switch wins over JULIA_PROJECT", { option: "/a", clientEnv: { JULIA_PROJECT: "/b" } }, "/a"],
    ["@. with no project anywhere: default", { option: "@.", cwd: "/tmp/x" }, ""],
    ["@script walks up from the program file", { option: "@script", cwd: "/", programFile: "home/u/other/run.jl" }, "/home/u/other"],
  ] as const)("%s", (_name, over, expected) => {
    expect(resolveProject({ ...base, ...over } as Parameters<typeof resolveProject>[0])).toBe(expected);
  });

  test("JuliaProject.toml wins over Project.toml in the same directory", () => {
    expect(findProject("/home/u/other", isFile)).toBe("/home/u/other/JuliaProject.toml");
  });
});

describe("pool key", () => {
  const key = (argv: string[], env: Record<string, string> = {}) => poolKey(workerShape(parseJuliaArgs(argv), "/p", env));
  test("run-level differences share a worker", () => {
    expect(key(["-e", "1", "--color=yes"])).toBe(key(["script.jl", "--banner=no"]));
  });
  test("threads, channel, process switches and start-up env each split the pool", () => {
    const k = key(["-e", "1"]);
    expect(key(["-t", "4", "-e", "1"])).not.toBe(k);
    expect(key(["+1.10", "-e", "1"])).not.toBe(k);
    expect(key(["-O1", "-e", "1"])).not.toBe(k);
    expect(key(["-e", "1"], { JULIA_DEPOT_PATH: "/d" })).not.toBe(k);
    expect(key(["-e", "1"], { JULIA_NUM_THREADS: "" })).not.toBe(k);
  });
});

describe("worker argv and env", () => {
  const config = loadConfig({ JULIA_DAEMON_RUNTIME: "/tmp/jd", JULIA_DAEMON_WORKER_ARGS: "--startup-file=no --foo 'a b'" }, 1000);
  test("WORKER_ARGS split like a shell", () => {
    expect(splitArgs(`--a "b c" 'd' e`)).toEqual(["--a", "b c", "d", "e"]);
  });
  test("channel first, then worker args, threads, process switches, entry, socket", () => {
    const shape = workerShape(parseJuliaArgs(["+1.11", "-t", "3", "--check-bounds=yes", "-e", "1"]), "", {});
    expect(spawnArgv(config, shape, "/c/main.jl")).toEqual(["julia", "+1.11", "--startup-file=no", "--foo", "a b", "--threads=3", "--check-bounds=yes", "/c/main.jl", "/tmp/jd/conductor.sock"]);
  });
  test("the thread spec is the client's, nothing added: user code sees plain julia's pools", () => {
    const t = (argv: string[], env: Record<string, string> = {}) => spawnArgv(config, workerShape(parseJuliaArgs([...argv, "-e", "1"]), "", env), "/e").find((a) => a.startsWith("--threads="));
    expect(t([])).toBeUndefined();
    expect(t(["-t", "auto"])).toBe("--threads=auto");
    expect(t(["-t", "4,2"])).toBe("--threads=4,2");
    expect(t([], { JULIA_NUM_THREADS: "6" })).toBeUndefined(); // julia reads it from the worker's environment
  });
  test("start-up env comes from the client, never the conductor; id and secret are added", () => {
    const shape = workerShape(parseJuliaArgs(["-e", "1"]), "", { JULIA_DEPOT_PATH: "/client/depot" });
    const env = spawnEnv({ PATH: "/bin", JULIA_PROJECT: "/conductor/p", JULIA_NUM_THREADS: "8" }, shape, config, "id1", "sec");
    expect(env).toEqual({ PATH: "/bin", JULIA_DEPOT_PATH: "/client/depot", JULIA_DAEMON_WORKER_ID: "id1", JULIA_DAEMON_WORKER_SECRET: "sec", JULIA_DAEMON_WORKER_GRACE: "60", JULIA_DAEMON_WORKER_MAXCLIENTS: "1", JULIA_DAEMON_SPAWN_ENV: encodeSpawnEnv({ PATH: "/bin", JULIA_DEPOT_PATH: "/client/depot" }) });
    // The spawn environment decodes to exactly what the executable was given (before the worker's own keys).
    expect(Buffer.from(env.JULIA_DAEMON_SPAWN_ENV!, "hex").toString().split("\0").sort()).toEqual(["JULIA_DEPOT_PATH=/client/depot", "PATH=/bin"]);
  });
  test("invalid numbers are refused with their source and range", () => {
    expect(() => loadConfig({ JULIA_DAEMON_WORKER_MAXCLIENTS: "-1" }, 1)).toThrow(/JULIA_DAEMON_WORKER_MAXCLIENTS="-1" is invalid \(from environment JULIA_DAEMON_WORKER_MAXCLIENTS\): expected an integer from 0 to/);
  });
});

describe("worker selection", () => {
  const w = (id: string, over: Partial<WorkerView> = {}): WorkerView => ({ id, key: "k", state: "ready", label: null, load: 0, canIsolate: true, lastUsedAt: 0, ...over });
  const sel = (ws: WorkerView[], label: string | null = null, maxClients = 1) => selectWorker(ws, { key: "k", label, maxClients });

  test("the most recently used free worker wins", () => {
    expect(sel([w("a", { lastUsedAt: 1 }), w("b", { lastUsedAt: 5 })])).toEqual({ kind: "use", id: "b" });
  });
  test("ready beats starting; busy, dead, labelled and other keys are skipped", () => {
    expect(sel([w("s", { state: "starting", lastUsedAt: 9 }), w("r")])).toEqual({ kind: "use", id: "r" });
    expect(sel([w("busy", { load: 1 }), w("dead", { state: "dead" }), w("lab", { label: "x" }), w("other", { key: "z" })])).toEqual({ kind: "spawn" });
  });
  test("MAXCLIENTS > 1 shares a worker only when it can isolate runs", () => {
    expect(sel([w("a", { load: 1 })], null, 2)).toEqual({ kind: "use", id: "a" });
    expect(sel([w("a", { load: 1, canIsolate: false })], null, 2)).toEqual({ kind: "spawn" });
    expect(sel([w("a", { load: 5 })], null, 0)).toEqual({ kind: "use", id: "a" });
  });
  test("a label goes to its holder even when busy, else claims an idle worker, else spawns", () => {
    expect(sel([w("h", { label: "x", load: 3 }), w("i")], "x")).toEqual({ kind: "use", id: "h" });
    expect(sel([w("h", { label: "y" }), w("i")], "x")).toEqual({ kind: "claim", id: "i" });
    expect(sel([w("h", { label: "y" }), w("b", { load: 1 })], "x")).toEqual({ kind: "spawn" });
  });
});
