// Ctrl-C routing (src/client/interrupt.ts) with an injected world: the
// INTERRUPT frame by default; SIGINT to the worker's pid once it sent
// INTERRUPT_BY_SIGNAL and SO_PEERCRED vouches for that pid; the frame again
// when the check fails or kill does; the three-Ctrl-C retire rule either way.
// Then the two real pieces: SO_PEERCRED through the client's Sys, and sigint.

import { describe, expect, test } from "bun:test";
import { Link } from "../../src/shared/net/link.ts";
import { Interrupter, INTERRUPT_WINDOW_MS, sigint, type InterruptWorld } from "../../src/client/interrupt.ts";
import { sys } from "../../src/client/sys.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const WORKER = 4242;

function world(peer: number | null, killWorks = true) {
  let t = 1_000_000;
  const log: string[] = [];
  const w: InterruptWorld = {
    now: () => t,
    sendFrame: () => void log.push("frame"),
    peerPid: () => peer,
    kill: (pid) => (log.push(`kill ${pid}`), killWorks),
    retire: () => void log.push("retire"),
  };
  return { w, log, advance: (ms: number) => void (t += ms) };
}

describe("Ctrl-C routing", () => {
  test("an INTERRUPT frame until the worker asks for signals", () => {
    const { w, log } = world(WORKER);
    const i = new Interrupter(WORKER, w);
    i.interrupt(false);
    expect(log).toEqual(["frame"]);
  });

  test("after INTERRUPT_BY_SIGNAL with a matching SO_PEERCRED pid: SIGINT to the worker, no frame", () => {
    const { w, log, advance } = world(WORKER);
    const i = new Interrupter(WORKER, w);
    i.bySignal();
    i.interrupt(false);
    advance(INTERRUPT_WINDOW_MS + 1);
    i.interrupt(false);
    expect(log).toEqual([`kill ${WORKER}`, `kill ${WORKER}`]);
  });

  test("a peer pid that is not ROUTE's worker_pid, or unknown: the frame", () => {
    for (const peer of [WORKER + 1, null, 1, 0]) {
      const { w, log } = world(peer);
      const i = new Interrupter(WORKER, w);
      i.bySignal();
      i.interrupt(false);
      expect(log).toEqual(["frame"]);
    }
  });

  test("kill fails (the worker is gone): the frame", () => {
    const { w, log } = world(WORKER, false);
    const i = new Interrupter(WORKER, w);
    i.bySignal();
    i.interrupt(false);
    expect(log).toEqual([`kill ${WORKER}`, "frame"]);
  });

  test("three Ctrl-C within 2 s and no EXIT: retire; a signalled worker gets eight (julia's own force-throw comes at about four)", () => {
    for (const bySignal of [false, true]) {
      const { w, log, advance } = world(WORKER);
      const i = new Interrupter(WORKER, w);
      if (bySignal) i.bySignal();
      const how = bySignal ? `kill ${WORKER}` : "frame";
      const storm = bySignal ? 8 : 3;
      for (let n = 1; n <= storm; n++) {
        i.interrupt(false);
        expect(log.includes("retire")).toBe(n === storm);
        advance(200);
      }
      expect(log).toEqual([...Array(storm).fill(how), "retire"]);
    }
  });

  test("no retire when they are spread out, or when EXIT has arrived", () => {
    const { w, log, advance } = world(WORKER);
    const i = new Interrupter(WORKER, w);
    i.interrupt(false);
    advance(1500);
    i.interrupt(false);
    advance(1500);
    i.interrupt(false); // the first is out of the window
    i.interrupt(true); // three in the window, but the run already ended
    expect(log).toEqual(["frame", "frame", "frame", "frame"]);
  });
});

describe("the real pieces", () => {
  test("Sys.peerCred names the process at the other end of a Unix socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jd-cred-"));
    const server = Bun.listen({ unix: join(dir, "s.sock"), socket: { data() {} } });
    try {
      const link = await Link.dial(join(dir, "s.sock"));
      const cred = sys().peerCred(link.fd!);
      expect(cred).toEqual({ pid: process.pid, uid: process.getuid!() });
      link.close();
    } finally {
      server.stop(true);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("sigint delivers SIGINT, and says false for a process that is gone", async () => {
    const child = Bun.spawn(["sleep", "30"]);
    expect(sigint(child.pid)).toBe(true);
    await child.exited;
    expect(child.signalCode).toBe("SIGINT");
    expect(sigint(child.pid)).toBe(false);
  });
});
