// The e2e tier's two worker languages: every case in a `eachLang` block runs
// once with the worker double (JavaScript) and once with the real julia on
// PATH as the worker (Julia), like the conformance suite. Without julia on
// PATH the Julia variants are registered as skipped, each named with
// "skipped: julia not found" (the CI fails on that text when it requires julia).
// Code given as `L({double, julia})` carries both languages side by side; a
// literal string is the same in both.

import { describe, test as bunTest } from "bun:test";
import type { PerLang, Pick } from "../conformance/case.ts";
import { atLeast } from "../conformance/case.ts";

export type { PerLang, Pick };
export type Lang = "double" | "julia";

export const JULIA: string | null = Bun.which("julia");
export const JULIA_SKIP = "skipped: julia not found";
/** The julia on PATH's version ("1.5.3"), read on first use; "" without julia. */
export const juliaVersion: () => string = (() => {
  let v: string | undefined;
  return () => (v ??= JULIA ? (Bun.spawnSync([JULIA, "--startup-file=no", "--version"]).stdout.toString().match(/(\d+\.\d+\.\d+\S*)/)?.[1] ?? "") : "");
})();

/**
 * Extra time a Julia variant gets on every limit: a julia worker compiles
 * itself when it starts (~6 s on an idle machine, far more when several
 * start at once), and the first call of anything in a run compiles it too.
 */
export const JULIA_SLACK_MS = 90_000;
/** A limit that is `ms` for the double, with julia's slack on top for julia. */
export const limitFor = (lang: Lang, ms: number): number => (lang === "julia" ? ms + JULIA_SLACK_MS : ms);

export interface CaseOptions {
  /** the double's time limit (the runner's default, 30 s, when absent); julia gets its slack on top */
  ms?: number;
  /** left out for a language, with a one-line reason (e.g. a double-only fault injection) */
  leftOut?: Partial<Record<Lang, string>>;
  /** julia from this version on; older ones skip with `why` */
  julia?: { min: string; why: string };
  /**
   * A known difference from plain julia, in one line (what julia does, what
   * the daemon does): the julia variant runs as `test.failing`, so it passes
   * while the difference remains and fails once it is fixed (then drop this).
   */
  knownBug?: string;
  /** the known bug only on julia versions starting with this ("1.5"); elsewhere the case runs normally */
  knownBugOn?: string;
}

export interface LangContext {
  lang: Lang;
  /** this language's variant: code, expected text, extra env */
  L: Pick;
  /** `ms` for the double, more for julia (see JULIA_SLACK_MS) */
  limit: (ms: number) => number;
  /** bun's `test`, with this language's time limit and skip rules */
  test: (name: string, fn: () => Promise<void> | void, opts?: number | CaseOptions) => void;
}

const RUNNER_DEFAULT_MS = 30_000; // test/run.ts passes --timeout=30000

/** `describe(label)` once per language; `body` registers its cases through the context it is given. */
export function eachLang(label: string, body: (c: LangContext) => void): void {
  if (!JULIA) console.log(`${label}: julia worker ${JULIA_SKIP} on PATH; its cases are reported as skipped`);
  for (const lang of ["double", "julia"] as const) {
    const available = lang === "double" || JULIA !== null;
    const limit = (ms: number) => limitFor(lang, ms);
    const test: LangContext["test"] = (name, fn, opts = {}) => {
      const o: CaseOptions = typeof opts === "number" ? { ms: opts } : opts;
      if (!available) return bunTest.skip(`${name} (${JULIA_SKIP})`, () => {});
      const out = o.leftOut?.[lang];
      if (out) return bunTest.skip(`${name} (left out for the ${lang} worker: ${out})`, () => {});
      if (lang === "julia" && o.julia && !atLeast(juliaVersion(), o.julia.min)) {
        return bunTest.skip(`${name} (skipped on julia ${juliaVersion()}: needs ${o.julia.min}; ${o.julia.why})`, () => {});
      }
      const ms = limit(o.ms ?? RUNNER_DEFAULT_MS);
      if (lang === "julia" && o.knownBug && (o.knownBugOn === undefined || juliaVersion().startsWith(o.knownBugOn))) {
        return bunTest.failing(`${name} [known bug: ${o.knownBug}]`, fn, ms);
      }
      bunTest(name, fn, ms);
    };
    describe(`${label} (${lang} worker)`, () => body({ lang, L: (v) => v[lang], limit, test }));
  }
}
