// A worker stuck in code that never yields (a JavaScript busy loop in the
// double, which cannot even read INTERRUPT; `while true end` in julia, which
// below 1.9 has no interactive thread to read it on) is retired by the
// conductor: at once on the third Ctrl-C within 2 s (a julia worker signalled with SIGINT
// instead ends the loop by julia's own force-throw), or 5 s after its client
// vanished. Either way the next run gets a fresh worker. With the double and
// with real julia as the worker (lang.ts).

import { afterAll, beforeAll, expect } from "bun:test";
import { readFileSync } from "node:fs";
import { alive, Sandbox, waitFor } from "./harness.ts";
import { eachLang } from "./lang.ts";

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Waits until `pid` has burnt CPU since now: it is in its busy loop, past any chance to yield. */
async function spinning(pid: number): Promise<void> {
  const start = cpuTicks(pid);
  await waitFor(() => cpuTicks(pid) - start >= 10, 10_000, `worker ${pid} to spin`);
}

eachLang("retiring stuck workers", ({ lang, L, test }) => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox({}, lang);
  });
  afterAll(async () => {
    await sb.stop();
  });

  // The pid goes out before the loop (the double sends output only when it yields).
  const STUCK = L({ double: "println(getpid()); await sleep(0); while (true) {}", julia: "println(getpid()); while true end" });

  test("Ctrl-C three times within 2 s: the worker is killed, the client exits 71", async () => {
    await using live = sb.spawn(["-e", STUCK]);
    const pid = Number(await live.line());
    await spinning(pid);
    // Signals sent back to back merge while pending; press Ctrl-C like a user, until it ends.
    const done = live.result();
    let ended = false;
    void done.then(() => (ended = true));
    for (let presses = 0; !ended && presses < 60; presses++) {
      live.kill("SIGINT");
      await Promise.race([done, Bun.sleep(50)]);
    }
    const r = await done;
    expect(r.stdout).toBe(`${pid}\n`);
    if (lang === "julia") {
      // A julia worker without an interactive thread takes Ctrl-C as SIGINT (INTERRUPT_BY_SIGNAL):
      // julia's own force-throw (about the fourth quick one that arrives) ends the loop, as in
      // plain julia; SIGINTs sent back to back merge while pending, so when too few arrive the
      // client's eighth asks for retirement instead. Either way the user is not stuck.
      if (r.code === 1) {
        expect(r.stderr).toMatch(/^(WARNING: Force throwing a SIGINT\n)?ERROR: InterruptException/);
        return;
      }
      // (julia's force-throw warning may precede it, when later presses cut its report short.)
      expect(r.stderr).toMatch(/^(WARNING: Force throwing a SIGINT\n)?juliaclient: error: worker /);
      expect(r.code).toBe(71);
      return;
    }
    expect(r.stderr).toStartWith("juliaclient: error: worker ");
    expect(r.code).toBe(71);
    await waitFor(() => !alive(pid), 5000, "the stuck worker to die");
    const next = await sb.run(["-e", "println(getpid())"]);
    expect(next.code).toBe(0);
    expect(Number(next.stdout)).not.toBe(pid);
  });

  test("a client killed mid-run: its still-busy worker is retired after the grace", async () => {
    const live = sb.spawn(["-e", STUCK]);
    const pid = Number(await live.line());
    await spinning(pid);
    live.kill("SIGKILL");
    await live.result();
    expect(alive(pid)).toBe(true);
    await waitFor(() => !alive(pid), 15_000, "the orphaned busy worker to be retired");
  }, 20_000);
});
