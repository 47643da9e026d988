// Where the conductor lives. Both binaries resolve the same paths from the
// same environment, and every socket path is checked against sun_path's
// 108-byte limit up front, so a long $XDG_RUNTIME_DIR fails with a clear
// error instead of an opaque bind/connect failure.

import { resolve } from "node:path";
import { createError, type DaemonError } from "./errors.ts";

/** sun_path is 108 bytes on Linux, including the terminating NUL. */
export const SUN_PATH_MAX = 107;

export type Env = Record<string, string | undefined>;

/** Settings naming a directory or socket: a relative value means the caller's cwd. */
export const PATH_SETTINGS = ["JULIA_DAEMON_RUNTIME", "JULIA_DAEMON_SERVER", "JULIA_DAEMON_STATE_DIR"] as const;

export function absolutePath(p: string): string {
  return p.startsWith("/") ? p : resolve(process.cwd(), p);
}

export function runtimeDir(env: Env, uid: number): string {
  if (env.JULIA_DAEMON_RUNTIME) return absolutePath(env.JULIA_DAEMON_RUNTIME);
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
  const socket = env.JULIA_DAEMON_SERVER ? absolutePath(env.JULIA_DAEMON_SERVER) : `${runtime}/conductor.sock`;
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

const DIR_SETTING = { runtime: "JULIA_DAEMON_RUNTIME", state: "JULIA_DAEMON_STATE_DIR" } as const;
export type PrivateDir = keyof typeof DIR_SETTING;

/**
 * Why a runtime dir (sockets) or state dir (log, state files) is unsafe, or
 * null: anyone who can write there can impersonate a peer or plant a symlink.
 * Both binaries check the runtime dir (the client before it sends its
 * environment, the conductor before it listens) and explain it in the same words.
 */
export function privateDirProblem(kind: PrivateDir, dir: string, st: DirFacts, uid: number): DaemonError | null {
  const hint = `remove it, or set ${DIR_SETTING[kind]} to a private directory of yours`;
  if (st.isSymlink) return createError("NO_PERMISSION", `${kind} directory ${dir} is not a directory (it is a symlink)`, hint);
  if (!st.isDirectory) return createError("NO_PERMISSION", `${kind} directory ${dir} is not a directory`, hint);
  if (st.uid !== uid) return createError("NO_PERMISSION", `${kind} directory ${dir} belongs to uid ${st.uid}, not to you (uid ${uid})`, `set ${DIR_SETTING[kind]} to a directory you own`);
  const mode = st.mode & 0o777;
  if (mode !== 0o700) return createError("NO_PERMISSION", `${kind} directory ${dir} has mode ${mode.toString(8).padStart(4, "0")}; it must be 0700`, `run \`chmod 700 ${dir}\``);
  return null;
}

export const runtimeDirProblem = (dir: string, st: DirFacts, uid: number) => privateDirProblem("runtime", dir, st, uid);

/**
 * One state dir per conductor: a conductor on a non-default socket (another
 * JULIA_DAEMON_RUNTIME or SERVER) gets its own subdirectory, so two
 * conductors never adopt each other's workers or mix their counters.
 */
export function stateDirFor(env: Env): string {
  if (env.JULIA_DAEMON_STATE_DIR) return absolutePath(env.JULIA_DAEMON_STATE_DIR);
  const base = `${env.XDG_STATE_HOME || `${env.HOME || "/tmp"}/.local/state`}/julia-daemon`;
  if (!env.JULIA_DAEMON_RUNTIME && !env.JULIA_DAEMON_SERVER) return base;
  const socket = conductorPaths(env, process.getuid?.() ?? 0).socket;
  return `${base}/${new Bun.CryptoHasher("sha256").update(socket).digest("hex").slice(0, 12)}`;
}

/** The background conductor's log, as the conductor for this environment writes it (logfile.ts). */
export function conductorLogPath(env: Env): string {
  return `${stateDirFor(env)}/conductor.log`;
}
