// Reach the conductor, starting it when nobody answers. Two clients racing
// to start it serialise on an flock in the runtime dir; the starter waits
// for the conductor's typed READY frame on an inherited pipe, never polls.

import { createError } from "../shared/errors.ts";
import { conductorPaths, runtimeDirProblem, type Env } from "../shared/paths.ts";
import { startConductor } from "../shared/net/autostart.ts";
import type { Sys } from "./sys.ts";
import { Link } from "../shared/net/link.ts";

function isAbsent(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === "ENOENT" || code === "ECONNREFUSED" || code === "ENOTSOCK";
}

async function tryDial(path: string): Promise<Link | null> {
  try {
    return await Link.dial(path);
  } catch (e) {
    if (isAbsent(e)) return null;
    throw createError("CONDUCTOR_UNAVAILABLE", `cannot connect to the conductor at ${path}: ${(e as Error).message}`, "check JULIA_DAEMON_SERVER / JULIA_DAEMON_RUNTIME", e);
  }
}

async function findConductor(env: Env): Promise<string> {
  if (env.JULIA_DAEMON_CONDUCTOR) return env.JULIA_DAEMON_CONDUCTOR;
  const self = process.execPath;
  const sibling = self.slice(0, self.lastIndexOf("/") + 1) + "juliaconductor";
  if (await Bun.file(sibling).exists()) return sibling;
  const onPath = Bun.which("juliaconductor");
  if (onPath) return onPath;
  throw createError("CONDUCTOR_UNAVAILABLE", "no conductor is running and juliaconductor was not found", "put juliaconductor next to juliaclient or on PATH, or set JULIA_DAEMON_CONDUCTOR");
}

/** Refuses a conductor run by another user: our environment goes over this socket. */
function verifyPeer(link: Link, sys: Sys, uid: number, socket: string): Link {
  const fd = link.fd;
  const peer = fd === undefined ? null : (sys.peerCred(fd)?.uid ?? null);
  if (peer !== null && peer !== uid) {
    link.close();
    throw createError("NO_PERMISSION", `the conductor socket ${socket} is served by uid ${peer}, not by you (uid ${uid})`, "set JULIA_DAEMON_RUNTIME to a private directory of yours");
  }
  return link;
}

function checkRuntimeDir(sys: Sys, dir: string, uid: number): void {
  const facts = sys.dirFacts(dir);
  const problem = facts && runtimeDirProblem(dir, facts, uid);
  if (problem) throw problem;
}

export async function connectConductor(env: Env, sys: Sys): Promise<Link> {
  const uid = process.getuid?.() ?? 0;
  const paths = conductorPaths(env, uid);
  // Nothing is sent before the directory and the peer are known to be ours.
  checkRuntimeDir(sys, paths.runtime, uid);
  const first = await tryDial(paths.socket);
  if (first) return verifyPeer(first, sys, uid, paths.socket);
  if (env.JULIA_DAEMON_NO_AUTOSTART === "1") {
    throw createError("CONDUCTOR_UNAVAILABLE", `no conductor is listening on ${paths.socket}`, "start one with `juliaconductor start` (autostart is off: JULIA_DAEMON_NO_AUTOSTART=1)");
  }
  sys.mkdirPrivate(paths.runtime);
  checkRuntimeDir(sys, paths.runtime, uid);
  const release = sys.lockFile(paths.lockFile);
  try {
    const raced = await tryDial(paths.socket);
    if (raced) return verifyPeer(raced, sys, uid, paths.socket);
    await startConductor(await findConductor(env), env);
  } finally {
    release?.();
  }
  const link = await tryDial(paths.socket);
  if (!link) throw createError("CONDUCTOR_UNAVAILABLE", `the conductor started but ${paths.socket} does not answer`, "run `juliaconductor --foreground` to see why");
  return verifyPeer(link, sys, uid, paths.socket);
}
