// Which project a run activates, resolved by the conductor in the client's
// cwd and environment: bare --project searches upwards for Project.toml,
// --project=<dir> is relative to the client's cwd, JULIA_PROJECT applies when
// no switch is given, and with neither the default environment ("") is used.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { Sandbox } from "./harness.ts";

let sb: Sandbox;
let top: string;
let sub: string;
beforeAll(() => {
  sb = new Sandbox();
  top = `${sb.dir}/proj`;
  sub = `${top}/src/deep`;
  mkdirSync(sub, { recursive: true });
  writeFileSync(`${top}/Project.toml`, 'name = "Proj"\n');
});
afterAll(async () => {
  await sb.stop();
});

const SHOW = ["-e", "println(JSON.stringify(active_project()))"];

describe("project resolution", () => {
  test("bare --project finds Project.toml from a subdirectory", async () => {
    const r = await sb.run(["--project", ...SHOW], { cwd: sub });
    expect(r.stdout).toBe(`"${top}"\n`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("--project=. is the client's cwd", async () => {
    const r = await sb.run(["--project=.", ...SHOW], { cwd: top });
    expect(r.stdout).toBe(`"${top}"\n`);
    expect(r.code).toBe(0);
  });

  test("--project=.. is relative to the client's cwd, not the conductor's", async () => {
    const r = await sb.run(["--project=..", ...SHOW], { cwd: sub });
    expect(r.stdout).toBe(`"${top}/src"\n`);
    expect(r.code).toBe(0);
  });

  test("JULIA_PROJECT applies when no switch is given", async () => {
    const r = await sb.run(SHOW, { cwd: sb.dir, env: { JULIA_PROJECT: top } });
    expect(r.stdout).toBe(`"${top}"\n`);
    const at = await sb.run(SHOW, { cwd: sub, env: { JULIA_PROJECT: "@." } });
    expect(at.stdout).toBe(`"${top}"\n`);
    expect([r.code, at.code]).toEqual([0, 0]);
  });

  test("--project wins over JULIA_PROJECT", async () => {
    const r = await sb.run(["--project=.", ...SHOW], { cwd: sub, env: { JULIA_PROJECT: top } });
    expect(r.stdout).toBe(`"${sub}"\n`);
    expect(r.code).toBe(0);
  });

  test("neither: the default environment", async () => {
    const r = await sb.run(SHOW, { cwd: sub });
    expect(r.stdout).toBe('""\n');
    const outside = await sb.run(SHOW, { cwd: sb.dir, env: { JULIA_PROJECT: "" } });
    expect(outside.stdout).toBe('""\n');
    expect([r.code, outside.code]).toEqual([0, 0]);
  });

  test("a project run and a default run right after it do not share an environment", async () => {
    const p = await sb.run(["--project", "-e", "println(JSON.stringify(active_project()), ' ', getpid())"], { cwd: sub });
    const d = await sb.run(["-e", "println(JSON.stringify(active_project()), ' ', getpid())"], { cwd: sub });
    expect(p.stdout).toStartWith(`"${top}" `);
    expect(d.stdout).toMatch(/^"" \d+\n$/);
    expect(d.stdout.split(" ")[1]).not.toBe(p.stdout.split(" ")[1]);
  });

  // julia treats `--project` found from a subdir and `--project=<that dir>` as one environment;
  // the conductor keys them differently (a file path vs a directory), so it warms two workers.
  test("bare --project and --project=<dir> of the same project share a worker", async () => {
    const a = await sb.run(["--project", "-e", "println(getpid())"], { cwd: sub });
    const b = await sb.run([`--project=${top}`, "-e", "println(getpid())"], { cwd: sub });
    expect(b.stdout).toBe(a.stdout);
  });
});
