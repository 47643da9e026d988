// End-to-end harness: a private runtime dir per test (short enough for
// sun_path), the compiled binaries, the worker double, and helpers that
// collect stdout, stderr and the exit status together. Conductors started by
// a test are stopped when its Sandbox is disposed.

import { mkdtempSync, readFileSync, rmSync, chmodSync } from "node:fs";

export const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
export const CLIENT = `${ROOT}/dist/juliaclient`;
export const CONDUCTOR = `${ROOT}/dist/juliaconductor`;
export const DOUBLE = `${ROOT}/fixtures/worker-double/julia`;

export interface Result {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

export interface RunOptions {
  stdin?: string | Uint8Array;
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

export class Sandbox {
  readonly dir: string;
  readonly runtime: string;
  readonly env: Record<string, string>;

  constructor(extraEnv: Record<string, string> = {}) {
    this.dir = mkdtempSync("/tmp/jdt-");
    chmodSync(this.dir, 0o700);
    this.runtime = `${this.dir}/rt`;
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("JULIA_")) base[k] = v;
    this.env = {
      ...base,
      PATH: `${ROOT}/node_modules/.bin:${process.env.PATH ?? "/usr/bin:/bin"}`,
      JULIA_DAEMON_RUNTIME: this.runtime,
      JULIA_DAEMON_WORKER_EXECUTABLE: DOUBLE,
      XDG_CACHE_HOME: `${this.dir}/cache`,
      ...extraEnv,
    };
  }

  async run(args: string[], opts: RunOptions = {}): Promise<Result> {
    const env = { ...this.env, ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const proc = Bun.spawn([CLIENT, ...args], {
      cwd: opts.cwd ?? this.dir,
      env: env as Record<string, string>,
      stdin: opts.stdin === undefined ? "ignore" : typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin,
      stdout: "pipe",
      stderr: "pipe",
      timeout: opts.timeoutMs ?? 20_000,
      killSignal: "SIGKILL",
    });
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    await proc.exited;
    return { stdout, stderr, code: proc.signalCode ? null : proc.exitCode, signal: proc.signalCode ?? null };
  }

  conductorPid(): number | null {
    try {
      return Number(readFileSync(`${this.runtime}/conductor.pid`, "utf8").trim()) || null;
    } catch {
      return null;
    }
  }

  async stop(): Promise<void> {
    const pid = this.conductorPid();
    if (pid) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
      await waitFor(() => !alive(pid), 10_000);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits on a condition (never a fixed sleep for readiness); throws on timeout. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}
