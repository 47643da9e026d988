// Which project a run activates, resolved by the conductor in the client's
// cwd and environment: bare --project searches upwards for Project.toml,
// --project=<dir> is relative to the client's cwd, JULIA_PROJECT applies when
// no switch is given, and with neither the default environment is used. With
// the double (which reports the activated directory, "" for the default
// environment) and with real julia as the worker (`Base.active_project()`,
// the project file, as plain julia prints it).

import { afterAll, beforeAll, expect } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { Sandbox } from "./harness.ts";
import { eachLang, juliaVersion } from "./lang.ts";

eachLang("project resolution", ({ lang, L, test }) => {
  let sb: Sandbox;
  let top: string;
  let sub: string;
  beforeAll(() => {
    sb = new Sandbox({}, lang);
    top = `${sb.dir}/proj`;
    sub = `${top}/src/deep`;
    mkdirSync(sub, { recursive: true });
    writeFileSync(`${top}/Project.toml`, 'name = "Proj"\n');
  });
  afterAll(async () => {
    await sb.stop();
  });

  const ACTIVE = L({ double: "JSON.stringify(active_project())", julia: "repr(Base.active_project())" });
  const SHOW = ["-e", `println(${ACTIVE})`];
  /** What the run shows for project directory `dir` ("" is the default environment). */
  const shown = (dir: string) => {
    if (lang === "double") return `"${dir}"\n`;
    // julia's default environment: the first depot's (the sandbox keeps HOME and drops JULIA_DEPOT_PATH)
    const file = dir === "" ? `${process.env.HOME}/.julia/environments/v${juliaVersion().split(".").slice(0, 2).join(".")}/Project.toml` : `${dir}/Project.toml`;
    return `"${file}"\n`;
  };

  test("bare --project finds Project.toml from a subdirectory", async () => {
    const r = await sb.run(["--project", ...SHOW], { cwd: sub });
    expect(r.stdout).toBe(shown(top));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("--project=. is the client's cwd", async () => {
    const r = await sb.run(["--project=.", ...SHOW], { cwd: top });
    expect(r.stdout).toBe(shown(top));
    expect(r.code).toBe(0);
  });

  test("--project=.. is relative to the client's cwd, not the conductor's", async () => {
    const r = await sb.run(["--project=..", ...SHOW], { cwd: sub });
    expect(r.stdout).toBe(shown(`${top}/src`));
    expect(r.code).toBe(0);
  });

  test("JULIA_PROJECT applies when no switch is given", async () => {
    const r = await sb.run(SHOW, { cwd: sb.dir, env: { JULIA_PROJECT: top } });
    expect(r.stdout).toBe(shown(top));
    const at = await sb.run(SHOW, { cwd: sub, env: { JULIA_PROJECT: "@." } });
    expect(at.stdout).toBe(shown(top));
    expect([r.code, at.code]).toEqual([0, 0]);
  });

  test("--project wins over JULIA_PROJECT", async () => {
    const r = await sb.run(["--project=.", ...SHOW], { cwd: sub, env: { JULIA_PROJECT: top } });
    expect(r.stdout).toBe(shown(sub));
    expect(r.code).toBe(0);
  });

  test("neither: the default environment", async () => {
    const r = await sb.run(SHOW, { cwd: sub });
    expect(r.stdout).toBe(shown(""));
    const outside = await sb.run(SHOW, { cwd: sb.dir, env: { JULIA_PROJECT: "" } });
    expect(outside.stdout).toBe(shown(""));
    expect([r.code, outside.code]).toEqual([0, 0]);
  });

  test("a project run and a default run right after it do not share an environment", async () => {
    const both = ["-e", L({ double: `println(${ACTIVE}, ' ', getpid())`, julia: `println(${ACTIVE}, " ", getpid())` })];
    const p = await sb.run(["--project", ...both], { cwd: sub });
    const d = await sb.run(both, { cwd: sub });
    expect(p.stdout).toStartWith(`${shown(top).trimEnd()} `);
    expect(d.stdout).toStartWith(`${shown("").trimEnd()} `);
    expect(d.stdout).toMatch(/ \d+\n$/);
    expect(d.stdout.split(" ").at(-1)).not.toBe(p.stdout.split(" ").at(-1));
  });

  // julia treats `--project` found from a subdir and `--project=<that dir>` as one environment;
  // the conductor keys them differently (a file path vs a directory), so it warms two workers.
  test("bare --project and --project=<dir> of the same project share a worker", async () => {
    const a = await sb.run(["--project", "-e", "println(getpid())"], { cwd: sub });
    const b = await sb.run([`--project=${top}`, "-e", "println(getpid())"], { cwd: sub });
    expect(b.stdout).toBe(a.stdout);
  });
});
