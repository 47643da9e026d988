// Read credit in every stdio pump (docs/protocol.md §5.1), each in a child
// process whose fd 0 is a pipe the test writes to and which the pump is told
// is a tty: a finite READ_CREDIT allows one read of at most that many bytes,
// OPEN allows any number of reads until the next finite credit or stopInput,
// and a stdin that is not a tty is never gated. "Nothing more arrives" is
// checked by waiting QUIET_MS, the one negative wait here.

import { afterEach, describe, expect, test } from "bun:test";
import { READ_CREDIT_OPEN } from "../../src/shared/protocol/index.ts";
import { liburing } from "../../src/client/ffi.ts";
import { Ring } from "../../src/client/pump/uring/ring.ts";

const CHILD = new URL("./pump-credit.child.ts", import.meta.url).pathname;
const QUIET_MS = 250;

const haveUring = (() => {
  try {
    Ring.open(liburing()).close();
    return true;
  } catch {
    return false;
  }
})();

const children: PumpChild[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

class PumpChild {
  got = "";
  private acks: (() => void)[] = [];
  private changed: (() => void)[] = [];
  private readonly proc;
  readonly ready: Promise<string>;

  constructor(pump: string, tty: boolean) {
    let ready!: (name: string) => void;
    this.ready = new Promise((r) => (ready = r));
    this.proc = Bun.spawn([process.execPath, CHILD, pump, tty ? "tty" : "pipe"], {
      stdin: "pipe",
      stdout: "inherit",
      stderr: "inherit",
      ipc: (m: { ready?: string; got?: string; ack?: boolean }) => {
        if (m.ready) ready(m.ready);
        if (m.got !== undefined) {
          this.got += m.got;
          for (const f of this.changed.splice(0)) f();
        }
        if (m.ack) this.acks.shift()?.();
      },
    });
    children.push(this);
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill();
  }

  /** Sends a command and waits until the child has applied it. */
  command(m: { grant?: number; stop?: boolean; end?: boolean }): Promise<void> {
    const acked = new Promise<void>((r) => this.acks.push(r));
    this.proc.send(m);
    return acked;
  }

  write(text: string): void {
    this.proc.stdin.write(text);
    this.proc.stdin.flush();
  }

  /** Waits until the worker side has received exactly `text` in all. */
  async received(text: string, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (this.got !== text) {
      if (!text.startsWith(this.got) || Date.now() > end) throw new Error(`worker side received ${JSON.stringify(this.got)}, expected ${JSON.stringify(text)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, end - Date.now());
        this.changed.push(() => (clearTimeout(t), r()));
      });
    }
  }

  /** Nothing beyond `text` arrives for QUIET_MS. */
  async quiet(text: string): Promise<void> {
    await Bun.sleep(QUIET_MS);
    expect(this.got).toBe(text);
  }

  async end(): Promise<number> {
    await this.command({ end: true });
    this.proc.stdin.end();
    return this.proc.exited;
  }
}

const PUMPS = haveUring ? ["uring", "poll", "bun"] : ["poll", "bun"];
if (!haveUring) describe.skip("read credit: uring (skipped: io_uring is unavailable on this machine)", () => test("uring", () => {}));

describe.each(PUMPS)("read credit, pump %s", (pump) => {
  test("a tty: OPEN reads on after each read; a finite credit gates again; stopInput ends open credit", async () => {
    const c = new PumpChild(pump, true);
    expect(await c.ready).toBe(pump);
    c.write("early\n");
    await c.quiet(""); // no credit yet: typeahead stays unread
    await c.command({ grant: READ_CREDIT_OPEN });
    await c.received("early\n");
    c.write("one\n");
    await c.received("early\none\n"); // not reset to 0 by the read before
    c.write("two\n");
    await c.received("early\none\ntwo\n");
    await c.command({ grant: 3 });
    c.write("abcdef\n");
    // The native pumps read at most 3 bytes (io_uring recalls the read it issued under OPEN);
    // Bun's pending stream read cannot be recalled, so its chunk uses the credit.
    const credited = pump === "bun" ? "early\none\ntwo\nabcdef\n" : "early\none\ntwo\nabc";
    await c.received(credited);
    c.write("xyz\n");
    await c.quiet(credited); // the finite credit is spent
    await c.command({ grant: READ_CREDIT_OPEN });
    await c.received("early\none\ntwo\nabcdef\nxyz\n");
    await c.command({ stop: true });
    c.write("late\n");
    await c.quiet("early\none\ntwo\nabcdef\nxyz\n");
    expect(await c.end()).toBe(0);
  }, 20_000);

  test("not a tty: read without credit, and credit (finite or OPEN) changes nothing", async () => {
    const c = new PumpChild(pump, false);
    expect(await c.ready).toBe(pump);
    c.write("a\n");
    await c.received("a\n");
    await c.command({ grant: 1 });
    c.write("bcdef\n");
    await c.received("a\nbcdef\n");
    await c.command({ grant: READ_CREDIT_OPEN });
    c.write("g\n");
    await c.received("a\nbcdef\ng\n");
    expect(await c.end()).toBe(0);
  }, 20_000);
});
