// Every conductor setting: its name (JULIA_DAEMON_*, also `snake_case` in
// config.toml and `--kebab-case` as a flag), default, meaning and parser.
// Parsers validate and name the value's source and the allowed range.

import { createError } from "../../shared/errors.ts";
import type { RawValue } from "./sources.ts";

export interface Setting<T> {
  name: string;
  describe: string;
  default: string | string[];
  parse: (raw: RawValue) => T;
}

const invalid = (raw: RawValue, name: string, expected: string) =>
  createError("CONFIG", `${name}=${JSON.stringify(raw.value)} is invalid (from ${raw.source}): expected ${expected}`, `fix it there, or remove it to use the default`);

const str = (raw: RawValue, name: string): string => {
  if (Array.isArray(raw.value)) throw invalid(raw, name, "a single value, not a list");
  return raw.value;
};

export const int = (min: number, max: number) => (name: string) => (raw: RawValue) => {
  const n = Number(str(raw, name));
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(raw, name, `an integer from ${min} to ${max}`);
  return n;
};

/** Seconds in the file and environment, milliseconds inside. */
export const seconds = (min: number, max: number) => (name: string) => (raw: RawValue) => {
  const n = Number(str(raw, name));
  if (!Number.isFinite(n) || n < min || n > max) throw invalid(raw, name, `a number of seconds from ${min} to ${max}`);
  return Math.round(n * 1000);
};

export const text = (name: string) => (raw: RawValue) => str(raw, name);

export const bool = (name: string) => (raw: RawValue) => {
  const v = str(raw, name).toLowerCase();
  if (["1", "yes", "true", "on"].includes(v)) return true;
  if (["0", "no", "false", "off"].includes(v)) return false;
  throw invalid(raw, name, "yes/no (1/0, true/false)");
};

/** Splits a string like a shell would for plain words and simple quotes; a TOML list is taken as is. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}
export const words = (_name: string) => (raw: RawValue) => (Array.isArray(raw.value) ? raw.value : splitArgs(raw.value));

function setting<T>(name: string, def: string | string[], describe: string, parse: (name: string) => (raw: RawValue) => T): Setting<T> {
  return { name: `JULIA_DAEMON_${name}`, default: def, describe, parse: parse(`JULIA_DAEMON_${name}`) };
}

export const CONDUCTOR_SETTINGS = {
  workerExecutable: setting("WORKER_EXECUTABLE", "julia", "the julia to start workers with", text),
  workerArgs: setting("WORKER_ARGS", "--startup-file=no", "extra arguments for every worker", words),
  workerProject: setting("WORKER_PROJECT", "", "--project for the worker process itself", text),
  maxClients: setting("WORKER_MAXCLIENTS", "1", "concurrent runs per worker (0 = unlimited)", int(0, 65536)),
  workerGraceMs: setting("WORKER_GRACE", "60", "seconds a worker waits to re-register after its conductor went away", seconds(0, 86_400)),
  replyTimeoutMs: setting("REPLY_TIMEOUT", "30", "seconds a worker may take to accept a run", seconds(1, 86_400)),
  startTimeoutMs: setting("START_TIMEOUT", "600", "seconds a new worker may take to connect", seconds(1, 86_400)),
  stopTimeoutMs: setting("STOP_TIMEOUT", "10", "seconds a graceful stop waits for running clients", seconds(0, 3_600)),
  logMaxBytes: setting("LOG_MAX_BYTES", "4194304", "size at which the log file is rotated", int(4096, 1 << 30)),
  debug: setting("DEBUG", "0", "verbose logging", bool),
} as const;

/**
 * Read from the environment only, never from config.toml: the client must
 * find the same socket without reading the conductor's file.
 */
export const ENV_ONLY = ["JULIA_DAEMON_RUNTIME", "JULIA_DAEMON_SERVER"] as const;
