// The contract every stdio pump (pure Bun now; io_uring and libc poll later)
// implements, so the run logic never knows which one moves the bytes.

import type { Link } from "../../shared/net/link.ts";

export interface RunLinks {
  control: Link;
  stdin: Link;
  stdout: Link;
  stderr: Link;
}

export interface PumpOptions {
  /** fd 0 is a tty: read it only while the worker holds read credit. */
  stdinIsTty: boolean;
}

export interface Pump {
  readonly name: "bun" | "poll" | "uring";
  /** Starts moving bytes; resolves once stdout and stderr reached EOF and were written out. */
  start(links: RunLinks, opts: PumpOptions): Promise<void>;
  /** The worker is blocked reading stdin. */
  grantCredit(bytes: number): void;
  /** Stop reading fd 0 (the run ended). */
  stopInput(): void;
}
