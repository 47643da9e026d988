// Read credit for a tty stdin (docs/protocol.md §5.1), one rule for the
// native pumps: a finite READ_CREDIT allows one read of at most that many
// bytes, so typeahead stays with the shell; OPEN (a child process of the run
// reads the stdin socket itself) allows reads of any size until the next
// finite credit. A stdin that is not a tty is never gated by credit, only by
// the pump's queue bound, and so is a tty under open credit.

import { READ_CREDIT_OPEN } from "../../shared/protocol/index.ts";

export class ReadCredit {
  private bytes = 0;
  private open = false;

  constructor(readonly tty: boolean) {}

  /** READ_CREDIT arrived; returns true when it ended open credit (a read issued under it may be too large). */
  grant(bytes: number): boolean {
    if (!this.tty) return false;
    const wasOpen = this.open;
    this.open = bytes === READ_CREDIT_OPEN;
    this.bytes = this.open ? 0 : bytes;
    return wasOpen && !this.open;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** fd 0 may be read now, with `queued` bytes not yet written to the worker. */
  mayRead(queued: number, maxQueued: number): boolean {
    return this.tty && !this.open ? this.bytes > 0 : queued < maxQueued;
  }

  /** The most the next read of fd 0 may take. */
  limit(max: number): number {
    return this.tty && !this.open ? Math.min(this.bytes, max) : max;
  }

  /** A read returned data: a finite credit is used up (the worker asks again when it blocks again). */
  spend(): void {
    if (this.tty && !this.open) this.bytes = 0;
  }
}
