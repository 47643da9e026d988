// One worker output stream (stdout or stderr) to its fd through the ring.
// splice mode keeps a fill (socket → private pipe) and a drain (pipe → fd)
// in flight together; rw mode READs into a buffer and WRITEs it out (ttys, and
// after splice said EINVAL — bytes already in the pipe are read out first).
// EPIPE or another write error shuts the socket so the worker's next write fails.

import { alloc, libc, type Memory } from "../../ffi.ts";
import type { Adopted, FdKind } from "../fds.ts";
import { CURRENT_POSITION, Op, POLLIN, POLLOUT, SPLICE_F_MOVE, SPLICE_F_NONBLOCK } from "./abi.ts";
import { closeFd, EAGAIN, EINVAL, Kind, pollAdd, shutdownSocket, userData, type UringStream } from "./ops.ts";
import type { Ring } from "./ring.ts";

const O_CLOEXEC = 0o2000000;
const F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032;
const PIPE_BYTES = 1 << 20;
const BUF_BYTES = 256 << 10;

export class OutputStream implements UringStream {
  private mode: "splice" | "rw";
  private sock: number;
  private pipe: [number, number] | null = null;
  private cap = 0;
  private inPipe = 0;
  private buf: Memory | null = null;
  private pending: Memory | null; // bytes to WRITE: the hand-over prefix, then what READ got
  private pendingLen: number;
  private pendingOff = 0;
  private filling = false;
  private fillAfterDrain = false; // the fill found the pipe full: retry when a drain completes
  private draining = false;
  private reading = false;
  private readFromPipe = false;
  private writing = false;
  private waitingSrc = false;
  private waitingDst = false;
  private eof = false;
  private discard = false; // after EPIPE: whatever still arrives is dropped
  private finished = false;

  constructor(
    private readonly ring: Ring,
    private readonly index: number,
    src: Adopted,
    private readonly dest: number,
    destKind: FdKind,
    private readonly onDone: () => void,
  ) {
    this.sock = src.fd;
    this.eof = src.fd < 0;
    this.pending = src.prefix.length ? copy(src.prefix) : null;
    this.pendingLen = src.prefix.length;
    this.mode = destKind === "tty" ? "rw" : "splice";
    if (this.mode === "splice" && !this.eof && !this.openPipe()) this.mode = "rw";
  }

  private openPipe(): boolean {
    const c = libc();
    const fds = alloc(8);
    if (c.pipe2(fds.bytes, O_CLOEXEC) !== 0) return false;
    const v = new DataView(fds.bytes.buffer);
    this.pipe = [v.getInt32(0, true), v.getInt32(4, true)];
    c.fcntl(this.pipe[1], F_SETPIPE_SZ, PIPE_BYTES); // best effort: pipe-max-size may be lower
    this.cap = c.fcntl(this.pipe[1], F_GETPIPE_SZ, 0);
    return this.cap > 0;
  }

  private ud(kind: number): number {
    return userData(this.index, kind);
  }

  /** Queues whatever can run now; the pump submits. */
  kick(): void {
    if (this.finished) return;
    if (this.pending) {
      if (!this.writing && !this.waitingDst) this.write();
    } else if (this.mode === "splice") {
      if (!this.filling && !this.eof && !this.waitingSrc && !this.fillAfterDrain && this.inPipe < this.cap) {
        // NONBLOCK: a blocking socket→pipe splice sleeps holding the pipe's lock, which would
        // stall the drain of bytes already in the pipe until the worker writes again.
        this.filling = true;
        this.ring.splice(this.sock, this.pipe![1], this.cap - this.inPipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK, this.ud(Kind.FILL));
      }
      if (!this.draining && !this.waitingDst && this.inPipe > 0) {
        this.draining = true;
        this.ring.splice(this.pipe![0], this.dest, this.inPipe, SPLICE_F_MOVE, this.ud(Kind.DRAIN));
      }
    } else if (!this.reading && !this.waitingSrc && (this.inPipe > 0 || (!this.filling && !this.eof))) {
      // Bytes already in the pipe go first. A fill still in flight may be waiting for pipe slots
      // (every small socket write takes one), so the pipe is read while it runs, never after.
      this.buf ??= alloc(BUF_BYTES);
      this.reading = true;
      this.readFromPipe = this.inPipe > 0;
      const fd = this.readFromPipe ? this.pipe![0] : this.sock;
      const len = this.readFromPipe ? Math.min(this.inPipe, BUF_BYTES) : BUF_BYTES;
      this.ring.push({ op: Op.READ, fd, addr: this.buf.address, len, off: CURRENT_POSITION, userData: this.ud(Kind.READ) });
    }
    const idle = !this.filling && !this.draining && !this.reading && !this.writing && !this.waitingSrc && !this.waitingDst;
    if (idle && this.eof && this.inPipe === 0 && !this.pending) this.done();
  }

