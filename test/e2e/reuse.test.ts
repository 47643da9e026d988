// Warm reuse: consecutive runs land on the same worker process (also when
// that worker is slow to start), yet each non-session run starts from a clean
// Main: globals and ARGS of one run are gone in the next.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Sandbox } from "./harness.ts";

describe("warm reuse", () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox();
  });
  afterAll(async () => {
    await sb.stop();
  });

  test("consecutive runs report the same worker pid", async () => {
    const pids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await sb.run(["-e", "println(getpid())"]);
      expect(r.stdout).toMatch(/^\d+\n$/);
      expect(r.code).toBe(0);
      pids.push(r.stdout);
    }
    expect(new Set(pids).size).toBe(1);
  });

  test("a global set by one run is gone in the next", async () => {
    const a = await sb.run(["-e", "x = 1; println(typeof x, ' ', getpid())"]);
    expect(a.stdout).toMatch(/^number \d+\n$/);
    const b = await sb.run(["-e", "println(typeof x, ' ', getpid())"]);
    expect(b.stdout).toBe(`undefined ${a.stdout.split(" ")[1]}`);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
  });

  test("ARGS do not carry over", async () => {
    const a = await sb.run(["-e", "println(JSON.stringify(ARGS), ' ', getpid())", "one", "two"]);
    expect(a.stdout).toMatch(/^\["one","two"\] \d+\n$/);
    const b = await sb.run(["-e", "println(JSON.stringify(ARGS), ' ', getpid())"]);
    expect(b.stdout).toBe(`[] ${a.stdout.split(" ")[1]}`);
    const c = await sb.run(["-e", "println(JSON.stringify(ARGS), ' ', getpid())", "three"]);
    expect(c.stdout).toBe(`["three"] ${a.stdout.split(" ")[1]}`);
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
  });
});

describe("warm reuse with a slow-starting worker", () => {
  // The conductor's environment reaches its workers: every start costs 3 s.
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox({ JULIA_DOUBLE_STARTUP_MS: "3000" });
  });
  afterAll(async () => {
    await sb.stop();
  });

  test("only the first run pays the start-up; the rest reuse its pid", async () => {
    const t0 = Date.now();
    const first = await sb.run(["-e", "println(getpid())"]);
    const cold = Date.now() - t0;
    expect(first.stdout).toMatch(/^\d+\n$/);
    expect(first.code).toBe(0);
    expect(cold).toBeGreaterThanOrEqual(3000);
    for (let i = 0; i < 2; i++) {
      const t1 = Date.now();
      const r = await sb.run(["-e", "println(getpid())"]);
      expect(r.stdout).toBe(first.stdout);
      expect(r.code).toBe(0);
      expect(Date.now() - t1).toBeLessThan(2500);
    }
  }, 15_000);
});
