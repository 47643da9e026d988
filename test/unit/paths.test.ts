// Where the conductor lives (src/shared/paths.ts): relative settings and private directories.

import { describe, expect, test } from "bun:test";
import { conductorLogPath, conductorPaths, privateDirProblem, stateDirFor } from "../../src/shared/paths.ts";

describe("relative path settings mean the caller's cwd", () => {
  test("runtime dir, server socket and state dir become absolute", () => {
    const cwd = process.cwd();
    expect(conductorPaths({ JULIA_DAEMON_RUNTIME: "rt" }, 1000).socket).toBe(`${cwd}/rt/conductor.sock`);
    expect(conductorPaths({ JULIA_DAEMON_SERVER: "./s.sock" }, 1000).socket).toBe(`${cwd}/s.sock`);
    expect(stateDirFor({ JULIA_DAEMON_STATE_DIR: "st" })).toBe(`${cwd}/st`);
    expect(conductorLogPath({ JULIA_DAEMON_STATE_DIR: "/s" })).toBe("/s/conductor.log");
  });
});

describe("private directories", () => {
  const ok = { isSymlink: false, isDirectory: true, uid: 1000, mode: 0o40700 };
  test("the state dir is checked like the runtime dir, naming its own setting", () => {
    expect(privateDirProblem("state", "/s", ok, 1000)).toBeNull();
    const open = privateDirProblem("state", "/s", { ...ok, mode: 0o40777 }, 1000)!;
    expect([open.message, open.exitCode]).toEqual(["state directory /s has mode 0777; it must be 0700", 77]);
    expect(privateDirProblem("state", "/s", { ...ok, uid: 0 }, 1000)!.hint).toContain("JULIA_DAEMON_STATE_DIR");
    expect(privateDirProblem("runtime", "/r", { ...ok, isSymlink: true }, 1000)!.hint).toContain("JULIA_DAEMON_RUNTIME");
  });
});