  private write(): void {
    const p = this.pending!;
    this.writing = true;
    this.ring.push({ op: Op.WRITE, fd: this.dest, addr: p.address + this.pendingOff, len: this.pendingLen - this.pendingOff, off: CURRENT_POSITION, userData: this.ud(Kind.WRITE) });
  }

  complete(kind: number, res: number): void {
    switch (kind) {
      case Kind.FILL:
        this.filling = false;
        if (res > 0) this.inPipe += this.discard ? 0 : res;
        else if (res === -EAGAIN && this.inPipe > 0) this.fillAfterDrain = true; // pipe full (or socket empty): the drain frees it
        else if (res === -EAGAIN) this.waitFor(Kind.POLL_SRC, this.sock); // socket empty: wait without holding the pipe
        else this.eof = true; // 0 = EOF; ECONNRESET etc.: the worker is gone, same thing
        break;
      case Kind.DRAIN:
        this.draining = false;
        this.fillAfterDrain = false;
        if (res > 0) this.inPipe -= res;
        else if (res === -EINVAL) this.mode = "rw"; // e.g. O_APPEND: splice refuses, write(2) does not
        else if (res === -EAGAIN) this.waitFor(Kind.POLL_DST);
        else this.broken();
        break;
      case Kind.READ:
        this.reading = false;
        if (res > 0 && this.discard) break;
        if (res > 0) {
          if (this.readFromPipe) this.inPipe -= res;
          this.pending = this.buf;
          this.pendingLen = res;
          this.pendingOff = 0;
        } else if (res === -EAGAIN) this.waitFor(Kind.POLL_SRC, this.readFromPipe ? this.pipe![0] : this.sock);
        else if (this.readFromPipe) this.broken();
        else this.eof = true;
        break;
      case Kind.WRITE:
        this.writing = false;
        if (res > 0) {
          this.pendingOff += res;
          if (this.pendingOff >= this.pendingLen) this.pending = null;
        } else if (res === -EAGAIN) this.waitFor(Kind.POLL_DST);
        else this.broken();
        break;
      case Kind.POLL_SRC:
        this.waitingSrc = false;
        break;
      case Kind.POLL_DST:
        this.waitingDst = false;
        break;
    }
    this.kick();
  }

  /**
   * A non-blocking fd said EAGAIN: wait for readiness instead of spinning.
   * The source is named by the caller: after a switch to rw mode a fill's
   * EAGAIN is about the socket even when the last READ was from the pipe
   * (polling the empty pipe then would wait forever).
   */
  private waitFor(kind: number, src?: number): void {
    if (kind === Kind.POLL_SRC) {
      this.waitingSrc = true;
      pollAdd(this.ring, src ?? this.sock, POLLIN, this.ud(kind));
    } else {
      this.waitingDst = true;
      pollAdd(this.ring, this.dest, POLLOUT, this.ud(kind));
    }
  }

  /** The destination refused bytes (EPIPE, ENOSPC, closed): julia's next write would fail, so the worker's must. */
  private broken(): void {
    shutdownSocket(this.sock);
    this.discard = true;
    this.eof = true;
    this.pending = null;
    this.inPipe = 0;
  }

  shutdown(): void {
    shutdownSocket(this.sock);
    this.done();
  }

  private done(): void {
    if (this.finished) return;
    this.finished = true;
    closeFd(this.sock);
    this.sock = -1;
    if (this.pipe) for (const fd of this.pipe) closeFd(fd);
    this.pipe = null;
    this.onDone();
  }
}

function copy(bytes: Uint8Array): Memory {
  const m = alloc(bytes.length);
  m.bytes.set(bytes);
  return m;
}
