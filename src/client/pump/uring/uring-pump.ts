// The io_uring pump. Worker stdout/stderr reach fds 1/2 by SPLICE (socket →
// private pipe → destination, no copy through user space) when the
// destination is a pipe, file or device, and by READ/WRITE for a tty or where
// splice says EINVAL (a `>>` file). stdin is READ/WRITE; a tty is read only
// while the worker holds read credit. EAGAIN arms a POLL_ADD and retries.

import { adopt, fdKind } from "../fds.ts";
import type { Pump, PumpOptions, RunLinks } from "../types.ts";
import type { Kick } from "./ops.ts";
import { OutputStream } from "./output-stream.ts";
import type { Ring } from "./ring.ts";
import { StdinStream } from "./stdin-stream.ts";

export class UringPump implements Pump {
  readonly name = "uring" as const;
  private out: OutputStream | null = null;
  private err: OutputStream | null = null;
  private input: StdinStream | null = null;
  private finish: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly ring: Ring,
    readonly description: string,
  ) {}

  start(links: RunLinks, opts: PumpOptions): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    const kick: Kick = () => this.submit();
    let open = 2;
    const ended = () => {
      if (--open === 0) this.end();
    };
    this.out = new OutputStream(this.ring, 0, adopt(links.stdout, true), 1, fdKind(1), ended);
    this.err = new OutputStream(this.ring, 1, adopt(links.stderr, true), 2, fdKind(2), ended);
    this.input = new StdinStream(this.ring, 2, adopt(links.stdin, true), opts.stdinIsTty, kick);
    this.ring.watch(() => this.onWake());
    this.out.kick();
    this.err.kick();
    this.input.kick();
    this.submit();
    return done;
  }

  private onWake(): void {
    if (this.closed) return;
    const streams = [this.out, this.err, this.input];
    this.ring.reap((userData, res) => streams[userData >> 4]?.complete(userData & 15, res));
    this.submit();
  }

  private submit(): void {
    if (!this.closed) this.ring.submit();
  }

  grantCredit(bytes: number): void {
    this.input?.grant(bytes);
  }

  sendInput(bytes: Uint8Array): void {
    this.input?.inject(bytes);
  }

  stopInput(): void {
    this.input?.stop();
  }

  abort(): void {
    for (const s of [this.out, this.err, this.input]) s?.shutdown();
    this.end();
  }

  private end(): void {
    if (this.closed) return;
    this.input?.stop();
    this.submit();
    this.closed = true;
    this.finish?.();
  }
}
