// The world both sides of a file's cases share: a private sandbox (runtime,
// state, config and cache dirs, so the user's conductor is never touched), one
// environment computed once, and the conductor the first client autostarts
// (its warm worker serves every case of the file).
//
// Same environment for both: each side is started with exactly the same
// variables (PWD aside, which suite.ts sets to the case's cwd on both). The
// julia on PATH may be a launcher that edits the environment before exec'ing
// the real binary (CI's 1.5.3 wrapper sets LD_LIBRARY_PATH; julia itself
// sets OPENBLAS_MAIN_FREE): plain julia's ENV shows those edits, so a run in
// the worker must show the same ones — that is part of what is compared, not
// something the harness papers over by giving the client different input.

import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pidsWithEnv } from "../e2e/harness.ts";

export const ROOT = resolve(import.meta.dir, "../..");
export const CLIENT = `${ROOT}/dist/juliaclient`;
export const CONDUCTOR = `${ROOT}/dist/juliaconductor`;
export const JULIA = Bun.which("julia");
/** "1.5.3"; "" without julia */
export const JULIA_VERSION = JULIA ? (new TextDecoder().decode(Bun.spawnSync([JULIA, "--startup-file=no", "--version"]).stdout).match(/(\d+\.\d+\.\d+)/)?.[1] ?? "") : "";

export class World {
  readonly dir: string;
  readonly runtime: string;
  /** what both plain julia and juliaclient are started with (plus the case's additions) */
  readonly env: Record<string, string>;
  /** a project shared by the file's project cases, so they share one worker: Project.toml and an empty sub/ */
  readonly proj: string;
  private serial = 0;

  constructor(julia: string) {
    this.dir = realpathSync(mkdtempSync("/tmp/jdx-"));
    chmodSync(this.dir, 0o700);
    this.runtime = `${this.dir}/rt`;
    this.proj = `${this.dir}/proj`;
    mkdirSync(`${this.proj}/sub`, { recursive: true });
    writeFileSync(`${this.proj}/Project.toml`, 'name = "DiffProj"\n');
    const base: Record<string, string> = {};
    // The developer's JULIA_* (a project, a depot, their conductor) must not leak into either side.
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("JULIA_")) base[k] = v;
    Object.assign(base, {
      JULIA_DAEMON_RUNTIME: this.runtime,
      JULIA_DAEMON_STATE_DIR: `${this.dir}/state`,
      JULIA_DAEMON_WORKER_EXECUTABLE: julia,
      XDG_CONFIG_HOME: `${this.dir}/config`,
      XDG_CACHE_HOME: `${this.dir}/cache`,
    });
    this.env = base;
  }

  /** A new directory path for one case; both sides run there (populate() empties and refills it before each). */
  caseDir(): string {
    return `${this.dir}/c${++this.serial}`;
  }

  async dispose(): Promise<void> {
    const stop = Bun.spawn([CONDUCTOR, "stop"], { env: this.env, stdout: "ignore", stderr: "ignore", timeout: 20_000 });
    await stop.exited;
    // Whatever this sandbox started and the conductor did not take down (its env names our runtime dir).
    for (const pid of pidsWithEnv(`JULIA_DAEMON_RUNTIME=${this.runtime}`)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Writes a case's files into `dir` (created empty). */
export function populate(dir: string, files: Record<string, string | Uint8Array> = {}): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [rel, body] of Object.entries(files)) {
    const path = `${dir}/${rel}`;
    mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    writeFileSync(path, body);
  }
}
