// The shape of one conformance case and the few helpers cases share. A case
// gets a booted World and `L`, which picks the per-language variant of a code
// string (the double evaluates JavaScript, the real worker Julia). Expected
// protocol behaviour is never per-language; only code, and output where julia
// prints a backtrace or REPL decoration the double does not model.

import { expect } from "bun:test";
import { Action, ExitKind } from "../../src/shared/protocol/index.ts";
import type { Lang, RunOutcome, World } from "./driver.ts";

export type PerLang<T> = { double: T; julia: T };
export type Pick = <T>(v: PerLang<T>) => T;

export interface ConformanceCase {
  name: string;
  /** Only meaningful for one worker (e.g. Julia syntax such as `@__FILE__`). */
  only?: Lang;
  /** Boots its own worker (it ends the process, or needs a clean registry). */
  fresh?: boolean;
  /** Julia only from this version on; older versions report the case skipped with `why`. */
  julia?: { min: string; why: string };
  /** Extra environment for a fresh worker. */
  env?: Record<string, string>;
  body: (w: World, L: Pick) => Promise<void>;
}

/** Exact text, a regular expression, or a prefix (julia appends a backtrace). */
export type Text = string | RegExp | { prefix: string };

export function expectText(actual: string, expected: Text): void {
  if (typeof expected === "string") expect(actual).toBe(expected);
  else if (expected instanceof RegExp) expect(actual).toMatch(expected);
  else expect(actual.slice(0, expected.prefix.length)).toBe(expected.prefix);
}

/** Exit status as the client sees it: a code is `value & 0xFF` (§5.1). */
export function expectExit(out: RunOutcome, kind: number, value: number): void {
  const seen = out.exit.kind === ExitKind.CODE ? { kind: out.exit.kind, value: out.exit.value & 0xff } : out.exit;
  expect(seen).toEqual({ kind, value });
}

export interface Expect {
  stdout?: Text;
  stderr?: Text;
  kind?: number;
  code: number;
}

/** Bytes first, then the exit status, so a failure shows the output that explains it. */
export function expectOutcome(out: RunOutcome, e: Expect): void {
  if (e.stdout !== undefined) expectText(out.stdout, e.stdout);
  if (e.stderr !== undefined) expectText(out.stderr, e.stderr);
  expectExit(out, e.kind ?? ExitKind.CODE, e.code);
}

export const e = (code: string): [number, string][] => [[Action.EVAL, code]];
export const E = (code: string): [number, string][] => [[Action.PRINT, code]];

/** Parses "1.11.2" (or "1.12.0-rc1") far enough to compare minor versions. */
export function atLeast(version: string, min: string): boolean {
  const [a, b] = [version, min].map((v) => v.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0));
  for (let i = 0; i < 3; i++) if (a![i]! !== b![i]!) return a![i]! > b![i]!;
  return true;
}
