// The OS facts and actions the client needs that Bun has no cheap API for —
// isatty, fstat, termios, window size, file locks, exec, signal dispositions —
// behind the typed `Sys` interface, over libc from ffi.ts. When FFI is
// unavailable, `portableSys` answers conservatively
// (no tty, no raw mode) so the client still runs.

import type { DirFacts } from "../shared/paths.ts";
import { addressOf, alloc, libc } from "./ffi.ts";

export interface Termios {
  bytes: Uint8Array;
}
export interface Winsize {
  rows: number;
  cols: number;
}
/** The process that created the other end of a Unix socket (at connect/listen time). */
export interface PeerCred {
  pid: number;
  uid: number;
}

export interface Sys {
  readonly kind: "ffi" | "portable";
  isatty(fd: number): boolean;
  /** device+inode of an open fd, or null if it is closed. */
  fileId(fd: number): string | null;
  /** Reopens fds 0–2 on /dev/null when closed, so sockets never land on them. */
  fillStdFds(): void;
  getTermios(fd: number): Termios | null;
  setTermios(fd: number, t: Termios): boolean;
  makeRaw(t: Termios): Termios;
  winsize(fd: number): Winsize | null;
  mkdirPrivate(path: string): void;
  /** lstat facts about `path`, null when it does not exist (or FFI is unavailable). */
  dirFacts(path: string): DirFacts | null;
  /** SO_PEERCRED of a connected Unix socket: who is at the other end, null if unknown. */
  peerCred(fd: number): PeerCred | null;
  /** Blocks until an exclusive flock on `path` is held; returns a release function. */
  lockFile(path: string): (() => void) | null;
  /** Replaces the process image; returns only on failure. */
  exec(file: string, argv: readonly string[], env: readonly string[]): void;
  /** Default disposition, then raise: the process dies by `signal` as a shell expects. */
  dieBySignal(signo: number): void;
  /** Stops the process as the default SIGTSTP action would (the caller restored the terminal). */
  stopSelf(): void;
}

// TCSADRAIN, not TCSAFLUSH: switching modes must not throw away typeahead (libuv does the same).
const TCSADRAIN = 1;
const TIOCGWINSZ = 0x5413;
const F_GETFD = 1;
const O_RDWR = 2;
const O_CREAT = 0o100;
const O_CLOEXEC = 0o2000000;
const LOCK_EX = 2;
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const SIGSTOP = 19;
const TERMIOS_BYTES = 60;
// termios flag bits (Linux); the raw set is libuv's UV_TTY_MODE_RAW, which julia uses
export const RAW_IFLAG_OFF = 0o2 /*BRKINT*/ | 0o400 /*ICRNL*/ | 0o20 /*INPCK*/ | 0o40 /*ISTRIP*/ | 0o2000; /*IXON*/
export const RAW_LFLAG_OFF = 0o10 /*ECHO*/ | 0o2 /*ICANON*/ | 0o100000 /*IEXTEN*/ | 0o1; /*ISIG*/
const VTIME = 5, VMIN = 6;

const utf8 = new TextEncoder();
/** NUL-terminated, in its own ArrayBuffer so the pointer cannot move. */
function cstr(s: string): Uint8Array {
  const e = utf8.encode(s);
  const out = alloc(e.length + 1).bytes;
  out.set(e);
  return out;
}

/** A NULL-terminated char*[] whose strings stay alive as long as the returned holder. */
function cArray(strings: readonly string[]): { array: Uint8Array; keep: Uint8Array[] } {
  const keep = strings.map(cstr);
  const { bytes: array } = alloc(8 * (keep.length + 1));
  const view = new DataView(array.buffer);
  keep.forEach((b, i) => view.setBigUint64(i * 8, BigInt(addressOf(b)), true));
  return { array, keep };
}

