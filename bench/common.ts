// What every benchmark needs: a private 0700 directory (short enough for
// sun_path) and an environment that points the binaries at it and at the
// worker double, free of the user's JULIA_* settings, config and state.

import { chmodSync, mkdtempSync } from "node:fs";

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

export function benchDir(): string {
  const dir = mkdtempSync("/tmp/jdb-");
  chmodSync(dir, 0o700);
  return dir;
}

export function benchEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("JULIA_")) env[k] = v;
  return {
    ...env,
    JULIA_DAEMON_RUNTIME: `${dir}/rt`,
    JULIA_DAEMON_WORKER_EXECUTABLE: `${ROOT}/fixtures/worker-double/julia`,
    JULIA_DAEMON_STATE_DIR: `${dir}/state`,
    XDG_CACHE_HOME: `${dir}/cache`,
    XDG_CONFIG_HOME: `${dir}/config`,
    PATH: `${ROOT}/node_modules/.bin:${process.env.PATH}`,
    ...extra,
  };
}
