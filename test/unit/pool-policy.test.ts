// Pure pool policy with plain numbers for time: settings validation, the
// adaptive idle budget, eviction choices, health-check reconciliation,
// memory-pressure signals and reserve bookkeeping. No processes, no sleeps.

import { describe, expect, test } from "bun:test";
import { parseJuliaArgs } from "../../src/shared/args/index.ts";
import { addBusy, emptyUsage, idleBudgetMs, reuseChance, summon, type Usage } from "../../src/conductor/pool/budget.ts";
import { capacityVictim, pressureVictims, ttlVictims, type Candidate } from "../../src/conductor/pool/evict.ts";
import { pingDue, reconcile } from "../../src/conductor/pool/health.ts";
import { workerShape } from "../../src/conductor/pool/key.ts";
import { parseUss, parseRss } from "../../src/conductor/pool/memsize.ts";
import { parseMeminfo, parsePsi, procPressureSource, underPressure } from "../../src/conductor/pool/pressure.ts";
import { noteDemand, reserveKey, wantedReserves, type Demand } from "../../src/conductor/pool/reserve.ts";
import { defaultPoolSettings, readPoolSettings } from "../../src/conductor/pool/settings.ts";

const S = defaultPoolSettings(4);
const MIN = 60_000;

describe("settings", () => {
  const read = (env: Record<string, string>) => readPoolSettings((n) => env[n], { cpus: 4 });
  test("defaults are unit-named and MAX_WORKERS is the CPU count", () => {
    expect(read({})).toEqual(S);
    expect(S).toMatchObject({ minTtlMs: 120_000, maxTtlMs: 7_200_000, labelTtlMs: 90_000, maxWorkers: 4, pingIntervalMs: 30_000, pingTimeoutMs: 5_000, reserve: true, memoryPressure: true, psiThresholdPercent: 10, memFreeLowFraction: 0.1, memFreeHighFraction: 0.15 });
  });
  test("values in seconds and percentages; WORKER_TTL is the legacy MAX_TTL", () => {
    expect(read({ JULIA_DAEMON_MIN_TTL: "1.5", JULIA_DAEMON_WORKER_TTL: "600", JULIA_DAEMON_MEMFREE_LOW: "5%", JULIA_DAEMON_RESERVE: "0" })).toMatchObject({ minTtlMs: 1500, maxTtlMs: 600_000, memFreeLowFraction: 0.05, reserve: false });
    expect(read({ JULIA_DAEMON_MAX_TTL: "900", JULIA_DAEMON_WORKER_TTL: "600" }).maxTtlMs).toBe(900_000);
  });
  test("a bad value names itself, its value and its source", () => {
    expect(() => read({ JULIA_DAEMON_PING_INTERVAL: "soon" })).toThrow("JULIA_DAEMON_PING_INTERVAL=soon is invalid (from the environment): expected a number of seconds");
    expect(() => readPoolSettings((n) => (n === "JULIA_DAEMON_MAX_WORKERS" ? "0" : undefined), { source: () => "file ~/.config/x.toml" })).toThrow("JULIA_DAEMON_MAX_WORKERS=0 is invalid (from file ~/.config/x.toml): expected an integer from 1");
    expect(() => read({ JULIA_DAEMON_MEMORY_PRESSURE: "maybe" })).toThrow(/expected 1 or 0/);
    expect(() => read({ JULIA_DAEMON_MIN_TTL: "9000" })).toThrow("JULIA_DAEMON_MIN_TTL=9000 is invalid (from the environment): expected fewer seconds than JULIA_DAEMON_MAX_TTL (7200)");
    expect(() => read({ JULIA_DAEMON_MEMFREE_HIGH: "5" })).toThrow(/JULIA_DAEMON_MEMFREE_HIGH=5 is invalid .*at least JULIA_DAEMON_MEMFREE_LOW/);
  });
});