function ffiSys(): Sys {
  const c = libc();
  const statBuf = alloc(256).bytes;
  const inoOffset = 8;
  // struct stat differs: x86_64 has a 64-bit st_nlink before st_mode.
  const modeOffset = process.arch === "x64" ? 24 : 16;
  const uidOffset = modeOffset + (process.arch === "x64" ? 4 : 8);
  return {
    kind: "ffi",
    isatty: (fd) => c.isatty(fd) === 1,
    fileId(fd) {
      if (c.fstat(fd, statBuf) !== 0) return null;
      const v = new DataView(statBuf.buffer);
      return `${v.getBigUint64(0, true)}:${v.getBigUint64(inoOffset, true)}`;
    },
    fillStdFds() {
      for (let fd = 0; fd <= 2; fd++) {
        if (c.fcntl(fd, F_GETFD, 0) === -1) c.open(cstr("/dev/null"), O_RDWR, 0);
      }
    },
    getTermios(fd) {
      const bytes = alloc(TERMIOS_BYTES).bytes;
      return c.tcgetattr(fd, bytes) === 0 ? { bytes } : null;
    },
    setTermios: (fd, t) => c.tcsetattr(fd, TCSADRAIN, t.bytes) === 0,
    makeRaw(t) {
      // Like libuv's raw mode: OPOST/ONLCR stay on so output does not staircase.
      const bytes = alloc(TERMIOS_BYTES).bytes;
      bytes.set(t.bytes);
      const v = new DataView(bytes.buffer);
      v.setUint32(0, v.getUint32(0, true) & ~RAW_IFLAG_OFF, true);
      v.setUint32(12, v.getUint32(12, true) & ~RAW_LFLAG_OFF, true);
      bytes[17 + VMIN] = 1;
      bytes[17 + VTIME] = 0;
      return { bytes };
    },
    winsize(fd) {
      const ws = alloc(8).bytes;
      if (c.ioctl(fd, BigInt(TIOCGWINSZ), ws) !== 0) return null;
      const v = new DataView(ws.buffer);
      const rows = v.getUint16(0, true), cols = v.getUint16(2, true);
      return rows && cols ? { rows, cols } : null;
    },
    mkdirPrivate(path) {
      c.mkdir(cstr(path), 0o700);
    },
    dirFacts(path) {
      if (c.lstat(cstr(path), statBuf) !== 0) return null;
      const v = new DataView(statBuf.buffer);
      const mode = v.getUint32(modeOffset, true);
      return { isSymlink: (mode & 0o170000) === 0o120000, isDirectory: (mode & 0o170000) === 0o040000, uid: v.getUint32(uidOffset, true), mode };
    },
    peerCred(fd) {
      const cred = alloc(12).bytes;
      const len = alloc(4).bytes;
      new DataView(len.buffer).setUint32(0, 12, true);
      if (c.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) !== 0) return null;
      const v = new DataView(cred.buffer);
      return { pid: v.getInt32(0, true), uid: v.getUint32(4, true) };
    },
    lockFile(path) {
      const fd = c.open(cstr(path), O_RDWR | O_CREAT | O_CLOEXEC, 0o600);
      if (fd < 0) return null;
      if (c.flock(fd, LOCK_EX) !== 0) {
        c.close(fd);
        return null;
      }
      return () => void c.close(fd);
    },
    exec(file, argv, env) {
      const a = cArray(argv);
      const e = cArray(env);
      c.execve(cstr(file), a.array, e.array);
    },
    dieBySignal(signo) {
      c.signal(signo, null); // SIG_DFL
      c.raise(signo);
    },
    stopSelf() {
      c.raise(SIGSTOP);
    },
  };
}

/** Used when libc cannot be loaded through FFI: behaves as if nothing is a tty. */
export const portableSys: Sys = {
  kind: "portable",
  isatty: () => false,
  fileId: () => null,
  fillStdFds() {},
  getTermios: () => null,
  setTermios: () => false,
  makeRaw: (t) => t,
  winsize: () => null,
  mkdirPrivate() {},
  dirFacts: () => null,
  peerCred: () => null,
  lockFile: () => () => {},
  exec() {},
  dieBySignal(signo) {
    process.removeAllListeners();
    process.kill(process.pid, signo);
  },
  stopSelf() {
    process.kill(process.pid, "SIGSTOP");
  },
};

let cached: Sys | undefined;
export function sys(): Sys {
  if (cached) return cached;
  try {
    cached = ffiSys();
  } catch {
    cached = portableSys;
  }
  return cached;
}
