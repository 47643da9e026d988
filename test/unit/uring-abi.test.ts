// The offsets in src/client/pump/uring/abi.ts against the C headers: a tiny
// program compiled against <liburing.h> prints offsetof/sizeof and opcode
// values, and every number must match. Skipped (with a reason) when no C
// compiler or liburing-dev is installed; .ci/run installs both.

import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { CQE, Op, RING, SQE, POLLIN, POLLOUT, SPLICE_F_MOVE, SPLICE_F_NONBLOCK } from "../../src/client/pump/uring/abi.ts";

const cc = Bun.which("cc") ?? Bun.which("gcc");
const header = existsSync("/usr/include/liburing.h");

const PROGRAM = `
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <poll.h>
#include <fcntl.h>
#include <liburing.h>
#define P(name, expr) printf("%s %ld\\n", name, (long)(expr))
int main(void) {
  P("ring.size", sizeof(struct io_uring));
  P("sq.khead", offsetof(struct io_uring, sq.khead));
  P("sq.ktail", offsetof(struct io_uring, sq.ktail));
  P("sq.kringMask", offsetof(struct io_uring, sq.kring_mask));
  P("sq.kringEntries", offsetof(struct io_uring, sq.kring_entries));
  P("sq.sqes", offsetof(struct io_uring, sq.sqes));
  P("sq.sqeHead", offsetof(struct io_uring, sq.sqe_head));
  P("sq.sqeTail", offsetof(struct io_uring, sq.sqe_tail));
  P("cq.khead", offsetof(struct io_uring, cq.khead));
  P("cq.ktail", offsetof(struct io_uring, cq.ktail));
  P("cq.kringMask", offsetof(struct io_uring, cq.kring_mask));
  P("cq.kringEntries", offsetof(struct io_uring, cq.kring_entries));
  P("cq.cqes", offsetof(struct io_uring, cq.cqes));
  P("flags", offsetof(struct io_uring, flags));
  P("ringFd", offsetof(struct io_uring, ring_fd));
  P("sqe.size", sizeof(struct io_uring_sqe));
  P("sqe.opcode", offsetof(struct io_uring_sqe, opcode));
  P("sqe.flags", offsetof(struct io_uring_sqe, flags));
  P("sqe.ioprio", offsetof(struct io_uring_sqe, ioprio));
  P("sqe.fd", offsetof(struct io_uring_sqe, fd));
  P("sqe.off", offsetof(struct io_uring_sqe, off));
  P("sqe.addr", offsetof(struct io_uring_sqe, addr));
  P("sqe.spliceOffIn", offsetof(struct io_uring_sqe, splice_off_in));
  P("sqe.len", offsetof(struct io_uring_sqe, len));
  P("sqe.opFlags", offsetof(struct io_uring_sqe, rw_flags));
  P("sqe.spliceFlags", offsetof(struct io_uring_sqe, splice_flags));
  P("sqe.pollEvents", offsetof(struct io_uring_sqe, poll32_events));
  P("sqe.userData", offsetof(struct io_uring_sqe, user_data));
  P("sqe.spliceFdIn", offsetof(struct io_uring_sqe, splice_fd_in));
  P("cqe.size", sizeof(struct io_uring_cqe));
  P("cqe.userData", offsetof(struct io_uring_cqe, user_data));
  P("cqe.res", offsetof(struct io_uring_cqe, res));
  P("cqe.flags", offsetof(struct io_uring_cqe, flags));
  P("op.NOP", IORING_OP_NOP);
  P("op.POLL_ADD", IORING_OP_POLL_ADD);
  P("op.ASYNC_CANCEL", IORING_OP_ASYNC_CANCEL);
  P("op.READ", IORING_OP_READ);
  P("op.WRITE", IORING_OP_WRITE);
  P("op.SPLICE", IORING_OP_SPLICE);
  P("POLLIN", POLLIN);
  P("POLLOUT", POLLOUT);
  P("SPLICE_F_MOVE", SPLICE_F_MOVE);
  P("SPLICE_F_NONBLOCK", SPLICE_F_NONBLOCK);
  return 0;
}
`;

describe.skipIf(!cc || !header)("io_uring ABI table matches <liburing.h>", () => {
  test("every offset, size and opcode", () => {
    const dir = mkdtempSync("/tmp/jd-abi-");
    try {
      writeFileSync(`${dir}/abi.c`, PROGRAM);
      const built = Bun.spawnSync([cc!, "-o", `${dir}/abi`, `${dir}/abi.c`], { stderr: "pipe" });
      expect(built.stderr.toString()).toBe("");
      const out = Bun.spawnSync([`${dir}/abi`]).stdout.toString();
      const c = Object.fromEntries(out.trim().split("\n").map((l) => [l.split(" ")[0]!, Number(l.split(" ")[1])]));
      const ours: Record<string, number> = {
        "ring.size": RING.size,
        ...Object.fromEntries(Object.entries(RING.sq).map(([k, v]) => [`sq.${k}`, v])),
        ...Object.fromEntries(Object.entries(RING.cq).map(([k, v]) => [`cq.${k}`, v])),
        flags: RING.flags,
        ringFd: RING.ringFd,
        ...Object.fromEntries(Object.entries(SQE).map(([k, v]) => [`sqe.${k}`, v])),
        "sqe.spliceOffIn": SQE.addr,
        "sqe.spliceFlags": SQE.opFlags,
        "sqe.pollEvents": SQE.opFlags,
        ...Object.fromEntries(Object.entries(CQE).map(([k, v]) => [`cqe.${k}`, v])),
        ...Object.fromEntries(Object.entries(Op).map(([k, v]) => [`op.${k}`, v])),
        POLLIN,
        POLLOUT,
        SPLICE_F_MOVE,
        SPLICE_F_NONBLOCK,
      };
      expect(ours).toEqual(c);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
