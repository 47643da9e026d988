// The conductor's only bun:ffi use: SO_PEERCRED on an accepted Unix socket,
// so a connection from another uid is refused even if the socket's mode were
// ever loosened. Bun exposes the fd of a socket as the undocumented `fd`.

import { dlopen, FFIType, ptr } from "bun:ffi";

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

let lib: ReturnType<typeof load> | null | undefined;
function load() {
  return dlopen("libc.so.6", {
    getsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  });
}

/** null when the credentials cannot be read (then the caller refuses the peer). */
export function peerCred(fd: number | undefined): PeerCred | null {
  if (typeof fd !== "number" || fd < 0) return null;
  if (lib === undefined) {
    try {
      lib = load();
    } catch {
      lib = null;
    }
  }
  if (!lib) return null;
  const buf = new Uint8Array(new ArrayBuffer(12));
  const len = new Uint8Array(new ArrayBuffer(4));
  new DataView(len.buffer).setUint32(0, 12, true);
  if (lib.symbols.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ptr(buf), ptr(len)) !== 0) return null;
  const v = new DataView(buf.buffer);
  return { pid: v.getInt32(0, true), uid: v.getUint32(4, true), gid: v.getUint32(8, true) };
}
