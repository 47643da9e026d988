// Signals sent to the client while its run sleeps: SIGINT ends a program
// file's run (the double's protocol model: the client dies by SIGINT) but is
// an InterruptException for -e code (exit 1); SIGTERM ends the client. The
// warm worker survives them (a julia worker need not survive a program
// file's SIGINT: julia's own process does not). With the double and with real julia as
// the worker (lang.ts), where each outcome is plain julia's (julia 1.5.3
// reports a fatal SIGINT or SIGTERM and exits 128 + the signal).

import { afterAll, beforeAll, expect } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { expectText, type Text } from "../conformance/case.ts";
import { alive, type Result, Sandbox } from "./harness.ts";
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

  /** Starts `args`, signals the client once the run has printed its worker's pid, and returns both. */
  async function signalled(args: string[], signal: NodeJS.Signals, box = sb): Promise<{ pid: string; r: Result }> {
    await using live = box.spawn(args);
    const pid = await live.line();
    live.kill(signal);
    return { pid, r: await live.result() };
  }

  /** julia's report of a fatal signal (its C backtrace follows), where the code was when it came. */
  const fatal = (what: string, where: string): Text => L<Text>({ double: "", julia: { prefix: `\nsignal ${what}\nin expression starting at ${where}\n` } });
  /** How the client ends on a fatal signal: the double's model dies by it; julia 1.5 exits 128 + n. */
  const diesBy = (signal: "SIGINT" | "SIGTERM") => L({ double: { code: null, signal }, julia: { code: signal === "SIGINT" ? 130 : 143, signal: null } });

  async function nextPid(box = sb): Promise<string> {
    const r = await box.run(["-e", "println(getpid())"]);
    expect(r.code).toBe(0);
    return r.stdout.trim();
  }

  test(
    "SIGINT while a program file sleeps: the run ends by the signal",
    async () => {
      const { pid, r } = await signalled(["sleepy.jl"], "SIGINT");
      expect(r.stdout).toBe(`${pid}\n`);
      expectText(r.stderr, fatal("(2): Interrupt", `${sb.dir}/sleepy.jl:2`));
      expect({ code: r.code, signal: r.signal }).toEqual(diesBy("SIGINT"));
    },
  );

  test("SIGINT while -e code sleeps: InterruptException, exit 1", async () => {
    const { pid, r } = await signalled(["-e", SLEEPY_E], "SIGINT");
    expect(r.stdout).toBe(`${pid}\n`);
    // julia: the exception, then the backtrace of the sleep it interrupted
    expectText(r.stderr, L<Text>({ double: /^ERROR: [\s\S]*InterruptException/, julia: { prefix: "ERROR: InterruptException:\nStacktrace:\n" } }));
    expect(r.code).toBe(1);
  });

  test(
    "SIGTERM while -e code sleeps: the client ends by the signal",
    async () => {
      const { pid, r } = await signalled(["-e", SLEEPY_E], "SIGTERM");
      expect(r.stdout).toBe(`${pid}\n`);
      expectText(r.stderr, fatal("(15): Terminated", "none:1"));
      expect({ code: r.code, signal: r.signal }).toEqual(diesBy("SIGTERM"));
    },
    { knownBug: 'julia 1.5 prints "signal (15): Terminated" and exits 143; the client dies by SIGTERM silently', knownBugOn: "1.5" },
  );

  test(
    "SIGTERM while a program file sleeps: the client ends by the signal",
    async () => {
      const { pid, r } = await signalled(["sleepy.jl"], "SIGTERM");
      expect(r.stdout).toBe(`${pid}\n`);
      expectText(r.stderr, fatal("(15): Terminated", `${sb.dir}/sleepy.jl:2`));
      expect({ code: r.code, signal: r.signal }).toEqual(diesBy("SIGTERM"));
    },
    { knownBug: 'julia 1.5 prints "signal (15): Terminated" and exits 143; the client dies by SIGTERM silently', knownBugOn: "1.5" },
  );

  test("the warm worker survives: an interrupted run ends on it, SIGTERM leaves it running", async () => {
    // A sandbox of its own: runs orphaned by the SIGTERM cases above may still hold another worker.
    await using box = new Sandbox({}, lang);
    writeFileSync(`${box.dir}/sleepy.jl`, readFileSync(`${sb.dir}/sleepy.jl`));
    // julia's own process ends on a program file's Ctrl-C (exit_on_sigint), so a julia worker may too and be replaced.
    for (const args of L({ double: [["sleepy.jl"], ["-e", SLEEPY_E]], julia: [["-e", SLEEPY_E]] })) {
      const { pid } = await signalled(args, "SIGINT", box);
      expect(await nextPid(box)).toBe(pid);
    }
    for (const args of [["-e", SLEEPY_E], ["sleepy.jl"]]) {
      const { pid } = await signalled(args, "SIGTERM", box);
      // the next run may start another worker while this one ends its orphaned run
      expect(await nextPid(box)).toMatch(/^\d+$/);
      expect(alive(Number(pid))).toBe(true); // the worker was not taken down with its client
    }
  });
});
