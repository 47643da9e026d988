// `juliaclient -v` prints exactly what the worker executable's `--version`
// prints (scripts grep for "julia version 1.x.y"). Julia takes ~100 ms to
// answer, so the text is cached per executable path and mtime.

import { createError } from "../shared/errors.ts";
import type { Env } from "../shared/paths.ts";

export function workerExecutable(env: Env): string {
  return env.JULIA_DAEMON_WORKER_EXECUTABLE || "julia";
}

function cacheDir(env: Env): string {
  const base = env.XDG_CACHE_HOME || `${env.HOME || "/tmp"}/.cache`;
  return `${base}/julia-daemon`;
}

export async function versionText(env: Env): Promise<string> {
  const exe = workerExecutable(env);
  const path = exe.includes("/") ? exe : Bun.which(exe, { PATH: env.PATH ?? "" });
  const file = path ? Bun.file(path) : null;
  if (!path || !file || !(await file.exists())) {
    throw createError("WORKER_START_FAILED", `cannot find the julia executable \`${exe}\``, "install julia (juliaup) or set JULIA_DAEMON_WORKER_EXECUTABLE to its path");
  }
  const key = Bun.hash.wyhash(`${path}\0${file.lastModified}`).toString(16);
  const cached = Bun.file(`${cacheDir(env)}/version-${key}`);
  if (await cached.exists()) return cached.text();
  const proc = Bun.spawn([path, "--version"], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: env as Record<string, string> });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0) {
    const err = await new Response(proc.stderr).text();
    throw createError("WORKER_START_FAILED", `\`${path} --version\` failed with exit code ${code}: ${err.trim().split("\n").pop() ?? ""}`, "check your julia installation");
  }
  try {
    await Bun.write(cached, out, { createPath: true });
  } catch {
    // An unwritable cache only costs the next call another julia start.
  }
  return out;
}
