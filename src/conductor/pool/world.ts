// The real world the pool runs against, built once at start-up from a
// name→value lookup: validated settings, the kernel's memory-pressure signal
// and /proc sizes. Tests build PoolDeps by hand with fakes instead.

import { rawLookup, registerSettingNames, type Config } from "../config.ts";
import { procSizer, type MemorySizer } from "./memsize.ts";
import { procPressureSource, type PressureSource } from "./pressure.ts";
import { POOL_SETTING_DOCS, readPoolSettings, type PoolSettings, type ReadOptions } from "./settings.ts";

// At import, before any loadConfig: config.toml, flags and the environment then accept the pool's names.
registerSettingNames(POOL_SETTING_DOCS.map((d) => d.name));

export interface PoolWorld {
  settings: PoolSettings;
  pressure: PressureSource;
  sizer: MemorySizer;
}

export function poolWorld(lookup: (name: string) => string | undefined, opts?: ReadOptions): PoolWorld {
  const settings = readPoolSettings(lookup, opts);
  const pressure: PressureSource = settings.memoryPressure ? procPressureSource() : { name: "none", read: () => null };
  return { settings, pressure, sizer: procSizer };
}

/** The pool's world from the layered config: values and their sources come from config.raw. */
export function poolWorldFromConfig(config: Config): PoolWorld {
  const raw = rawLookup(config);
  const value = (name: string) => {
    const v = raw(name)?.value;
    return Array.isArray(v) ? v.join(" ") : v;
  };
  return poolWorld(value, { source: (name) => raw(name)?.source ?? "default" });
}
