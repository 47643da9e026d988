// Signals sent to the client while its run sleeps: SIGINT kills a program
// file's run (the client dies by SIGINT, docs/julia-semantics.md) but is an
// InterruptException for -e code (exit 1); SIGTERM makes the client die by
// SIGTERM. The warm worker survives all of them. With the double and with
// real julia as the worker (lang.ts).

import { afterAll, beforeAll, expect } from "bun:test";
import { writeFileSync } from "node:fs";
import { expectText, type Text } from "../conformance/case.ts";
import { alive, Sandbox } from "./harness.ts";
import { eachLang } from "./lang.ts";

eachLang("signals to the client", ({ lang, L, test }) => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox({}, lang);
    writeFileSync(`${sb.dir}/sleepy.jl`, L({ double: 'println(getpid())\nawait sleep(30)\nprintln("not reached")\n', julia: 'println(getpid())\nsleep(30)\nprintln("not reached")\n' }));
  });
  afterAll(async () => {
    await sb.stop();
  });

  const SLEEPY_E = L({ double: 'println(getpid()); await sleep(30); println("not reached")', julia: 'println(getpid()); sleep(30); println("not reached")' });

  async function nextPid(): Promise<string> {
    const r = await sb.run(["-e", "println(getpid())"]);
    expect(r.code).toBe(0);
    return r.stdout.trim();
  }

  test("SIGINT while a program file sleeps: the client dies by SIGINT; the worker survives", async () => {
    await using live = sb.spawn(["sleepy.jl"]);
    const pid = await live.line();
    live.kill("SIGINT");
    const r = await live.result();
    expect(r.stdout).toBe(`${pid}\n`);
    expect(r.stderr).toBe("");
    expect(r.signal).toBe("SIGINT");
    expect(r.code).toBeNull();
    expect(await nextPid()).toBe(pid);
  });

  test("SIGINT while -e code sleeps: InterruptException, exit 1; the worker survives", async () => {
    await using live = sb.spawn(["-e", SLEEPY_E]);
    const pid = await live.line();
    live.kill("SIGINT");
    const r = await live.result();
    expect(r.stdout).toBe(`${pid}\n`);
    // julia: the exception, then the backtrace of the sleep it interrupted
    expectText(r.stderr, L<Text>({ double: /^ERROR: [\s\S]*InterruptException/, julia: { prefix: "ERROR: InterruptException:\nStacktrace:\n" } }));
    expect(r.code).toBe(1);
    expect(await nextPid()).toBe(pid);
  });

  test("SIGTERM: the client dies by SIGTERM; the worker lives on and the next run works", async () => {
    await using live = sb.spawn(["-e", SLEEPY_E]);
    const pid = await live.line();
    live.kill("SIGTERM");
    const r = await live.result();
    expect(r.stdout).toBe(`${pid}\n`);
    expect(r.stderr).toBe("");
    expect(r.signal).toBe("SIGTERM");
    expect(r.code).toBeNull();
    expect(await nextPid()).toMatch(/^\d+$/);
    expect(alive(Number(pid))).toBe(true); // the worker was not taken down with its client
  });

  test("SIGTERM to a program file's client: dies by SIGTERM too", async () => {
    await using live = sb.spawn(["sleepy.jl"]);
    await live.line();
    live.kill("SIGTERM");
    const r = await live.result();
    expect(r.stderr).toBe("");
    expect(r.signal).toBe("SIGTERM");
  });
});