describe("idle budget (fake clock)", () => {
  const every = (gapMs: number, n: number, runMs = 1000): Usage => {
    let u = emptyUsage();
    for (let i = 0; i < n; i++) {
      u = summon(u, i * gapMs, S);
      u = addBusy(u, runMs, i * gapMs + runMs, S);
    }
    return u;
  };
  const min = (u: Usage) => Math.round(idleBudgetMs(u, S) / MIN);
  test("a one-off run keeps its worker MIN_TTL only", () => {
    expect(idleBudgetMs(every(0, 1), S)).toBe(120_000);
  });
  test("two runs ten minutes apart: about 36 minutes", () => {
    expect(min(every(10 * MIN, 2))).toBe(36);
  });
  test("a pool summoned every minute stays warm between uses", () => {
    const b = idleBudgetMs(every(MIN, 30), S);
    expect(b).toBeGreaterThan(2 * MIN);
    expect(min(every(MIN, 30))).toBe(3);
    expect(min(every(MIN, 200))).toBe(4);
  });
  test("every twenty minutes: the budget covers the gap", () => {
    expect(idleBudgetMs(every(20 * MIN, 12), S)).toBeGreaterThan(20 * MIN);
  });
  test("one hour-long session earns an hour", () => {
    expect(min(every(0, 1, 60 * MIN))).toBe(60);
  });
  test("never above MAX_TTL; a labelled worker at least LABEL_TTL", () => {
    expect(idleBudgetMs(every(0, 1, 10 * 60 * MIN), S)).toBe(S.maxTtlMs);
    expect(idleBudgetMs(emptyUsage(), { ...S, labelTtlMs: 300_000 }, true)).toBe(300_000);
  });
  test("reuse chance: 0 after one use, rises with the horizon", () => {
    expect(reuseChance(every(0, 1), 10 * MIN)).toBe(0);
    const u = every(5 * MIN, 6);
    expect(reuseChance(u, MIN)).toBeLessThan(reuseChance(u, 10 * MIN));
    expect(reuseChance(u, 10 * MIN)).toBeCloseTo(0.865, 2);
  });
});

const cand = (id: string, over: Partial<Candidate> = {}): Candidate => ({ id, busy: false, starting: false, reserve: false, labelLive: false, idleMs: 200_000, budgetMs: 300_000, chance: 0.5, sizeBytes: 500 << 20, ...over });

describe("eviction choices", () => {
  test("TTL: idle past budget, never busy, starting or the reserve", () => {
    const cs = [cand("over", { idleMs: 301_000 }), cand("under"), cand("busy", { busy: true, idleMs: 999_999 }), cand("res", { reserve: true, idleMs: 999_999 }), cand("st", { starting: true, idleMs: 999_999 })];
    expect(ttlVictims(cs)).toEqual(["over"]);
  });
  test("pressure: past MIN_TTL only, lowest usefulness per byte first, a few at most", () => {
    const cs = [
      cand("young", { idleMs: 10_000, chance: 0 }),
      cand("useful-small", { chance: 0.9, sizeBytes: 200 << 20 }),
      cand("useless-big", { chance: 0.1, sizeBytes: 2000 << 20 }),
      cand("useless-small", { chance: 0.1, sizeBytes: 200 << 20 }),
      cand("client", { busy: true, chance: 0 }),
      cand("session", { labelLive: true, chance: 0 }),
      cand("unmeasured", { chance: 0.1, sizeBytes: null }),
    ];
    expect(pressureVictims(cs, S.minTtlMs, 2)).toEqual(["useless-big", "useless-small"]);
    expect(pressureVictims(cs, S.minTtlMs, 10)).toEqual(["useless-big", "useless-small", "useful-small", "unmeasured"]);
  });
  test("capacity: the reserve first, then the least valuable idle worker; never a live session", () => {
    expect(capacityVictim([cand("a", { chance: 0.2 }), cand("r", { reserve: true, chance: 0.9 })])).toBe("r");
    expect(capacityVictim([cand("a", { chance: 0.9 }), cand("b", { chance: 0.2 })])).toBe("b");
    expect(capacityVictim([cand("s", { labelLive: true }), cand("busy", { busy: true })])).toBeNull();
  });
});

describe("health", () => {
  test("idle workers every interval, busy ones four times less often", () => {
    expect(pingDue(0, 30_000, false, 30_000)).toBe(true);
    expect(pingDue(0, 30_000, true, 30_000)).toBe(false);
    expect(pingDue(0, 120_000, true, 30_000)).toBe(true);
  });
  test("a lost RUN_DONE: the oldest runs the worker no longer has are freed", () => {
    expect(reconcile(["a", "b"], ["a", "b"], 1)).toEqual({ stale: ["a"], foreign: 0 });
    expect(reconcile(["a", "b"], ["a", "b"], 2)).toEqual({ stale: [], foreign: 0 });
  });
  test("runs started after the PING are never freed by it", () => {
    expect(reconcile(["a"], ["a", "new"], 1)).toEqual({ stale: [], foreign: 0 });
    expect(reconcile([], ["new"], 0)).toEqual({ stale: [], foreign: 0 });
  });
  test("runs we never heard of keep the worker busy", () => {
    expect(reconcile([], [], 2)).toEqual({ stale: [], foreign: 2 });
  });
});

