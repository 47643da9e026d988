// Sessions and --restart: a labelled session keeps its globals for every
// client using the label and for nobody else; a bare --session is per parent
// process (this test process is the parent of every run); --restart replaces
// the workers of a project and, alone, says how many it stopped.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLIENT, Sandbox } from "./harness.ts";

let sb: Sandbox;
beforeAll(() => {
  sb = new Sandbox();
});
afterAll(async () => {
  await sb.stop();
});

describe("sessions", () => {
  test("--session=a keeps state between runs", async () => {
    const set = await sb.run(["--session=a", "-e", "counter = 41"]);
    expect(set.stdout).toBe("");
    expect(set.stderr).toBe("");
    const get = await sb.run(["--session=a", "-e", "counter += 1; println(counter)"]);
    expect(get.stdout).toBe("42\n");
    expect([set.code, get.code]).toEqual([0, 0]);
  });

  test("--session=b cannot see a's state, and a plain run sees neither", async () => {
    await sb.run(["--session=a", "-e", "onlyInA = 'a'"]);
    const b = await sb.run(["--session=b", "-e", "println(typeof onlyInA)"]);
    expect(b.stdout).toBe("undefined\n");
    const plain = await sb.run(["-e", "println(typeof onlyInA)"]);
    expect(plain.stdout).toBe("undefined\n");
    const a = await sb.run(["--session=a", "-e", "println(onlyInA)"]);
    expect(a.stdout).toBe("a\n");
    expect([b.code, plain.code, a.code]).toEqual([0, 0, 0]);
  });

  test("two clients share --session=shared: one sets while the other waits, then reads", async () => {
    await using writer = sb.spawn(["--session=shared", "-e", 'shared = "from writer"; println("set"); await sleep(0.3)']);
    expect(await writer.line()).toBe("set");
    // A second client on the same label while the first is still running.
    const reader = await sb.run(["--session=shared", "-e", "println(shared)"]);
    const w = await writer.result();
    expect(w.stdout).toBe("set\n");
    expect(reader.stdout).toBe("from writer\n");
    expect([w.code, reader.code]).toEqual([0, 0]);
  });

  test("bare --session keeps state for the same parent process", async () => {
    const set = await sb.run(["--session", "-e", "perShell = getpid()"]);
    const get = await sb.run(["--session", "-e", "println(perShell === getpid())"]);
    expect(get.stdout).toBe("true\n");
    expect([set.code, get.code]).toEqual([0, 0]);
  });

  test("bare --session from another parent is another session", async () => {
    await sb.run(["--session", "-e", "mine = 1"]);
    // bash is the client's parent here (`; true` keeps bash from exec'ing it), so the label differs.
    const proc = Bun.spawn(["bash", "-c", `"$0" --session -e 'println(typeof mine)'; true`, CLIENT], { env: sb.env, cwd: sb.dir, stdout: "pipe" });
    expect(await new Response(proc.stdout).text()).toBe("undefined\n");
    expect(await proc.exited).toBe(0);
  });
});

describe("--restart", () => {
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
    await using fresh = new Sandbox();
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
