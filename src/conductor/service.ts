// What the conductor does with a request: parse the client's argv with
// julia's grammar, resolve the project in the client's cwd and environment,
// compute the pool key, and ask the pool for a run — or serve --restart and
// admin commands itself.

import { existsSync, statSync } from "node:fs";
import { ArgsError, parseJuliaArgs, type ParsedArgs } from "../shared/args/index.ts";
import { createError } from "../shared/errors.ts";
import { BUILD_VERSION, compareVersions } from "../shared/version.ts";
import { Notify, RunFlag, type ClientRequest } from "../shared/protocol/index.ts";
import { EnvCache, envObject } from "./env-cache.ts";
import { logger } from "./log.ts";
import { poolKey, workerShape } from "./pool/key.ts";
import type { Pool } from "./pool/pool.ts";
import { resolveProject } from "./pool/project.ts";
import type { Answer, ClientService, RequestContext } from "./server/client-channel.ts";
import { renderMetrics, series } from "./status/metrics.ts";
import type { Counters } from "./state/store.ts";
import { renderStatus, renderStatusJson, snapshot } from "./status/index.ts";

const log = logger("route");
const ACTION_KIND = { e: 1, E: 2, L: 3 } as const;

const isFile = (p: string) => {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
};

/** julia runs its REPL (or, for non-tty input, the fallback loop) when there is nothing else to run. */
function wantsRepl(a: ParsedArgs): boolean {
  return a.interactive || (a.programFile === undefined && !a.actions.some((x) => x.kind !== "L"));
}

export function runFlags(req: ClientRequest, a: ParsedArgs): number {
  let flags = req.flags & (RunFlag.STDIN_TTY | RunFlag.STDOUT_TTY | RunFlag.STDERR_TTY | RunFlag.MERGE_STDERR);
  const interactive = a.interactive || (wantsRepl(a) && (req.flags & RunFlag.STDIN_TTY) !== 0);
  if (interactive) flags |= RunFlag.INTERACTIVE;
  if (a.session) flags |= RunFlag.SESSION;
  if (a.programFile !== undefined) flags |= RunFlag.HAS_PROGRAM;
  return flags;
}

export type StopMode = "graceful" | "handover";

export class Routing implements ClientService {
  private envs = new EnvCache();

  constructor(
    private readonly pool: Pool,
    private readonly onStop: (mode: StopMode) => void,
    private readonly counters: { bump(name: string, by?: number): void; snapshotCounters(): Counters } = { bump() {}, snapshotCounters: () => ({}) },
  ) {}

  /** Counts the request's outcome; the counters are flushed to the state store in batches. */
  async handle(ctx: RequestContext): Promise<Answer> {
    try {
      return await this.route(ctx);
    } catch (e) {
      this.counters.bump(series("julia_daemon_errors_total", { kind: (e as { code?: string }).code ?? "INTERNAL" }));
      throw e;
    }
  }

  lookupEnv(hash: bigint) {
    return this.envs.get(hash);
  }
  storeEnv(hash: bigint, env: string[]) {
    this.envs.set(hash, env);
  }

  private async route({ req, env, progress }: RequestContext): Promise<Answer> {
    if (compareVersions(req.version, BUILD_VERSION) > 0) {
      // A newer client: step down, keeping the workers, so its own conductor takes over (docs/protocol.md §3.3).
      log.info(`client ${req.pid} is version ${req.version}, newer than this conductor (${BUILD_VERSION}): handing over`);
      setTimeout(() => this.onStop("handover"), 0);
      return { handover: { conductorPid: process.pid, conductorVersion: BUILD_VERSION } };
    }
    let a: ParsedArgs;
    try {
      a = parseJuliaArgs(req.argv);
    } catch (e) {
      if (e instanceof ArgsError) throw createError("USAGE", e.message);
      throw e;
    }
    const clientEnv = envObject(env);
    const project = resolveProject({ option: a.project, clientEnv, cwd: req.cwd, programFile: a.programFile, isFile });
    const shape = workerShape(a, project, clientEnv);
    const key = poolKey(shape);
    if (a.restart) {
      const n = this.pool.restart(key);
      if (a.actions.length === 0 && a.programFile === undefined && !a.interactive) {
        const where = project || "the default environment";
        return { output: { exitCode: 0, stdout: `juliaclient: stopped ${n} worker${n === 1 ? "" : "s"} for ${where}\n`, stderr: "" } };
      }
    }
    const label = a.session ? (a.session.label ?? `shell:${req.ppid}`) : null;
    const switches: [string, string][] = [...a.runSwitches, ...a.processSwitches].map(([k, v]) => [k, v ?? ""]);
    if (a.revise) switches.push(["revise", a.revise]);
    const { worker, token, cold } = await this.pool.acquire({
      key,
      shape,
      label,
      home: clientEnv.HOME,
      onPhase: progress,
      run: {
        flags: runFlags(req, a),
        clientPid: req.pid,
        cwd: req.cwd,
        env,
        actions: a.actions.map((x) => [ACTION_KIND[x.kind], x.value]),
        programFile: a.programFile ?? "",
        args: a.args,
        switches,
        session: label ?? "",
      },
    });
    log.debug(`client ${req.pid} → worker ${worker.id}`);
    this.counters.bump(series("julia_daemon_runs_total", { project: project || "@default" }));
    this.counters.bump(cold ? "julia_daemon_cold_starts_total" : "julia_daemon_warm_runs_total");
    return {
      route: { socketPath: worker.hello!.runSocket, token, workerPid: worker.hello!.pid, workerId: worker.id },
      onClientGone: () => this.pool.clientGone(worker.id, token),
      onNotify: (event, value) => {
        if (event === Notify.RETIRE_WORKER) this.pool.retireById(worker.id, `client ${req.pid} pressed Ctrl-C three times`, true);
        else if (event === Notify.CLIENT_SIGNAL) log.debug(`client ${req.pid} ends by signal ${value}`);
      },
    };
  }

  async admin(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const [cmd, format, ...opts] = args;
    if (cmd === "status") {
      // `status [text|json] [color]`: the client says whether its stdout takes colour.
      const now = Date.now();
      const snap = snapshot(this.pool, now);
      const text = format === "json" ? renderStatusJson(snap) : renderStatus(snap, { now, color: opts.includes("color") });
      return { exitCode: 0, stdout: text, stderr: "" };
    }
    if (cmd === "stop") {
      // `stop keep-workers` (restart, upgrade): the workers re-register with the next conductor.
      const mode: StopMode = format === "keep-workers" ? "handover" : "graceful";
      setTimeout(() => this.onStop(mode), 0);
      return { exitCode: 0, stdout: mode === "handover" ? "juliaconductor: handing over\n" : "juliaconductor: stopping\n", stderr: "" };
    }
    if (cmd === "metrics") {
      const workers: Record<string, number> = {};
      for (const w of this.pool.workers.values()) workers[w.reserve ? "reserve" : w.state] = (workers[w.reserve ? "reserve" : w.state] ?? 0) + 1;
      const runsActive = [...this.pool.workers.values()].reduce((n, w) => n + w.runs.size + w.foreignRuns, 0);
      return { exitCode: 0, stdout: renderMetrics(this.counters.snapshotCounters(), { workers, runsActive, queueLength: this.pool.queue.length }), stderr: "" };
    }
    return { exitCode: 2, stdout: "", stderr: `juliaconductor: unknown admin command \`${cmd ?? ""}\`\n` };
  }
}
