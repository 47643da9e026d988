// Julia cannot read files inside the conductor binary, so the embedded
// worker sources are written out once per content hash to a cache dir,
// published with an atomic rename (a racing conductor loses harmlessly).

import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { WORKER_FILES, WORKER_HASH } from "./worker-files.gen.ts";

export const WORKER_ENTRY = "main.jl";

export function cacheBase(env: Record<string, string | undefined>): string {
  return `${env.XDG_CACHE_HOME || `${env.HOME || "/tmp"}/.cache`}/julia-daemon`;
}

/** Returns the path of the worker's entry file, extracting the sources if needed. */
export async function extractWorker(base: string): Promise<string> {
  const dir = `${base}/worker-${WORKER_HASH}`;
  const entry = `${dir}/${WORKER_ENTRY}`;
  if (existsSync(`${dir}/.complete`)) return entry;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  for (const [rel, path] of WORKER_FILES) {
    const target = `${tmp}/${rel}`;
    mkdirSync(target.slice(0, target.lastIndexOf("/")), { recursive: true, mode: 0o700 });
    writeFileSync(target, new Uint8Array(await Bun.file(path).arrayBuffer()), { mode: 0o600 });
  }
  writeFileSync(`${tmp}/.complete`, WORKER_HASH);
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(`${dir}/.complete`)) throw new Error(`could not publish the worker sources to ${dir}`);
  }
  return entry;
}
