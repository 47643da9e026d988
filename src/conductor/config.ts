// The conductor's settings, layered (defaults < config.toml < environment <
// flags), validated once at the edge; the core receives this typed object
// and never reads the environment itself. `juliaconductor config` renders
// `describeConfig` to show each effective value and where it came from.

import { existsSync, readFileSync } from "node:fs";
import { conductorPaths, stateDirFor, type ConductorPaths, type Env } from "../shared/paths.ts";

export { stateDirFor };
import { CONDUCTOR_SETTINGS } from "./config/schema.ts";
import { readLayers, type RawSettings, type RawValue } from "./config/sources.ts";

export { splitArgs } from "./config/schema.ts";

export interface Config {
  paths: ConductorPaths;
  stateDir: string;
  workerExecutable: string;
  workerArgs: string[];
  workerProject: string | null;
  /** concurrent runs per worker; 0 = unlimited */
  maxClients: number;
  /** how long a busy worker whose client vanished may stay busy */
  orphanRunGraceMs: number;
  /** how long a worker may take to answer ACTIVATE/RUN */
  replyTimeoutMs: number;
  /** how long the conductor waits for a new worker's HELLO before giving up */
  startTimeoutMs: number;
  /** how long a graceful stop lets running clients finish */
  stopTimeoutMs: number;
  workerGraceS: number;
  logMaxBytes: number;
  debug: boolean;
  /** every raw value with its source, for settings parsed elsewhere (pool policy) */
  raw: RawSettings;
}

const extraNames = new Set<string>();

/** Lets another module's settings (e.g. the pool's) be accepted in config.toml and as flags. */
export function registerSettingNames(names: Iterable<string>): void {
  for (const n of names) extraNames.add(n);
}

function knownNames(): Set<string> {
  return new Set([...Object.values(CONDUCTOR_SETTINGS).map((s) => s.name), ...extraNames]);
}

export interface LoadOptions {
  flags?: readonly string[];
  readFile?: (path: string) => string | null;
}

const defaultRead = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : null);

export function loadConfig(env: Env, uid: number, opts: LoadOptions = {}): Config {
  const raw = readLayers({ env, flags: opts.flags ?? [], known: knownNames(), readFile: opts.readFile ?? defaultRead });
  const get = <T>(key: keyof typeof CONDUCTOR_SETTINGS): T => {
    const s = CONDUCTOR_SETTINGS[key];
    return s.parse(raw[s.name] ?? { value: s.default, source: "default" }) as T;
  };
  const project = get<string>("workerProject");
  return {
    paths: conductorPaths(env, uid),
    stateDir: stateDirFor(env),
    workerExecutable: get("workerExecutable"),
    workerArgs: get("workerArgs"),
    workerProject: project || null,
    maxClients: get("maxClients"),
    orphanRunGraceMs: 5_000,
    replyTimeoutMs: get("replyTimeoutMs"),
    startTimeoutMs: get("startTimeoutMs"),
    stopTimeoutMs: get("stopTimeoutMs"),
    workerGraceS: Math.round(get<number>("workerGraceMs") / 1000),
    logMaxBytes: get("logMaxBytes"),
    debug: get("debug"),
    raw,
  };
}

/** A lookup over the layered raw values, for settings parsed by other modules. */
export function rawLookup(config: Config): (name: string) => RawValue | undefined {
  return (name) => config.raw[name];
}

export interface ConfigRow {
  name: string;
  value: string;
  source: string;
  describe: string;
}

export function describeConfig(config: Config, extra: readonly { name: string; default: string; describe: string }[] = []): ConfigRow[] {
  const rows: ConfigRow[] = [];
  const all = [...Object.values(CONDUCTOR_SETTINGS).map((s) => ({ name: s.name, default: String(s.default), describe: s.describe })), ...extra];
  for (const s of all) {
    const r = config.raw[s.name];
    rows.push({ name: s.name, value: r ? (Array.isArray(r.value) ? JSON.stringify(r.value) : r.value) : s.default, source: r?.source ?? "default", describe: s.describe });
  }
  rows.push({ name: "JULIA_DAEMON_RUNTIME", value: config.paths.runtime, source: "environment (or its default)", describe: "runtime dir (env only: the client reads it too)" });
  rows.push({ name: "JULIA_DAEMON_SERVER", value: config.paths.socket, source: "environment (or its default)", describe: "conductor socket (env only)" });
  rows.push({ name: "JULIA_DAEMON_STATE_DIR", value: config.stateDir, source: "environment (or its default)", describe: "durable state and logs" });
  return rows;
}
