// The libc poll pump, for when io_uring is missing or refused: poll(2) plus
// read/write through FFI, as fast as C here. The JS thread blocks in poll, so
// Bun's own epoll fds are in the poll set: a signal (Bun's handler wakes its
// eventfd) or a control frame makes poll return, and the loop yields to Bun's
// event loop — always once before it blocks — so no signal or frame waits.
// (Bun timers would wait; the client sets none during a run.)

import { alloc, errno, libc, type Memory } from "../ffi.ts";
import { ReadCredit } from "./credit.ts";
import { adopt, fdKind, SHUT_RDWR, type Adopted } from "./fds.ts";
import type { Pump, PumpOptions, RunLinks } from "./types.ts";

const POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
const EAGAIN = 11, EINTR = 4, EOPNOTSUPP = 95;
const RWF_NOWAIT = 8;
const BUF_BYTES = 256 << 10;
const MAX_QUEUED = 1 << 20;

const yieldToBun = () => new Promise<void>((r) => setImmediate(r));

/** Worker stdout/stderr → fd 1/2. */
class Output {
  sock: number;
  readonly buf = alloc(BUF_BYTES);
  pending: Memory | null = null;
  len = 0;
  off = 0;
  eof: boolean;
  /** pipes take RWF_NOWAIT writes, so a slow reader never blocks the JS thread */
  nowait: boolean;

  constructor(src: Adopted, readonly dest: number) {
    this.sock = src.fd;
    this.eof = src.fd < 0;
    this.nowait = fdKind(dest) === "pipe";
    if (src.prefix.length) this.hold(copy(src.prefix), src.prefix.length);
  }
  get done(): boolean {
    return this.eof && !this.pending;
  }
  hold(mem: Memory, n: number): void {
    this.pending = mem;
    this.len = n;
    this.off = 0;
  }
  /** EPIPE and friends: julia's next write fails, so the worker's must (it gets EPIPE on the socket). */
  broken(): void {
    libc().shutdown(this.sock, SHUT_RDWR);
    this.eof = true;
    this.pending = null;
  }
}

function copy(bytes: Uint8Array): Memory {
  const m = alloc(bytes.length);
  m.bytes.set(bytes);
  return m;
}

export class PollPump implements Pump {
  readonly name = "poll" as const;
  private outs: Output[] = [];
  private sock = -1; // the worker's stdin
  private queue: { mem: Memory; off: number }[] = [];
  private queued = 0;
  private credit = new ReadCredit(false);
  private inEof = false;
  private stopped = false;
  private aborted = false;
  private readonly inBuf = alloc(BUF_BYTES);
  private readonly iov = alloc(16);
  private pollfds = alloc(16 * 8);

  constructor(
    private readonly bunFds: readonly number[],
    readonly description: string,
  ) {}

  async start(links: RunLinks, opts: PumpOptions): Promise<void> {
    this.outs = [new Output(adopt(links.stdout, false), 1), new Output(adopt(links.stderr, false), 2)];
    const input = adopt(links.stdin, false);
    this.sock = input.fd;
    this.stopped = input.fd < 0;
    this.credit = new ReadCredit(opts.stdinIsTty);
    // Never block before yielding once: a control frame Bun already read may be waiting in a
    // microtask, and blocking then would wait for an epoll event that already happened.
    let block = false;
    while (!this.aborted && !this.outs.every((o) => o.done)) {
      const { bunBusy, ready } = this.step(block ? -1 : 0);
      if (bunBusy || !ready) await yieldToBun();
      block = !ready && !bunBusy;
    }
    for (const o of this.outs) if (o.sock >= 0) libc().close(o.sock);
  }

