// The client's only door to native code (the only importer of bun:ffi in the
// client; a test enforces it). libc is opened on first use; liburing only when
// the io_uring pump is wanted, and only by absolute path, because after a
// failed system lookup Bun retries the bare name in the current directory.
// FFI memory is always `new Uint8Array(new ArrayBuffer(n))`: small typed
// arrays move when `.buffer` is first touched, which would stale a pointer.

import { dlopen, FFIType, ptr, toArrayBuffer } from "bun:ffi";


const { i32, u32, u64, ptr: p } = FFIType;

/** A native library or symbol could not be used; the caller falls back or reports it. */
export class NativeUnavailable extends Error {
  constructor(
    readonly library: "libc" | "liburing",
    message: string,
    readonly errno = 0,
  ) {
    super(message);
    this.name = "NativeUnavailable";
  }
}

/** Memory native code may keep a pointer to: its own ArrayBuffer, so it never moves. */
export interface Memory {
  bytes: Uint8Array;
  address: number;
}

export function alloc(n: number): Memory {
  const bytes = new Uint8Array(new ArrayBuffer(n));
  return { bytes, address: Number(ptr(bytes)) };
}

/** The address of a Uint8Array that owns its whole ArrayBuffer (see `alloc`). */
export function addressOf(bytes: Uint8Array): number {
  return Number(ptr(bytes));
}

/** A zero-copy view of native memory (an mmapped ring, errno). */
export function view(address: number, length: number): ArrayBuffer {
  return toArrayBuffer(address as never, 0, length);
}

const libcTable = {
  isatty: { args: [i32], returns: i32 },
  fstat: { args: [i32, p], returns: i32 },
  lstat: { args: [p, p], returns: i32 },
  getsockopt: { args: [i32, i32, i32, p, p], returns: i32 },
  fcntl: { args: [i32, i32, i32], returns: i32 },
  open: { args: [p, i32, i32], returns: i32 },
  tcgetattr: { args: [i32, p], returns: i32 },
  tcsetattr: { args: [i32, i32, p], returns: i32 },
  ioctl: { args: [i32, u64, p], returns: i32 },
  mkdir: { args: [p, u32], returns: i32 },
  flock: { args: [i32, i32], returns: i32 },
  close: { args: [i32], returns: i32 },
  execve: { args: [p, p, p], returns: i32 },
  signal: { args: [i32, p], returns: p },
  raise: { args: [i32], returns: i32 },
  // the stdio pumps (lengths are capped well below 2 GiB, so i32 results are exact)
  read: { args: [i32, u64, u64], returns: i32 },
  write: { args: [i32, u64, u64], returns: i32 },
  pwritev2: { args: [i32, u64, i32, FFIType.i64, i32], returns: i32 },
  poll: { args: [u64, u64, i32], returns: i32 },
  pipe2: { args: [p, i32], returns: i32 },
  eventfd: { args: [u32, i32], returns: i32 },
  shutdown: { args: [i32, i32], returns: i32 },
  readlink: { args: [p, p, u64], returns: i32 },
  __errno_location: { args: [], returns: u64 },
} as const;

function openLibc() {
  return dlopen("libc.so.6", libcTable).symbols;
}
export type Libc = ReturnType<typeof openLibc>;

let libcCache: Libc | undefined;
/** libc, opened once; throws NativeUnavailable when FFI or libc is missing. */
export function libc(): Libc {
  if (libcCache) return libcCache;
  try {
    libcCache = openLibc();
  } catch (e) {
    throw new NativeUnavailable("libc", `cannot load libc through bun:ffi: ${(e as Error).message}`);
  }
  return libcCache;
}

let errnoView: Int32Array | undefined;
/** errno of the last libc call on this (the JS) thread. */
export function errno(): number {
  errnoView ??= new Int32Array(view(Number(libc().__errno_location()), 4));
  return errnoView[0]!;
}

/** Only symbols liburing 2.0 already exported; everything inline is done in TS (uring/ring.ts). */
const uringTable = {
  io_uring_queue_init: { args: [u32, u64, u32], returns: i32 },
  io_uring_queue_exit: { args: [u64], returns: FFIType.void },
  io_uring_submit: { args: [u64], returns: i32 },
  io_uring_register_eventfd: { args: [u64, i32], returns: i32 },
} as const;

export const LIBURING_PATHS = [
  "/usr/lib/x86_64-linux-gnu/liburing.so.2",
  "/lib/x86_64-linux-gnu/liburing.so.2",
  "/usr/lib64/liburing.so.2",
  "/lib64/liburing.so.2",
  "/usr/lib/aarch64-linux-gnu/liburing.so.2",
  "/lib/aarch64-linux-gnu/liburing.so.2",
  "/usr/lib/liburing.so.2",
];

function openUring(path: string) {
  return dlopen(path, uringTable).symbols;
}
export type Liburing = ReturnType<typeof openUring> & { path: string };

/** liburing from the first absolute path that loads; `paths` is overridable for tests. */
export function liburing(paths: readonly string[] = LIBURING_PATHS): Liburing {
  for (const path of paths) {
    if (!path.startsWith("/")) continue; // a bare name would be looked up in the cwd too
    try {
      return Object.assign(openUring(path), { path });
    } catch {
      // not at this path; try the next
    }
  }
  throw new NativeUnavailable("liburing", `liburing.so.2 not found (tried ${paths.join(", ")})`);
}

/** The file a symlink points to (e.g. liburing.so.2 -> liburing.so.2.3), or null. */
export function readLink(path: string): string | null {
  const name = new TextEncoder().encode(path + "\0");
  const cpath = alloc(name.length);
  cpath.bytes.set(name);
  const out = alloc(4096);
  const n = libc().readlink(cpath.bytes, out.bytes, 4096);
  return n > 0 ? new TextDecoder().decode(out.bytes.subarray(0, n)) : null;
}
