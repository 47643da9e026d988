// The client on its own: -h, -v and bad switches answer without starting a
// conductor; a .env or bunfig.toml in the user's cwd changes nothing; and the
// bundled client stays tiny (no conductor code, no heavy dependencies, no
// process.stdout/stdin).

import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { ROOT, Sandbox } from "./harness.ts";

describe("answers without a conductor", () => {
  test("-h prints usage to stdout, exit 0, nothing started", async () => {
    await using sb = new Sandbox();
    const r = await sb.run(["-h"]);
    expect(r.stdout).toStartWith("    julia [switches] -- [programfile] [args...]\n");
    expect(r.stdout).toContain("juliaclient switches:");
    expect(r.stdout).toContain(" --session[=<label>]");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(existsSync(sb.runtime)).toBe(false);
    expect(sb.processes()).toEqual([]);
  });

  test("-v prints exactly the worker executable's version line, exit 0, nothing started", async () => {
    await using sb = new Sandbox();
    for (const flag of ["-v", "--version"]) {
      const r = await sb.run([flag]);
      expect(r.stdout).toBe("julia version 1.11.7\n");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    expect(existsSync(sb.runtime)).toBe(false);
    expect(sb.processes()).toEqual([]);
  });

  test.each([
    [["--bogus"], "ERROR: unknown option `--bogus`\n"],
    [["-e"], "ERROR: option `-e/--eval` is missing an argument\n"],
    [["-t", "0", "-e", "1"], "ERROR: julia: -t,--threads=<n>[,auto|<m>]; n must be an integer >= 1\n"],
  ])("a bad command line %j prints julia's message and exits 1, nothing started", async (argv, message) => {
    await using sb = new Sandbox();
    const r = await sb.run(argv);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(message);
    expect(r.code).toBe(1);
    expect(existsSync(sb.runtime)).toBe(false);
    expect(sb.processes()).toEqual([]);
  });
});

describe("the user's cwd cannot reconfigure the client", () => {
  test("a .env and a bunfig.toml with a preload change nothing", async () => {
    await using sb = new Sandbox();
    const hostile = `${sb.dir}/hostile`;
    const marker = `${sb.dir}/preload-ran`;
    const wrong = `${sb.dir}/wrong-runtime`;
    Bun.spawnSync(["mkdir", "-p", hostile]);
    writeFileSync(`${hostile}/.env`, `JULIA_DAEMON_RUNTIME=${wrong}\nFROM_DOTENV=yes\n`);
    writeFileSync(`${hostile}/.env.local`, "FROM_DOTENV_LOCAL=yes\n");
    writeFileSync(`${hostile}/bunfig.toml`, 'preload = ["./evil.ts"]\n[run]\nsmol = true\n');
    writeFileSync(`${hostile}/evil.ts`, `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
    const prog = ["-e", 'println(ENV.JULIA_DAEMON_RUNTIME, " ", ENV.FROM_DOTENV ?? "-", " ", ENV.FROM_DOTENV_LOCAL ?? "-")'];

    // First run from the hostile cwd: it also autostarts the conductor.
    const there = await sb.run(prog, { cwd: hostile });
    const here = await sb.run(prog, { cwd: sb.dir });
    expect(there.stdout).toBe(`${sb.runtime} - -\n`);
    expect(here.stdout).toBe(there.stdout);
    expect(there.stderr).toBe("");
    expect(there.code).toBe(0);
    const version = await sb.run(["-v"], { cwd: hostile });
    expect(version.stdout).toBe("julia version 1.11.7\n");
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(wrong)).toBe(false);
  });
});

describe("the client is tiny", () => {
  test("its bundle has no conductor code, heavy dependencies or process.stdout/stdin", async () => {
    const built = await Bun.build({ entrypoints: [`${ROOT}/src/client/main.ts`], target: "bun", metafile: true });
    expect(built.success).toBe(true);
    const inputs = Object.keys(built.metafile!.inputs);
    expect(inputs).toContain("src/client/main.ts");
    expect(inputs.filter((p) => p.includes("src/conductor/") || p.includes("node_modules/"))).toEqual([]);
    const text = await built.outputs[0]!.text();
    const forbidden = ["consola", "unstorage", "defu", "citty", "node:net", "node:tty", "process.stdout", "process.stdin", "src/conductor/"];
    expect(forbidden.filter((w) => text.includes(w))).toEqual([]);
  });
});
