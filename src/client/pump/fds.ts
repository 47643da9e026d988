// What the native pumps need to know about file descriptors: the kind of
// each of fds 0–2 (tty, pipe, regular file, append-mode file, other device,
// closed), and how to take a per-run socket over from Bun once its handshake
// is done, keeping bytes Bun already read so nothing is lost or reordered.

import type { Link } from "../../shared/net/link.ts";
import { alloc, libc } from "../ffi.ts";

export type FdKind = "tty" | "pipe" | "file" | "append" | "char" | "socket" | "closed";

const F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;
const O_APPEND = 0o2000, O_NONBLOCK = 0o4000;
const S_IFMT = 0o170000, S_IFIFO = 0o010000, S_IFCHR = 0o020000, S_IFREG = 0o100000, S_IFSOCK = 0o140000;
export const SHUT_RDWR = 2;

const statBuf = alloc(256).bytes;
const modeOffset = process.arch === "x64" ? 24 : 16;

export function fdKind(fd: number): FdKind {
  const c = libc();
  if (c.fstat(fd, statBuf) !== 0) return "closed";
  const fmt = new DataView(statBuf.buffer).getUint32(modeOffset, true) & S_IFMT;
  if (fmt === S_IFIFO) return "pipe";
  if (fmt === S_IFSOCK) return "socket";
  if (fmt === S_IFREG) return (c.fcntl(fd, F_GETFL, 0) & O_APPEND) !== 0 ? "append" : "file";
  if (fmt === S_IFCHR) return c.isatty(fd) === 1 ? "tty" : "char";
  return "char";
}

/** A per-run stream now owned by a native pump: `fd` is -1 when the peer had already closed it. */
export interface Adopted {
  fd: number;
  /** bytes Bun read before the hand-over; they come first */
  prefix: Uint8Array;
}

/**
 * Takes a stream's socket away from Bun: collects what Bun already read,
 * dups the fd, then terminates Bun's socket (a close without shutdown, so
 * the dup keeps the connection). `blocking` clears O_NONBLOCK so io_uring
 * waits inside the kernel instead of completing with EAGAIN.
 */
export function adopt(link: Link, blocking: boolean): Adopted {
  const chunks: Uint8Array[] = [];
  link.setSink((c) => chunks.push(c.slice()));
  link.setSink(null);
  const prefix = new Uint8Array(new ArrayBuffer(chunks.reduce((n, c) => n + c.length, 0)));
  let at = 0;
  for (const c of chunks) {
    prefix.set(c, at);
    at += c.length;
  }
  const bunFd = (link.sock as unknown as { fd?: number }).fd;
  if (link.isClosed || typeof bunFd !== "number" || bunFd < 0) return { fd: -1, prefix };
  const c = libc();
  link.sock.pause();
  const fd = c.fcntl(bunFd, F_DUPFD_CLOEXEC, 3);
  link.sock.terminate();
  if (fd >= 0) {
    const fl = c.fcntl(fd, F_GETFL, 0);
    c.fcntl(fd, F_SETFL, blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
  }
  return { fd, prefix };
}
