// A pool key names the set of interchangeable workers: everything fixed when
// julia starts. Two requests with equal keys may share a worker; anything
// that differs (project, threads, channel, process switches, start-up env)
// needs its own process.

import { renderSwitch, type ParsedArgs } from "../../shared/args/index.ts";

/** Environment variables julia reads only at start-up. */
export const STARTUP_ENV = ["JULIA_DEPOT_PATH", "JULIA_LOAD_PATH", "JULIA_NUM_THREADS", "JULIA_CPU_TARGET"] as const;

export interface WorkerShape {
  project: string;
  channel: string | null;
  threads: string | null;
  processSwitches: string[];
  startupEnv: Record<string, string>;
}

export function workerShape(args: ParsedArgs, project: string, clientEnv: Record<string, string | undefined>): WorkerShape {
  const startupEnv: Record<string, string> = {};
  for (const k of STARTUP_ENV) {
    const v = clientEnv[k];
    if (v !== undefined) startupEnv[k] = v;
  }
  return {
    project,
    channel: args.channel ?? null,
    threads: args.threads ?? null,
    processSwitches: args.processSwitches.map(renderSwitch),
    startupEnv,
  };
}

/** A hash, so the key can be stored and logged without spelling out the client's environment. */
export function poolKey(s: WorkerShape): string {
  const env = STARTUP_ENV.map((k) => `${k}=${s.startupEnv[k] ?? "\u0000unset"}`);
  const text = [s.project, s.channel ?? "", s.threads ?? "", s.processSwitches.join("\u0001"), env.join("\u0001")].join("\u0000");
  return new Bun.CryptoHasher("sha256").update(text).digest("hex").slice(0, 32);
}
