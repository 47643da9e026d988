// The io_uring ABI the pump needs, in one table: liburing 2.3 exports no
// io_uring_prep_* or io_uring_cqe_seen (they are static inline), so SQEs are
// filled and the CQ head advanced from these offsets. test/unit/uring-abi.test.ts
// compiles a C program against <liburing.h> and compares every number here.

/** struct io_uring (liburing ≥ 2.0; 216 bytes in 2.3). Pointers are 64-bit. */
export const RING = {
  size: 216,
  sq: { khead: 0, ktail: 8, kringMask: 16, kringEntries: 24, sqes: 56, sqeHead: 64, sqeTail: 68 },
  cq: { khead: 104, ktail: 112, kringMask: 120, kringEntries: 128, cqes: 152 },
  flags: 192,
  ringFd: 196,
} as const;

/** struct io_uring_sqe (64 bytes). */
export const SQE = {
  size: 64,
  opcode: 0,
  flags: 1,
  ioprio: 2,
  fd: 4,
  off: 8,
  addr: 16, // also splice_off_in
  len: 24,
  opFlags: 28, // rw_flags / poll32_events / splice_flags / cancel_flags
  userData: 32,
  spliceFdIn: 44,
} as const;

/** struct io_uring_cqe (16 bytes without IORING_SETUP_CQE32). */
export const CQE = { size: 16, userData: 0, res: 8, flags: 12 } as const;

/** enum io_uring_op: numbering is kernel ABI and never changes. */
export const Op = {
  NOP: 0,
  POLL_ADD: 6,
  ASYNC_CANCEL: 14,
  READ: 22,
  WRITE: 23,
  SPLICE: 30,
} as const;

export const POLLIN = 0x1;
export const POLLOUT = 0x4;
/** off / splice offsets of -1: use (and advance) the file position, as write(2) does. */
export const CURRENT_POSITION = 0xffff_ffff_ffff_ffffn;
export const SPLICE_F_MOVE = 1;
export const SPLICE_F_NONBLOCK = 2;
