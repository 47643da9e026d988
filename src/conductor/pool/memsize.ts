// How much memory a worker holds, from /proc: RSS (cheap, /proc/<pid>/status)
// for everyone, USS (private pages, /proc/<pid>/smaps_rollup, costlier) to
// refine the few about to be evicted. Returns null where /proc is missing.

import { readFileSync } from "node:fs";

export interface MemorySizer {
  rssBytes(pid: number): number | null;
  ussBytes(pid: number): number | null;
}

function kbField(text: string, name: string): number | null {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

export function parseRss(status: string): number | null {
  return kbField(status, "VmRSS");
}

export function parseUss(smapsRollup: string): number | null {
  const clean = kbField(smapsRollup, "Private_Clean"), dirty = kbField(smapsRollup, "Private_Dirty");
  return clean === null || dirty === null ? null : clean + dirty;
}

const tryRead = (path: string): string | null => {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return null;
  }
};

export const procSizer: MemorySizer = {
  rssBytes: (pid) => {
    const t = tryRead(`/proc/${pid}/status`);
    return t === null ? null : parseRss(t);
  },
  ussBytes: (pid) => {
    const t = tryRead(`/proc/${pid}/smaps_rollup`);
    return t === null ? null : parseUss(t);
  },
};

export const noSizer: MemorySizer = { rssBytes: () => null, ussBytes: () => null };
