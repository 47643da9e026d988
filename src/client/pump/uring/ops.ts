// Vocabulary shared by the io_uring pump's streams: how user_data encodes
// (stream index << 4 | operation kind), the errnos the pump reacts to, and
// the two helpers every stream uses.

import { libc } from "../../ffi.ts";
import { SHUT_RDWR } from "../fds.ts";
import { Op } from "./abi.ts";
import type { Ring } from "./ring.ts";

export const Kind = { FILL: 1, DRAIN: 2, READ: 3, WRITE: 4, POLL_SRC: 5, POLL_DST: 6, CANCEL: 7 } as const;
export const EAGAIN = 11, EINVAL = 22, EINTR = 4, ECANCELED = 125;

/** Asks the pump to submit what a stream queued (after a call from outside a completion). */
export type Kick = () => void;

export interface UringStream {
  complete(kind: number, res: number): void;
  shutdown(): void;
}

export function userData(stream: number, kind: number): number {
  return (stream << 4) | kind;
}

export function pollAdd(ring: Ring, fd: number, events: number, ud: number): void {
  ring.push({ op: Op.POLL_ADD, fd, opFlags: events, userData: ud });
}

/** Both directions: in-flight ops on the socket end, and the worker's next write fails (EPIPE). */
export function shutdownSocket(fd: number): void {
  if (fd >= 0) libc().shutdown(fd, SHUT_RDWR);
}

export function closeFd(fd: number): void {
  if (fd >= 0) libc().close(fd);
}
