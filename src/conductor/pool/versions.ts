// The julia version of each worker executable, learnt by running it with
// `--version` once per executable and conductor life: cached in memory by
// resolved path + mtime + juliaup channel, probed asynchronously (concurrent
// starts share one probe), dropped when a worker's HELLO or a failed start
// says the cache is stale. The pool sees only the VersionProbe interface.

import { statSync } from "node:fs";
import { resolve } from "node:path";
import { logger } from "../log.ts";
import { parseJuliaVersion, versionArgv } from "./julia-version.ts";

const log = logger("pool");

const PROBE_TIMEOUT_MS = 10_000;

export interface ProbeResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface VersionProbe {
  /** The executable as it is now, or null when it cannot be found. Cheap and synchronous: a PATH lookup and a stat. */
  locate(executable: string): { path: string; mtimeMs: number } | null;
  /** Runs the probe command; rejects only when it cannot be started or timed out. */
  run(argv: string[]): Promise<ProbeResult>;
}

export interface JuliaFound {
  /** e.g. "1.11.7"; null when it could not be learnt */
  version: string | null;
  /** why version is null */
  problem: string | null;
  /** the cache key (path, mtime, channel); null when the executable was not found */
  stamp: string | null;
}

export class JuliaVersions {
  private known = new Map<string, string>();
  private inFlight = new Map<string, Promise<JuliaFound>>();

  constructor(private readonly probe: VersionProbe) {}

  private stampOf(executable: string, channel: string | null): { stamp: string; path: string } | null {
    const at = this.probe.locate(executable);
    return at ? { stamp: `${at.path}\u0000${at.mtimeMs}\u0000${channel ?? ""}`, path: at.path } : null;
  }

  /** The cached answer, or null when it has to be learnt first. */
  cached(executable: string, channel: string | null): JuliaFound | null {
    const s = this.stampOf(executable, channel);
    const version = s && this.known.get(s.stamp);
    return s && version ? { version, problem: null, stamp: s.stamp } : null;
  }

  /** Runs the probe (or joins the one running); only versions are cached, never failures. */
  learn(executable: string, channel: string | null): Promise<JuliaFound> {
    const s = this.stampOf(executable, channel);
    if (!s) return Promise.resolve({ version: null, problem: `\`${executable}\` was not found`, stamp: null });
    const version = this.known.get(s.stamp);
    if (version) return Promise.resolve({ version, problem: null, stamp: s.stamp });
    let p = this.inFlight.get(s.stamp);
    if (!p) {
      p = this.ask(s.path, channel, s.stamp).finally(() => this.inFlight.delete(s.stamp));
      this.inFlight.set(s.stamp, p);
    }
    return p;
  }

  private async ask(path: string, channel: string | null, stamp: string): Promise<JuliaFound> {
    const argv = versionArgv(path, channel);
    const cmd = argv.join(" ");
    let r: ProbeResult;
    try {
      r = await this.probe.run(argv);
    } catch (e) {
      return { version: null, problem: `\`${cmd}\` failed: ${(e as Error).message}`, stamp };
    }
    const version = r.code === 0 ? parseJuliaVersion(r.stdout) : null;
    if (!version) {
      // julia's first line says what went wrong ("ERROR: …"); a stack trace follows it
      const said = (r.stderr.trim() || r.stdout.trim()).split("\n")[0]!.trim();
      const how = r.code === 0 ? "printed no julia version" : `exited with ${r.code === null ? "a signal" : `code ${r.code}`}`;
      return { version: null, problem: `\`${cmd}\` ${how}${said ? `: ${said}` : ""}`, stamp };
    }
    log.debug(`${cmd}: julia ${version}`);
    this.known.set(stamp, version);
    return { version, problem: null, stamp };
  }

  /** The cache was wrong (a juliaup launcher changes version without changing mtime): ask again next time. */
  forget(stamp: string | null, why: string): void {
    if (stamp && this.known.delete(stamp)) log.info(`forgetting the cached julia version of ${stamp.split("\u0000")[0]}: ${why}`);
  }
}

/** The real probe: Bun.which on the conductor's PATH, stat, Bun.spawn with a timeout. */
export function bunVersionProbe(env: Record<string, string | undefined>): VersionProbe {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  return {
    locate(executable) {
      const path = executable.includes("/") ? resolve(executable) : Bun.which(executable, { PATH: clean.PATH ?? "" });
      if (!path) return null;
      try {
        return { path, mtimeMs: statSync(path).mtimeMs };
      } catch {
        return null;
      }
    },
    async run(argv) {
      const proc = Bun.spawn(argv, { env: clean, cwd: "/", stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: PROBE_TIMEOUT_MS });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      if (proc.signalCode && proc.killed) throw new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`);
      return { code: proc.signalCode ? null : code, stdout, stderr };
    },
  };
}
