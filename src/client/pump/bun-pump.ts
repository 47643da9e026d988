// The portable pump: Bun sockets and Bun.write only (no FFI), so it works
// wherever Bun runs; the last fallback (about 2x the CPU of the native pumps).
// Output is written in arrival order per fd; a slow terminal pauses the socket (backpressure reaches the worker); EPIPE on an
// output closes that stream so the worker's next write fails like julia's.

import type { Link } from "../../shared/net/link.ts";
import { READ_CREDIT_OPEN } from "../../shared/protocol/index.ts";
import type { Pump, PumpOptions, RunLinks } from "./types.ts";

const HIGH_WATER = 1 << 20;

class FdWriter {
  private queue: Uint8Array[] = [];
  private queued = 0;
  private busy = false;
  private idleWaiters: (() => void)[] = [];
  broken = false;
  private readonly file: ReturnType<typeof Bun.file>;

  constructor(
    fd: number,
    private readonly source: Link,
  ) {
    this.file = Bun.file(fd);
  }

  push(chunk: Uint8Array): void {
    if (this.broken) return;
    this.queue.push(chunk.slice());
    this.queued += chunk.length;
    if (this.queued > HIGH_WATER) this.source.sock.pause();
    if (!this.busy) void this.loop();
  }

  private async loop(): Promise<void> {
    this.busy = true;
    while (this.queue.length > 0) {
      const chunk = this.queue.shift()!;
      try {
        await Bun.write(this.file, chunk);
      } catch {
        // EPIPE or a closed fd: julia would fail its next write; make the worker's fail.
        this.broken = true;
        this.queue = [];
        this.source.close();
        break;
      }
      this.queued -= chunk.length;
      if (this.queued <= HIGH_WATER / 2) this.source.sock.resume();
    }
    this.busy = false;
    for (const f of this.idleWaiters.splice(0)) f();
  }

  idle(): Promise<void> {
    return this.busy || this.queue.length ? new Promise((r) => this.idleWaiters.push(r)) : Promise.resolve();
  }
}

export class BunPump implements Pump {
  readonly name = "bun" as const;
  private stdinLink: Link | null = null;
  private outLinks: Link[] = [];
  private reading = false;
  private stopped = false;
  private tty = false;

  constructor(readonly description = "bun") {}

  async start(links: RunLinks, opts: PumpOptions): Promise<void> {
    this.stdinLink = links.stdin;
    this.outLinks = [links.stdout, links.stderr];
    this.tty = opts.stdinIsTty;
    const out = new FdWriter(1, links.stdout);
    const err = new FdWriter(2, links.stderr);
    links.stdout.setSink((c) => out.push(c));
    links.stderr.setSink((c) => err.push(c));
    if (!this.tty) this.startReading();
    await Promise.all([links.stdout.closed(), links.stderr.closed()]);
    await Promise.all([out.idle(), err.idle()]);
  }

  /**
   * A tty is read one chunk per credit, never ahead of the worker, so keys
   * typed while the run computes stay with the shell after it ends — or
   * freely under OPEN credit until the next finite one. (A read already
   * pending when that arrives cannot be recalled: its chunk uses the credit.)
   */
  grantCredit(bytes: number): void {
    if (!this.tty) return;
    this.open = bytes === READ_CREDIT_OPEN;
    this.credits = this.open ? 0 : this.credits + 1;
    void this.readForCredit();
  }

  private credits = 0;
  private open = false;
  private creditReading = false;
  private ttyReader: { read(): Promise<{ value?: Uint8Array; done: boolean }> } | null = null;

  private async readForCredit(): Promise<void> {
    const link = this.stdinLink;
    if (this.creditReading || !link) return;
    this.creditReading = true;
    try {
      const reader = (this.ttyReader ??= Bun.stdin.stream().getReader());
      while ((this.open || this.credits > 0) && !this.stopped && !link.isClosed) {
        const { value, done } = await reader.read();
        if (done || !value) return void link.out.end();
        if (!this.open) this.credits = Math.max(0, this.credits - 1);
        if (this.stopped) return;
        link.write(value);
        await link.out.idle();
      }
    } catch {
      // An unreadable terminal (EIO after a hangup) is EOF for the run, as in julia.
      if (!this.stopped) link.out.end();
    } finally {
      this.creditReading = false;
    }
  }

  sendInput(bytes: Uint8Array): void {
    if (!this.stopped) this.stdinLink?.write(bytes);
  }

  stopInput(): void {
    this.stopped = true;
  }

  abort(): void {
    this.stopped = true;
    for (const l of [...this.outLinks, this.stdinLink]) l?.close();
  }

  private startReading(): void {
    if (this.reading || !this.stdinLink) return;
    this.reading = true;
    const link = this.stdinLink;
    void (async () => {
      try {
        for await (const chunk of Bun.stdin.stream()) {
          if (this.stopped || link.isClosed) return;
          link.write(chunk);
          await link.out.idle();
        }
      } catch {
        // An unreadable stdin (EIO, closed) is EOF for the run, as in julia.
      }
      if (!this.stopped) link.out.end();
    })();
  }
}
