// The contract every stdio pump (io_uring, libc poll, pure Bun) implements,
// so the run logic never knows which one moves the bytes. A pump owns the
// stdin/stdout/stderr streams once started; the control stream stays with
// worker-run.ts.

import type { Link } from "../../shared/net/link.ts";

export interface RunLinks {
  control: Link;
  stdin: Link;
  stdout: Link;
  stderr: Link;
}

export interface PumpOptions {
  /** fd 0 is a tty: read it only while the worker holds read credit (finite or open). */
  stdinIsTty: boolean;
}

export type PumpName = "uring" | "poll" | "bun";

export interface Pump {
  readonly name: PumpName;
  /** e.g. "io_uring (liburing 2.3)", for `juliaclient --status`. */
  readonly description: string;
  /**
   * Starts moving bytes; resolves once stdout and stderr reached EOF (or were
   * closed after EPIPE) and every byte was written out, or after `abort`.
   */
  start(links: RunLinks, opts: PumpOptions): Promise<void>;
  /**
   * The worker is blocked reading up to `bytes` of stdin (READ_CREDIT), or
   * READ_CREDIT_OPEN: read a tty freely until the next finite credit or
   * `stopInput`. No effect when stdin is not a tty (it is never gated).
   */
  grantCredit(bytes: number): void;
  /** Bytes for the worker's stdin ahead of what fd 0 has (^C for a raw-mode REPL). */
  sendInput(bytes: Uint8Array): void;
  /** Stop reading fd 0 (the run ended). */
  stopInput(): void;
  /** Drop everything and resolve `start` now (SIGTERM/SIGHUP). */
  abort(): void;
}
