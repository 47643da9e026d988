// Warm reuse: consecutive runs land on the same worker process (also when
// that worker is slow to start), yet each non-session run starts from a clean
// Main: globals and ARGS of one run are gone in the next. With the double and
// with real julia as the worker (lang.ts).

import { afterAll, beforeAll, expect } from "bun:test";
import { Sandbox } from "./harness.ts";
import { eachLang } from "./lang.ts";

eachLang("warm reuse", ({ lang, L, test }) => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox({}, lang);
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
    const a = await sb.run(["-e", L({ double: "x = 1; println(typeof x, ' ', getpid())", julia: 'x = 1; println(typeof(x), " ", getpid())' })]);
    expect(a.stdout).toMatch(L({ double: /^number \d+\n$/, julia: /^Int64 \d+\n$/ }));
    const b = await sb.run(["-e", L({ double: "println(typeof x, ' ', getpid())", julia: 'println(@isdefined(x) ? typeof(x) : "undefined", " ", getpid())' })]);
    expect(b.stdout).toBe(`undefined ${a.stdout.split(" ")[1]}`);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
  });

  test("ARGS do not carry over", async () => {
    const show = L({ double: "println(JSON.stringify(ARGS), ' ', getpid())", julia: 'println(repr(ARGS), " ", getpid())' });
    const a = await sb.run(["-e", show, "one", "two"]);
    expect(a.stdout).toMatch(L({ double: /^\["one","two"\] \d+\n$/, julia: /^\["one", "two"\] \d+\n$/ }));
    const pid = a.stdout.split(" ").at(-1);
    const b = await sb.run(["-e", show]);
    expect(b.stdout).toBe(`${L({ double: "[]", julia: "String[]" })} ${pid}`);
    const c = await sb.run(["-e", show, "three"]);
    expect(c.stdout).toBe(`["three"] ${pid}`);
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
  });
});

eachLang("warm reuse with a slow-starting worker", ({ lang, L, test }) => {
  // The double is made slow: the conductor's environment reaches its workers,
  // and every start costs 3 s. A julia worker is slow to start by itself.
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox(L<Record<string, string>>({ double: { JULIA_DOUBLE_STARTUP_MS: "3000" }, julia: {} }), lang);
  });
  afterAll(async () => {
    await sb.stop();
  });

  test(
    "only the first run pays the start-up; the rest reuse its pid",
    async () => {
      const t0 = Date.now();
      const first = await sb.run(["-e", "println(getpid())"]);
      const cold = Date.now() - t0;
      expect(first.stdout).toMatch(/^\d+\n$/);
      expect(first.code).toBe(0);
      // julia's own start (loading and compiling the worker) is never under a second
      expect(cold).toBeGreaterThanOrEqual(L({ double: 3000, julia: 1000 }));
      for (let i = 0; i < 2; i++) {
        const t1 = Date.now();
        const r = await sb.run(["-e", "println(getpid())"]);
        expect(r.stdout).toBe(first.stdout);
        expect(r.code).toBe(0);
        expect(Date.now() - t1).toBeLessThan(2500);
      }
    },
    15_000,
  );
});
