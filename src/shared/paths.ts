// Where the conductor lives. Both binaries resolve the same paths from the
// same environment, and every socket path is checked against sun_path's
// 108-byte limit up front, so a long $XDG_RUNTIME_DIR fails with a clear
// error instead of an opaque bind/connect failure.

import { createError, type DaemonError } from "./errors.ts";

/** sun_path is 108 bytes on Linux, including the terminating NUL. */
export const SUN_PATH_MAX = 107;

export type Env = Record<string, string | undefined>;

export function runtimeDir(env: Env, uid: number): string {
  if (env.JULIA_DAEMON_RUNTIME) return env.JULIA_DAEMON_RUNTIME;
  if (env.XDG_RUNTIME_DIR) return `${env.XDG_RUNTIME_DIR}/julia-daemon`;
  return `/tmp/julia-daemon-${uid}`;
}

export interface ConductorPaths {
  runtime: string;
  socket: string;
  pidFile: string;
  lockFile: string;
}

export function conductorPaths(env: Env, uid: number): ConductorPaths {
  const runtime = runtimeDir(env, uid);
  const socket = env.JULIA_DAEMON_SERVER || `${runtime}/conductor.sock`;
  checkSocketPath(socket);
  return { runtime, socket, pidFile: `${runtime}/conductor.pid`, lockFile: `${runtime}/conductor.lock` };
}

export function checkSocketPath(path: string): string {
  const bytes = new TextEncoder().encode(path).length;
  if (bytes > SUN_PATH_MAX) {
    throw createError(
      "PATH_TOO_LONG",
      `socket path is ${bytes} bytes, over the ${SUN_PATH_MAX}-byte limit of a unix socket: ${path}`,
      "set JULIA_DAEMON_RUNTIME to a shorter directory (e.g. /tmp/jd-$UID)",
    );
  }
  return path;
}

/** The per-worker run socket, next to the conductor socket. */
export function workerSocketPath(runtime: string, workerId: string): string {
  return checkSocketPath(`${runtime}/w-${workerId}.sock`);
}

export interface DirFacts {
  isSymlink: boolean;
  isDirectory: boolean;
  uid: number;
  mode: number;
}

/**
 * Why a runtime dir is unsafe, or null. Both binaries check (the client
 * before it sends its environment, the conductor before it listens) and
 * explain it in the same words.
 */
export function runtimeDirProblem(dir: string, st: DirFacts, uid: number): DaemonError | null {
  const hint = "remove it, or set JULIA_DAEMON_RUNTIME to a private directory of yours";
  if (st.isSymlink) return createError("NO_PERMISSION", `runtime directory ${dir} is not a directory (it is a symlink)`, hint);
  if (!st.isDirectory) return createError("NO_PERMISSION", `runtime directory ${dir} is not a directory`, hint);
  if (st.uid !== uid) return createError("NO_PERMISSION", `runtime directory ${dir} belongs to uid ${st.uid}, not to you (uid ${uid})`, "set JULIA_DAEMON_RUNTIME to a directory you own");
  const mode = st.mode & 0o777;
  if (mode !== 0o700) return createError("NO_PERMISSION", `runtime directory ${dir} has mode ${mode.toString(8).padStart(4, "0")}; it must be 0700`, `run \`chmod 700 ${dir}\``);
  return null;
}
