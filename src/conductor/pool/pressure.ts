// Is memory short? A pure decision over one reading, plus the thin Linux
// adapter that produces readings: PSI (/proc/pressure/memory) when the kernel
// has it, else MemAvailable/MemTotal from /proc/meminfo. The free-memory
// signal has hysteresis (enter below LOW, leave above HIGH) so it cannot flap.

import { readFileSync } from "node:fs";
import type { PoolSettings } from "./settings.ts";

export type PressureReading = { kind: "psi"; someAvg10: number } | { kind: "memfree"; availableBytes: number; totalBytes: number };

export interface PressureSource {
  readonly name: "psi" | "meminfo" | "none";
  /** null when the reading failed this time */
  read(): PressureReading | null;
}

type Thresholds = Pick<PoolSettings, "psiThresholdPercent" | "memFreeLowFraction" | "memFreeHighFraction">;

export function underPressure(was: boolean, r: PressureReading | null, s: Thresholds): boolean {
  if (!r) return false;
  if (r.kind === "psi") return r.someAvg10 >= s.psiThresholdPercent;
  if (r.totalBytes <= 0) return false;
  const free = r.availableBytes / r.totalBytes;
  return was ? free <= s.memFreeHighFraction : free < s.memFreeLowFraction;
}

export function parsePsi(text: string): number | null {
  const m = /^some\b.*\bavg10=([\d.]+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

export function parseMeminfo(text: string): { availableBytes: number; totalBytes: number } | null {
  const kb = (k: string) => {
    const m = new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  const total = kb("MemTotal"), avail = kb("MemAvailable");
  return total === null || avail === null ? null : { availableBytes: avail, totalBytes: total };
}

type Reader = (path: string) => string;
const readText: Reader = (p) => readFileSync(p, "latin1");

/** Chooses the signal once, at start-up, the way the kernel offers it. */
export function procPressureSource(read: Reader = readText): PressureSource {
  const attempt = <T>(f: () => T): T | null => {
    try {
      return f();
    } catch {
      return null;
    }
  };
  if (attempt(() => parsePsi(read("/proc/pressure/memory"))) !== null) {
    return { name: "psi", read: () => attempt(() => ({ kind: "psi" as const, someAvg10: parsePsi(read("/proc/pressure/memory")) ?? 0 })) };
  }
  if (attempt(() => parseMeminfo(read("/proc/meminfo")))) {
    return {
      name: "meminfo",
      read: () => {
        const m = attempt(() => parseMeminfo(read("/proc/meminfo")));
        return m ? { kind: "memfree", ...m } : null;
      },
    };
  }
  return { name: "none", read: () => null };
}
