// Where settings come from: built-in defaults < config.toml < JULIA_DAEMON_*
// environment < command-line flags. Every raw value keeps its source, so a
// bad one can be blamed precisely. defu merges the layers; arrays replace
// (a WORKER_ARGS list from the environment is not appended to the file's).

import { createDefu } from "defu";
import { createError } from "../../shared/errors.ts";

export interface RawValue {
  value: string | string[];
  source: string;
}
export type RawSettings = Record<string, RawValue>;

const PREFIX = "JULIA_DAEMON_";

const merge = createDefu((obj, key, value) => {
  const o = obj as Record<string, unknown>;
  if (Array.isArray(o[key as string]) || Array.isArray(value)) {
    o[key as string] = value;
    return true;
  }
  return false;
});

export function configFilePath(env: Record<string, string | undefined>): string {
  if (env.JULIA_DAEMON_CONFIG) return env.JULIA_DAEMON_CONFIG;
  const base = env.XDG_CONFIG_HOME || `${env.HOME || "/tmp"}/.config`;
  return `${base}/julia-daemon/config.toml`;
}

/** `worker_args` in the file and `--worker-args` on the command line name JULIA_DAEMON_WORKER_ARGS. */
export const envName = (key: string) => PREFIX + key.replace(/-/g, "_").toUpperCase();
export const fileKey = (name: string) => name.slice(PREFIX.length).toLowerCase();
export const flagName = (name: string) => "--" + fileKey(name).replace(/_/g, "-");

function fromFile(path: string, text: string, known: ReadonlySet<string>): RawSettings {
  let doc: Record<string, unknown>;
  try {
    doc = Bun.TOML.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw createError("CONFIG", `${path} is not valid TOML: ${(e as Error).message}`, "fix the file or move it away");
  }
  const out: RawSettings = {};
  for (const [key, v] of Object.entries(doc)) {
    const name = envName(key);
    if (!known.has(name)) throw createError("CONFIG", `unknown setting \`${key}\` in ${path}`, "run `juliaconductor config` to list the settings");
    const value = Array.isArray(v) ? v.map(String) : typeof v === "object" && v !== null ? null : String(v);
    if (value === null) throw createError("CONFIG", `setting \`${key}\` in ${path} must be a string, number, boolean or list`, "see `juliaconductor config`");
    out[name] = { value, source: `file ${path}` };
  }
  return out;
}

function fromEnv(env: Record<string, string | undefined>, known: ReadonlySet<string>): RawSettings {
  const out: RawSettings = {};
  for (const name of known) {
    const v = env[name];
    if (v !== undefined && v !== "") out[name] = { value: v, source: `environment ${name}` };
  }
  return out;
}

function fromFlags(flags: readonly string[], known: ReadonlySet<string>): RawSettings {
  const out: RawSettings = {};
  for (const f of flags) {
    const m = /^--([a-z0-9-]+)=(.*)$/s.exec(f);
    const name = m ? envName(m[1]!) : null;
    if (!m || !name || !known.has(name)) throw createError("CONFIG", `unknown setting flag \`${f}\``, "flags are `--<setting>=<value>`; run `juliaconductor config` to list the settings");
    out[name] = { value: m[2]!, source: `flag ${flagName(name)}` };
  }
  return out;
}

export interface LayerInputs {
  env: Record<string, string | undefined>;
  flags: readonly string[];
  known: ReadonlySet<string>;
  readFile: (path: string) => string | null;
}

export function readLayers(inp: LayerInputs): RawSettings {
  const path = configFilePath(inp.env);
  const text = inp.readFile(path);
  const file = text === null ? {} : fromFile(path, text, inp.known);
  return merge({}, fromFlags(inp.flags, inp.known), fromEnv(inp.env, inp.known), file) as RawSettings;
}
