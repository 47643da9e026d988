// Sessions and --restart: a labelled session keeps its globals for every
// client using the label and for nobody else; a bare --session is per parent
// process (this test process is the parent of every run); --restart replaces
// the workers of a project and, alone, says how many it stopped. With the
// double and with real julia as the worker (lang.ts).

import { afterAll, beforeAll, expect } from "bun:test";
import { CLIENT, Sandbox } from "./harness.ts";
import { atLeast } from "../conformance/case.ts";
import { eachLang, juliaVersion } from "./lang.ts";

eachLang("sessions", ({ lang, L, test }) => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox({}, lang);
  });
  afterAll(async () => {
    await sb.stop();
  });

  /** Prints the global's type, or "undefined" where it does not exist. */
  const typeOf = (name: string) => L({ double: `println(typeof ${name})`, julia: `println(@isdefined(${name}) ? typeof(${name}) : "undefined")` });

  test("--session=a keeps state between runs", async () => {
    const set = await sb.run(["--session=a", "-e", "counter = 41"]);
    expect(set.stdout).toBe("");
    expect(set.stderr).toBe("");
    const get = await sb.run(["--session=a", "-e", "counter += 1; println(counter)"]);
    expect(get.stdout).toBe("42\n");
    expect([set.code, get.code]).toEqual([0, 0]);
  });

  test("--session=b cannot see a's state, and a plain run sees neither", async () => {
    await sb.run(["--session=a", "-e", L({ double: "onlyInA = 'a'", julia: 'onlyInA = "a"' })]);
    const b = await sb.run(["--session=b", "-e", typeOf("onlyInA")]);
    expect(b.stdout).toBe("undefined\n");
    const plain = await sb.run(["-e", typeOf("onlyInA")]);
    expect(plain.stdout).toBe("undefined\n");
    const a = await sb.run(["--session=a", "-e", "println(onlyInA)"]);
    expect(a.stdout).toBe("a\n");
    expect([b.code, plain.code, a.code]).toEqual([0, 0, 0]);
  });

  test("two clients share --session=shared: one sets while the other waits, then reads", async () => {
    // The writer holds its run open until it reads a line.
    await using writer = sb.spawn(["--session=shared", "-e", L({ double: 'shared = "from writer"; println("set"); await readline()', julia: 'shared = "from writer"; println("set"); readline()' })], { stdin: "pipe" });
    expect(await writer.line()).toBe("set");
    // A second client on the same label while the first is still running. A
    // worker that runs several runs at once (the double, julia >= 1.11) serves
    // it now; an older julia runs one at a time, so it waits for the writer.
    const reading = sb.run(["--session=shared", "-e", "println(shared)"]);
    if (L({ double: true, julia: atLeast(juliaVersion(), "1.11") })) await reading;
    writer.write("end\n");
    const [w, reader] = await Promise.all([writer.result(), reading]);
    expect(w.stdout).toBe("set\n");
    expect(reader.stdout).toBe("from writer\n");
    expect([w.code, reader.code]).toEqual([0, 0]);
  });

  test("bare --session keeps state for the same parent process", async () => {
    const set = await sb.run(["--session", "-e", "perShell = getpid()"]);
    const get = await sb.run(["--session", "-e", L({ double: "println(perShell === getpid())", julia: "println(perShell == getpid())" })]);
    expect(get.stdout).toBe("true\n");
    expect([set.code, get.code]).toEqual([0, 0]);
  });

  test("bare --session from another parent is another session", async () => {
    await sb.run(["--session", "-e", "mine = 1"]);
    // bash is the client's parent here (`; true` keeps bash from exec'ing it), so the label differs.
    const proc = Bun.spawn(["bash", "-c", `"$0" --session -e "$1"; true`, CLIENT, typeOf("mine")], { env: sb.env, cwd: sb.dir, stdout: "pipe" });
    expect(await new Response(proc.stdout).text()).toBe("undefined\n");
    expect(await proc.exited).toBe(0);
  });
});

eachLang("--restart", ({ lang, test }) => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox({}, lang);
  });
  afterAll(async () => {
    await sb.stop();
  });

  test("--restart with code gives a new worker pid", async () => {
    const before = await sb.run(["-e", "println(getpid())"]);
    const after = await sb.run(["--restart", "-e", "println(getpid())"]);
    expect(before.stdout).toMatch(/^\d+\n$/);
    expect(after.stdout).toMatch(/^\d+\n$/);
    expect(after.stdout).not.toBe(before.stdout);
    const again = await sb.run(["-e", "println(getpid())"]);
    expect(again.stdout).toBe(after.stdout);
    expect([before.code, after.code, again.code]).toEqual([0, 0, 0]);
  });

  test("--restart alone says how many workers it stopped", async () => {
    await using fresh = new Sandbox({}, lang);
    const none = await fresh.run(["--restart"]);
    expect(none.stdout).toBe("juliaclient: stopped 0 workers for the default environment\n");
    expect(none.stderr).toBe("");
    expect(none.code).toBe(0);
    const one = await fresh.run(["-e", "println(getpid())"]);
    const stopped = await fresh.run(["--restart"]);
    expect(stopped.stdout).toBe("juliaclient: stopped 1 worker for the default environment\n");
    expect(stopped.code).toBe(0);
    const next = await fresh.run(["-e", "println(getpid())"]);
    expect(next.stdout).toMatch(/^\d+\n$/);
    expect(next.stdout).not.toBe(one.stdout);
  });
});