  /** One poll (`timeout` ms, -1 = until something happens) and whatever it allows. */
  private step(timeout: number): { bunBusy: boolean; ready: boolean } {
    const c = libc();
    const fds: number[] = [], events: number[] = [];
    const add = (fd: number, ev: number) => (fds.push(fd), events.push(ev), fds.length - 1);
    for (const fd of this.bunFds) add(fd, POLLIN);
    const outSlots = this.outs.map((o) => (o.done ? -1 : o.pending ? add(o.dest, POLLOUT) : add(o.sock, POLLIN)));
    const sockSlot = !this.stopped && this.queue.length ? add(this.sock, POLLOUT) : -1;
    const wantInput = !this.stopped && !this.inEof && this.credit.mayRead(this.queued, MAX_QUEUED);
    const inSlot = wantInput ? add(0, POLLIN) : -1;
    if (fds.length * 8 > this.pollfds.bytes.length) this.pollfds = alloc(fds.length * 8);
    const v = new DataView(this.pollfds.bytes.buffer);
    fds.forEach((fd, i) => {
      v.setInt32(i * 8, fd, true);
      v.setInt16(i * 8 + 4, events[i]!, true);
      v.setInt16(i * 8 + 6, 0, true);
    });
    const n = c.poll(this.pollfds.address, fds.length, timeout);
    if (n <= 0) return { bunBusy: n < 0 && errno() === EINTR, ready: false };
    const ready = (slot: number) => slot >= 0 && (v.getInt16(slot * 8 + 6, true) & (events[slot]! | POLLERR | POLLHUP | POLLNVAL)) !== 0;
    let bunBusy = false;
    for (let i = 0; i < this.bunFds.length; i++) bunBusy ||= ready(i);
    this.outs.forEach((o, i) => {
      if (!ready(outSlots[i]!)) return;
      if (o.pending) this.writeOut(o);
      else this.readOut(o);
    });
    if (ready(sockSlot)) this.writeIn();
    if (ready(inSlot)) this.readIn();
    return { bunBusy, ready: true };
  }

  private readOut(o: Output): void {
    const r = libc().read(o.sock, o.buf.address, BUF_BYTES);
    if (r > 0) o.hold(o.buf, r);
    else if (r === 0 || errno() !== EAGAIN) o.eof = true; // EOF, or the worker vanished (ECONNRESET)
  }

  private writeOut(o: Output): void {
    const c = libc();
    const at = o.pending!.address + o.off, len = o.len - o.off;
    let w: number;
    if (o.nowait) {
      const iv = new DataView(this.iov.bytes.buffer);
      iv.setBigUint64(0, BigInt(at), true);
      iv.setBigUint64(8, BigInt(len), true);
      w = c.pwritev2(o.dest, this.iov.address, 1, -1, RWF_NOWAIT);
      if (w < 0 && errno() === EOPNOTSUPP) {
        o.nowait = false; // an older kernel: plain write after POLLOUT moves at least a page
        return;
      }
    } else w = c.write(o.dest, at, len);
    if (w > 0) {
      o.off += w;
      if (o.off >= o.len) o.pending = null;
    } else if (w < 0 && errno() !== EAGAIN && errno() !== EINTR) o.broken();
  }

  private readIn(): void {
    const r = libc().read(0, this.inBuf.address, this.credit.limit(BUF_BYTES));
    if (r > 0) {
      this.credit.spend(); // one read per finite READ_CREDIT
      this.queue.push({ mem: copy(this.inBuf.bytes.subarray(0, r)), off: 0 });
      this.queued += r;
    } else if (r === 0 || (errno() !== EAGAIN && errno() !== EINTR)) {
      this.inEof = true;
      if (this.queue.length === 0) this.closeInput();
    }
  }

  private writeIn(): void {
    const head = this.queue[0]!;
    const w = libc().write(this.sock, head.mem.address + head.off, head.mem.bytes.length - head.off);
    if (w > 0) {
      head.off += w;
      this.queued -= w;
      if (head.off >= head.mem.bytes.length) this.queue.shift();
      if (this.inEof && this.queue.length === 0) this.closeInput();
    } else if (w < 0 && errno() !== EAGAIN && errno() !== EINTR) this.closeInput(); // the worker closed stdin
  }

  /** EOF for the worker: the protocol closes the whole stdin connection. */
  private closeInput(): void {
    if (this.sock >= 0) libc().close(this.sock);
    this.sock = -1;
    this.stopped = true;
    this.queue = [];
  }

  grantCredit(bytes: number): void {
    this.credit.grant(bytes); // read synchronously in step(), so no read is ever in flight across a grant
  }

  sendInput(bytes: Uint8Array): void {
    if (this.stopped || bytes.length === 0) return;
    this.queue.push({ mem: copy(bytes), off: 0 });
    this.queued += bytes.length;
  }

  stopInput(): void {
    this.stopped = true;
  }

  abort(): void {
    this.aborted = true;
    for (const o of this.outs) if (o.sock >= 0) libc().shutdown(o.sock, SHUT_RDWR);
    if (this.sock >= 0) libc().shutdown(this.sock, SHUT_RDWR);
  }
}
