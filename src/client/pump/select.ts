// Picks the stdio pump at run time: io_uring, else the libc poll loop, else
// pure Bun — or the one JULIA_DAEMON_IO forces (then unavailability is an
// error, not a silent fallback). Called right after the request is written,
// so liburing's dlopen and the ring set-up overlap the conductor's reply.

import { createError, type DaemonError } from "../../shared/errors.ts";
import type { Env } from "../../shared/paths.ts";
import { liburing, LIBURING_PATHS, NativeUnavailable, readLink } from "../ffi.ts";
import type { Sys } from "../sys.ts";
import { BunPump } from "./bun-pump.ts";
import { PollPump } from "./poll-pump.ts";
import type { Pump, PumpName } from "./types.ts";
import { Ring } from "./uring/ring.ts";
import { UringPump } from "./uring/uring-pump.ts";

const NAMES: readonly PumpName[] = ["uring", "poll", "bun"];

function forced(env: Env): PumpName | null {
  const v = env.JULIA_DAEMON_IO;
  if (!v || v === "auto") return null;
  if ((NAMES as readonly string[]).includes(v)) return v as PumpName;
  throw createError("CONFIG", `JULIA_DAEMON_IO=${v} is not a stdio pump`, "use uring, poll or bun (or unset it to choose automatically)");
}

/** "2.3" from liburing.so.2 -> liburing.so.2.3, or "" when the link says nothing. */
function liburingVersion(path: string): string {
  const target = readLink(path) ?? path;
  return /liburing\.so\.(\d+\.\d+)/.exec(target)?.[1] ?? "";
}

function openUring(env: Env): Pump {
  const override = env.JULIA_DAEMON_LIBURING; // tests hide liburing with a path that does not exist
  const lib = liburing(override ? [override] : LIBURING_PATHS);
  const ring = Ring.open(lib);
  const version = liburingVersion(lib.path);
  return new UringPump(ring, `io_uring (liburing ${version || lib.path})`);
}

/** Bun's epoll instances (anon_inode:[eventpoll]): the poll pump waits on them too. */
function bunEpollFds(): number[] {
  const out: number[] = [];
  for (let fd = 3; fd < 64; fd++) if (readLink(`/proc/self/fd/${fd}`) === "anon_inode:[eventpoll]") out.push(fd);
  return out;
}

function openPoll(why: string): Pump {
  const fds = bunEpollFds();
  if (fds.length === 0) throw new NativeUnavailable("libc", "cannot find Bun's epoll fd to wait on");
  return new PollPump(fds, `poll${why}`);
}

function unavailable(name: PumpName, e: unknown): DaemonError {
  return createError("CONFIG", `JULIA_DAEMON_IO=${name}, but that pump is unavailable here: ${(e as Error).message}`, "install liburing2 for uring, or unset JULIA_DAEMON_IO to fall back automatically");
}

export function choosePump(env: Env, sys: Sys): Pump {
  const want = forced(env);
  if (want === "bun" || sys.kind === "portable") {
    if (want && want !== "bun") throw unavailable(want, new Error("bun:ffi cannot load libc"));
    return new BunPump(want === "bun" ? "bun (forced)" : "bun (bun:ffi cannot load libc)");
  }
  let why = "";
  if (want !== "poll") {
    try {
      return openUring(env);
    } catch (e) {
      if (!(e instanceof NativeUnavailable)) throw e;
      if (want === "uring") throw unavailable("uring", e);
      why = ` (io_uring unavailable: ${e.message})`;
    }
  }
  try {
    return openPoll(want === "poll" ? " (forced)" : why);
  } catch (e) {
    if (!(e instanceof NativeUnavailable)) throw e;
    if (want === "poll") throw unavailable("poll", e);
    return new BunPump(`bun (${e.message})`);
  }
}