describe("memory pressure signal", () => {
  const psi = "some avg10=12.50 avg60=3.00 avg300=1.00 total=123\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
  const GiB = 2 ** 30;
  test("PSI some avg10 at or above the threshold, no hysteresis", () => {
    expect(parsePsi(psi)).toBe(12.5);
    expect(underPressure(false, { kind: "psi", someAvg10: 10 }, S)).toBe(true);
    expect(underPressure(true, { kind: "psi", someAvg10: 9.9 }, S)).toBe(false);
  });
  test("free memory: enter below LOW, leave only above HIGH", () => {
    const at = (f: number) => ({ kind: "memfree" as const, availableBytes: f * 16 * GiB, totalBytes: 16 * GiB });
    expect(underPressure(false, at(0.12), S)).toBe(false);
    expect(underPressure(false, at(0.09), S)).toBe(true);
    expect(underPressure(true, at(0.12), S)).toBe(true);
    expect(underPressure(true, at(0.16), S)).toBe(false);
    expect(underPressure(true, null, S)).toBe(false);
  });
  test("the adapter prefers PSI, falls back to /proc/meminfo, else reports nothing", () => {
    const files = (m: Record<string, string>) => (p: string) => {
      if (p in m) return m[p]!;
      throw new Error("ENOENT");
    };
    const meminfo = "MemTotal:       16000000 kB\nMemFree:  1 kB\nMemAvailable:    1000000 kB\n";
    expect(parseMeminfo(meminfo)).toEqual({ totalBytes: 16000000 * 1024, availableBytes: 1000000 * 1024 });
    expect(procPressureSource(files({ "/proc/pressure/memory": psi, "/proc/meminfo": meminfo })).name).toBe("psi");
    const mi = procPressureSource(files({ "/proc/meminfo": meminfo }));
    expect(mi.name).toBe("meminfo");
    expect(mi.read()).toEqual({ kind: "memfree", totalBytes: 16000000 * 1024, availableBytes: 1000000 * 1024 });
    expect(procPressureSource(files({})).read()).toBeNull();
  });
  test("sizes: RSS from status, USS from smaps_rollup", () => {
    expect(parseRss("Name: julia\nVmRSS:\t  204800 kB\n")).toBe(200 * 2 ** 20);
    expect(parseUss("Rss: 9 kB\nPrivate_Clean: 1024 kB\nPrivate_Dirty: 3072 kB\n")).toBe(4 * 2 ** 20);
  });
});

describe("reserve bookkeeping", () => {
  const shape = (argv: string[], project = "/p") => workerShape(parseJuliaArgs([...argv, "-e", "1"]), project, {});
  test("the reserve key ignores the project but not threads or channel", () => {
    expect(reserveKey(shape([], "/a"))).toBe(reserveKey(shape([], "/b")));
    expect(reserveKey(shape(["-t", "4"]))).not.toBe(reserveKey(shape([])));
    expect(reserveKey(shape(["+1.10"]))).not.toBe(reserveKey(shape([])));
  });
  test("a shape is common from its second request; at most two, the most recent; forgotten after a while", () => {
    const d = new Map<string, Demand>();
    noteDemand(d, shape(["-t", "8"]), 0);
    expect(wantedReserves(d, 0, 1000)).toEqual([]);
    noteDemand(d, shape(["-t", "8"]), 1);
    const t2 = noteDemand(d, shape(["-t", "2"]), 2);
    noteDemand(d, shape(["-t", "2"], "/q"), 3);
    const t3 = noteDemand(d, shape(["-t", "3"]), 4);
    noteDemand(d, shape(["-t", "3"]), 5);
    expect(wantedReserves(d, 5, 1000)).toEqual([t3, t2]);
    expect(d.get(t2)!.shape.project).toBe("");
    expect(wantedReserves(d, 2000, 1000)).toEqual([]);
  });
});
