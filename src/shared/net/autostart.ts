// Starting a conductor in the background and waiting for its typed READY
// frame on an inherited pipe (fd 3) — no sleeps, no polling of the socket.
// Used by juliaclient's autostart and by `juliaconductor start`.

import { createError, DaemonError } from "../errors.ts";
import { absolutePath, PATH_SETTINGS } from "../paths.ts";
import { decodeError, decodeReady, Frame, FrameReader } from "../protocol/index.ts";

const START_TIMEOUT_MS = 30_000;

/** Reads exactly one READY or ERROR frame from the conductor's ready pipe. */
async function awaitReady(fd: number, proc: { exited: Promise<number> }, exe: string): Promise<void> {
  const reader = new FrameReader(1 << 20);
  const stream = Bun.file(fd).stream();
  const it = stream.getReader();
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), START_TIMEOUT_MS).unref());
  for (;;) {
    const chunk = await Promise.race([it.read(), timeout]);
    if (chunk === "timeout") {
      throw createError("CONDUCTOR_UNAVAILABLE", `${exe} did not become ready within ${START_TIMEOUT_MS / 1000} s`, "run `juliaconductor --foreground` to see why");
    }
    if (chunk.done) {
      const code = await proc.exited;
      throw createError("CONDUCTOR_UNAVAILABLE", `${exe} exited (code ${code}) before it was ready`, "run `juliaconductor --foreground` to see why");
    }
    reader.push(chunk.value);
    const f = reader.next();
    if (!f) continue;
    void it.cancel().catch(() => {});
    if (f.type === Frame.READY) {
      decodeReady(f.payload);
      return;
    }
    if (f.type === Frame.ERROR) {
      const e = decodeError(f.payload);
      throw new DaemonError("CONDUCTOR_UNAVAILABLE", e.message, e.hint, { exitCode: e.exitCode });
    }
    throw createError("PROTOCOL", `unexpected frame 0x${f.type.toString(16)} from ${exe} while starting`, "is juliaconductor the same version as juliaclient?");
  }
}

/**
 * The conductor runs from `/`, so a relative worker executable (e.g.
 * `fixtures/worker-double/julia`) is made absolute against the directory of
 * the command that starts it, as the user meant it.
 */
function conductorEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  // The conductor runs from /: every relative path it is given means the caller's cwd.
  const out = { ...env };
  for (const k of PATH_SETTINGS) if (out[k]) out[k] = absolutePath(out[k]!);
  const exe = env.JULIA_DAEMON_WORKER_EXECUTABLE;
  if (exe && exe.includes("/")) out.JULIA_DAEMON_WORKER_EXECUTABLE = absolutePath(exe);
  return out;
}

/** Starts `exe serve` detached and resolves once it reports READY (or throws its ERROR). */
export async function startConductor(exe: string, env: Record<string, string | undefined>, extraArgs: readonly string[] = []): Promise<void> {
  let proc;
  try {
    proc = Bun.spawn([exe, "serve", "--ready-fd=3", ...extraArgs], {
      cwd: "/",
      env: conductorEnv(env) as Record<string, string>,
      stdio: ["ignore", "ignore", "ignore", "pipe"],
      detached: true,
    });
  } catch (e) {
    throw createError("CONDUCTOR_UNAVAILABLE", `cannot start ${exe}: ${(e as Error).message}`, "check that juliaconductor is executable", e);
  }
  proc.unref();
  const fd = proc.stdio[3];
  if (typeof fd !== "number") throw createError("INTERNAL", "no ready pipe to the conductor");
  await awaitReady(fd, proc, exe);
}

