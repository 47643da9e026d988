// fd 0 → the worker's stdin socket through the ring. A pipe or file is read
// ahead (bounded, so a stalled worker stops the reads); a tty is read only
// while the worker holds read credit, once per credit, so typeahead stays
// with the shell — or freely under open credit, until a finite credit cancels
// the large read still pending. EOF closes the socket (the protocol's EOF);
// stop() cancels a read still pending on a tty when the run ends.

import { alloc, type Memory } from "../../ffi.ts";
import { ReadCredit } from "../credit.ts";
import type { Adopted } from "../fds.ts";
import { CURRENT_POSITION, Op, POLLIN, POLLOUT } from "./abi.ts";
import { closeFd, EAGAIN, ECANCELED, EINTR, Kind, pollAdd, shutdownSocket, userData, type Kick, type UringStream } from "./ops.ts";
import type { Ring } from "./ring.ts";

const READ_BYTES = 256 << 10;
const MAX_QUEUED = 1 << 20;

export class StdinStream implements UringStream {
  private sock: number;
  private readonly buf = alloc(READ_BYTES);
  private queue: { mem: Memory; off: number }[] = [];
  private queued = 0;
  private readonly credit: ReadCredit;
  private reading = false;
  /** the pending read was issued under open credit and is being cancelled for a finite one */
  private recalling = false;
  private writing = false;
  private waitingSrc = false;
  private waitingDst = false;
  private eof = false;
  private stopped = false;

  constructor(
    private readonly ring: Ring,
    private readonly index: number,
    dest: Adopted,
    tty: boolean,
    private readonly kickPump: Kick,
  ) {
    this.sock = dest.fd;
    this.stopped = dest.fd < 0;
    this.credit = new ReadCredit(tty);
  }

  grant(bytes: number): void {
    if (!this.credit.tty) return;
    // A read issued under open credit may take more than the finite credit allows: recall it
    // (it completes with the bytes it already had, or cancelled with none) and read again.
    if (this.credit.grant(bytes) && this.reading && !this.recalling && !this.stopped) {
      this.recalling = true;
      this.cancelRead();
    }
    this.kick();
    this.kickPump();
  }

  private cancelRead(): void {
    this.ring.push({ op: Op.ASYNC_CANCEL, fd: -1, addr: userData(this.index, Kind.READ), userData: userData(this.index, Kind.CANCEL) });
  }

  inject(bytes: Uint8Array): void {
    if (this.stopped || bytes.length === 0) return;
    const mem = alloc(bytes.length);
    mem.bytes.set(bytes);
    this.queue.push({ mem, off: 0 });
    this.queued += bytes.length;
    this.kick();
    this.kickPump();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue = [];
    // A tty read still pending would eat the user's next keystrokes: cancel it.
    if (this.reading && !this.recalling) this.cancelRead();
    this.kickPump();
  }

  kick(): void {
    if (this.stopped) return;
    const head = this.queue[0];
    if (head && !this.writing && !this.waitingDst) {
      this.writing = true;
      this.ring.push({ op: Op.WRITE, fd: this.sock, addr: head.mem.address + head.off, len: head.mem.bytes.length - head.off, off: CURRENT_POSITION, userData: userData(this.index, Kind.WRITE) });
    }
    if (this.credit.mayRead(this.queued, MAX_QUEUED) && !this.reading && !this.eof && !this.waitingSrc) {
      this.reading = true;
      const len = this.credit.limit(READ_BYTES);
      this.ring.push({ op: Op.READ, fd: 0, addr: this.buf.address, len, off: CURRENT_POSITION, userData: userData(this.index, Kind.READ) });
    }
    if (this.eof && this.queue.length === 0 && !this.writing) this.closeSocket();
  }

  complete(kind: number, res: number): void {
    if (kind === Kind.READ) {
      this.reading = false;
      const recalled = this.recalling;
      this.recalling = false;
      if (res > 0) {
        this.credit.spend(); // one read per finite READ_CREDIT: the worker asks again when it blocks again
        const mem = alloc(res);
        mem.bytes.set(this.buf.bytes.subarray(0, res));
        this.queue.push({ mem, off: 0 });
        this.queued += res;
      } else if (res === -EAGAIN) {
        this.waitingSrc = true;
        pollAdd(this.ring, 0, POLLIN, userData(this.index, Kind.POLL_SRC));
      } else if (recalled && (res === -ECANCELED || res === -EINTR)) {
        // cancelled for a finite credit, nothing consumed: kick() reads again with the new limit
      } else if (!this.stopped) this.eof = true; // 0, EIO, EBADF: julia sees EOF too
    } else if (kind === Kind.WRITE) {
      this.writing = false;
      const head = this.queue[0];
      if (res > 0 && head) {
        head.off += res;
        this.queued -= res;
        if (head.off >= head.mem.bytes.length) this.queue.shift();
      } else if (res === -EAGAIN) {
        this.waitingDst = true;
        pollAdd(this.ring, this.sock, POLLOUT, userData(this.index, Kind.POLL_DST));
      } else if (res <= 0) this.stopAndClose(); // the worker closed its stdin (EPIPE): nothing more to send
    } else if (kind === Kind.POLL_SRC) this.waitingSrc = false;
    else if (kind === Kind.POLL_DST) this.waitingDst = false;
    this.kick();
  }

  private stopAndClose(): void {
    this.stop();
    this.closeSocket();
  }

  /** EOF for the worker: the protocol closes the whole stdin connection. */
  private closeSocket(): void {
    if (this.sock < 0) return;
    closeFd(this.sock);
    this.sock = -1;
    this.stopped = true;
  }

  shutdown(): void {
    shutdownSocket(this.sock);
    this.stop();
  }
}
