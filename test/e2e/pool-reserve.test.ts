// The pool end to end with the worker double: a common shape gets a reserve
// worker, and the first run of a new project lands on it (its pid, shown by
// --status=json); with JULIA_DAEMON_RESERVE=0 there is none. Also: a slow
// start shows nothing on a non-tty stderr. Waits on conditions, never sleeps.

import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { Sandbox, waitFor } from "./harness.ts";

interface Status {
  schema: number;
  workers: { pid: number; project: string; reserve: boolean; state: string }[];
  totals: { workers: number; reserve: number };
}

async function status(sb: Sandbox): Promise<Status> {
  const r = await sb.run(["--status=json"]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Status;
}

describe("reserve worker", () => {
  test("the first run of a new project takes the pre-started reserve", async () => {
    await using sb = new Sandbox({ JULIA_DOUBLE_STARTUP_MS: "300", JULIA_DAEMON_MAX_WORKERS: "4" });
    const proj = `${sb.dir}/newproj`;
    mkdirSync(proj);
    writeFileSync(`${proj}/Project.toml`, "");
    for (let i = 0; i < 2; i++) expect((await sb.run(["-e", "println(1)"])).stderr).toBe("");
    let reservePid = 0;
    await waitFor(async () => {
      const s = await status(sb);
      reservePid = s.workers.find((w) => w.reserve && w.state === "ready")?.pid ?? 0;
      return reservePid !== 0;
    }, 10_000, "a ready reserve worker");
    const r = await sb.run([`--project=${proj}`, "-e", "println(getpid(), ' ', active_project())"]);
    expect(r.stdout).toBe(`${reservePid} ${proj}\n`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // Restocked off the critical path.
    await waitFor(async () => (await status(sb)).workers.some((w) => w.reserve && w.pid !== reservePid), 10_000, "a new reserve");
  });

  test("JULIA_DAEMON_RESERVE=0: no reserve", async () => {
    await using sb = new Sandbox({ JULIA_DAEMON_RESERVE: "0" });
    for (let i = 0; i < 3; i++) expect((await sb.run(["-e", "println(1)"])).code).toBe(0);
    const s = await status(sb);
    expect(s.schema).toBe(1);
    expect(s.totals).toMatchObject({ workers: 1, reserve: 0 });
  });

  test("an invalid pool setting stops the conductor with its name and source", async () => {
    await using sb = new Sandbox({ JULIA_DAEMON_MIN_TTL: "-1" });
    const r = await sb.run(["-e", "println(1)"]);
    expect(r.stderr).toContain("JULIA_DAEMON_MIN_TTL=-1 is invalid (from environment JULIA_DAEMON_MIN_TTL)");
    expect(r.code).not.toBe(0);
  });
});
