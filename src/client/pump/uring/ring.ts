// One io_uring driven from JavaScript without blocking the JS thread: SQEs
// are filled in place through the offsets in abi.ts (no FFI call per SQE),
// io_uring_submit is the only call per batch, and completions are announced
// by an eventfd that Bun's own event loop watches (`Bun.file(fd).stream()`).
// Blocking in liburing's wait would stall Bun's signal delivery; this never waits.

import { alloc, libc, NativeUnavailable, view, type Liburing, type Memory } from "../../ffi.ts";
import { CQE, CURRENT_POSITION, Op, RING, SQE } from "./abi.ts";

const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;

export interface SqeFields {
  op: number;
  fd: number;
  /** buffer address, splice_off_in, or the user_data an ASYNC_CANCEL targets */
  addr?: number | bigint;
  len?: number;
  off?: bigint;
  opFlags?: number;
  spliceFdIn?: number;
  userData: number;
}

function u32At(address: number): Uint32Array {
  return new Uint32Array(view(address, 4));
}

export class Ring {
  private readonly words: DataView;
  private readonly sqHead: Uint32Array;
  private readonly sqEntries: number;
  private readonly sqMask: number;
  private readonly sqes: DataView;
  private readonly cqHead: Uint32Array;
  private readonly cqTail: Uint32Array;
  private readonly cqMask: number;
  private readonly cqes: DataView;
  private unsubmitted = 0;
  private reader: { read(): Promise<{ done: boolean }>; cancel(): Promise<void> } | null = null;
  readonly eventfd: number;

  private constructor(
    private readonly lib: Liburing,
    private readonly mem: Memory,
  ) {
    this.words = new DataView(mem.bytes.buffer);
    const ptrAt = (off: number) => Number(this.words.getBigUint64(off, true));
    this.sqHead = u32At(ptrAt(RING.sq.khead));
    // Through the kernel's pointers: the cached ring_mask fields only exist since liburing 2.3.
    this.sqMask = u32At(ptrAt(RING.sq.kringMask))[0]!;
    this.sqEntries = u32At(ptrAt(RING.sq.kringEntries))[0]!;
    this.sqes = new DataView(view(ptrAt(RING.sq.sqes), this.sqEntries * SQE.size));
    this.cqHead = u32At(ptrAt(RING.cq.khead));
    this.cqTail = u32At(ptrAt(RING.cq.ktail));
    this.cqMask = u32At(ptrAt(RING.cq.kringMask))[0]!;
    const cqEntries = u32At(ptrAt(RING.cq.kringEntries))[0]!;
    this.cqes = new DataView(view(ptrAt(RING.cq.cqes), cqEntries * CQE.size));
    const c = libc();
    this.eventfd = c.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (this.eventfd < 0 || lib.io_uring_register_eventfd(mem.address, this.eventfd) < 0) {
      lib.io_uring_queue_exit(mem.address);
      throw new NativeUnavailable("liburing", "io_uring_register_eventfd failed");
    }
  }

  /** Sets a ring up; NativeUnavailable (with errno) when io_uring_setup is refused (ENOSYS, EPERM). */
  static open(lib: Liburing, entries = 64): Ring {
    const mem = alloc(256); // struct io_uring is 216 bytes in 2.3; room for growth
    const rc = lib.io_uring_queue_init(entries, mem.address, 0);
    if (rc < 0) throw new NativeUnavailable("liburing", `io_uring_queue_init failed (errno ${-rc})`, -rc);
    return new Ring(lib, mem);
  }

  /** Queues one SQE (liburing's io_uring_get_sqe + io_uring_prep_rw, inline in C). */
  push(f: SqeFields): void {
    const tail = this.words.getUint32(RING.sq.sqeTail, true);
    if (((tail + 1 - Atomics.load(this.sqHead, 0)) >>> 0) > this.sqEntries) {
      this.submit(); // full: hand what we have to the kernel first (never happens with our few ops)
    }
    const at = (tail & this.sqMask) * SQE.size;
    const s = this.sqes;
    for (let i = 0; i < SQE.size; i += 8) s.setBigUint64(at + i, 0n, true);
    s.setUint8(at + SQE.opcode, f.op);
    s.setInt32(at + SQE.fd, f.fd, true);
    s.setBigUint64(at + SQE.off, f.off ?? 0n, true);
    s.setBigUint64(at + SQE.addr, BigInt(f.addr ?? 0), true);
    s.setUint32(at + SQE.len, f.len ?? 0, true);
    s.setUint32(at + SQE.opFlags, f.opFlags ?? 0, true);
    s.setUint32(at + SQE.userData, f.userData, true);
    s.setInt32(at + SQE.spliceFdIn, f.spliceFdIn ?? 0, true);
    this.words.setUint32(RING.sq.sqeTail, (tail + 1) >>> 0, true);
    this.unsubmitted++;
  }

  splice(fdIn: number, fdOut: number, len: number, flags: number, userData: number): void {
    this.push({ op: Op.SPLICE, fd: fdOut, off: CURRENT_POSITION, addr: CURRENT_POSITION, len, opFlags: flags, spliceFdIn: fdIn, userData });
  }

  /** io_uring_submit: liburing publishes sqe_tail to the kernel and enters without waiting. */
  submit(): void {
    if (this.unsubmitted === 0) return;
    this.unsubmitted = 0;
    this.lib.io_uring_submit(this.mem.address);
  }

  /** Hands every completion to `cb` and advances the CQ head (io_uring_cqe_seen). */
  reap(cb: (userData: number, res: number) => void): void {
    let head = this.cqHead[0]!;
    while (head !== Atomics.load(this.cqTail, 0)) {
      const at = (head & this.cqMask) * CQE.size;
      const userData = this.cqes.getUint32(at + CQE.userData, true);
      const res = this.cqes.getInt32(at + CQE.res, true);
      head = (head + 1) >>> 0;
      Atomics.store(this.cqHead, 0, head);
      cb(userData, res);
    }
  }

  /** Calls `onWake` each time the kernel posts completions; the JS thread never blocks. */
  watch(onWake: () => void): void {
    const reader = Bun.file(this.eventfd).stream().getReader();
    this.reader = reader;
    void (async () => {
      try {
        while (!(await reader.read()).done) onWake();
      } catch {
        // cancelled by close()
      }
    })();
  }

  close(): void {
    void this.reader?.cancel().catch(() => {});
    this.reader = null;
    this.lib.io_uring_queue_exit(this.mem.address);
    libc().close(this.eventfd);
  }
}
