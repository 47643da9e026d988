// The runtime directory holds the sockets; anyone who can write there can
// impersonate the conductor or a worker. So it must be a real directory (not
// a symlink) owned by us with mode 0700, or the conductor refuses to start.
// Also: one conductor per socket, and stale files of a dead one cleaned up.

import { lstatSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { processAlive } from "../sys/proc.ts";
import { createError } from "../../shared/errors.ts";
import { privateDirProblem, type ConductorPaths, type PrivateDir } from "../../shared/paths.ts";

/** Creates `dir` (0700) if missing; refuses one that is not ours and private (exit 77). */
export function ensurePrivateDir(kind: PrivateDir, dir: string, uid: number): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    // Under the caller's umask (systemd's UMask=0177, say) 0700 would become 0600: ours, but untraversable.
    const umask = process.umask(0o077);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } finally {
      process.umask(umask);
    }
    st = lstatSync(dir);
  }
  const problem = privateDirProblem(kind, dir, { isSymlink: st.isSymbolicLink(), isDirectory: st.isDirectory(), uid: st.uid, mode: st.mode }, uid);
  if (problem) throw problem;
}

export const ensureRuntimeDir = (dir: string, uid: number) => ensurePrivateDir("runtime", dir, uid);

/** Whether something answers on the socket right now. */
export async function socketAnswers(path: string): Promise<boolean> {
  try {
    const s = await Bun.connect({ unix: path, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

export function readPid(paths: ConductorPaths): number | null {
  try {
    const pid = Number(readFileSync(paths.pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Throws CONDUCTOR_RUNNING when a live conductor owns the socket; removes a dead one's leftovers. */
export async function claimSocket(paths: ConductorPaths): Promise<void> {
  if (await socketAnswers(paths.socket)) {
    const pid = readPid(paths);
    throw createError("CONDUCTOR_RUNNING", `a conductor${pid ? ` (pid ${pid})` : ""} is already listening on ${paths.socket}`, "stop it first with `juliaconductor stop`");
  }
  const pid = readPid(paths);
  if (pid && pid !== process.pid && processAlive(pid)) {
    // Alive but not answering: its socket file was removed. Do not start a twin that fights it.
    throw createError("CONDUCTOR_RUNNING", `a conductor (pid ${pid}) is running but its socket ${paths.socket} does not answer`, `stop it with \`kill ${pid}\`, then retry`);
  }
  for (const f of [paths.socket, paths.pidFile]) {
    try {
      unlinkSync(f);
    } catch {
      // nothing stale to remove
    }
  }
}

export function writePidFile(paths: ConductorPaths): void {
  writeFileSync(paths.pidFile, `${process.pid}\n`, { mode: 0o600 });
}

export function removeOwnFiles(paths: ConductorPaths): void {
  if (readPid(paths) !== process.pid) return;
  for (const f of [paths.socket, paths.pidFile]) {
    try {
      unlinkSync(f);
    } catch {
      // already gone
    }
  }
}
