// Pure comparison of two outcomes: stdout bytes exactly, then the exit status
// (a signal death is its signal), then stderr — exactly, or only its first
// line with text when the case shows a backtrace. Returns every difference, each
// rendered so a failure explains itself (a line diff, or hex for binary).

import type { DiffCase, Outcome } from "./case.ts";

export interface Difference {
  what: "stdout" | "exit" | "stderr" | "case";
  /** one line, for summaries */
  headline: string;
  /** the full explanation */
  detail: string;
}

const dec = new TextDecoder("utf-8", { fatal: true });

export function compare(c: DiffCase, julia: Outcome, client: Outcome): Difference[] {
  const out: Difference[] = [];
  if (!sameBytes(julia.stdout, client.stdout)) out.push(bytesDiff("stdout", julia.stdout, client.stdout));
  if (julia.code !== client.code || julia.signal !== client.signal) {
    const headline = `exit: julia ${status(julia)}, client ${status(client)}`;
    out.push({ what: "exit", headline, detail: headline });
  }
  const jErr = text(julia.stderr);
  if (!c.backtrace && (jErr.includes("\nStacktrace:\n") || jErr.includes("\nsignal ("))) {
    const headline = "case: julia's stderr shows a backtrace; mark the case `backtrace: true` to compare its first line only";
    out.push({ what: "case", headline, detail: `${headline}\n${indent(jErr)}` });
  }
  if (c.backtrace) {
    const a = firstLine(julia.stderr);
    const b = firstLine(client.stderr);
    if (!sameBytes(a, b)) {
      const d = bytesDiff("stderr", a, b);
      out.push({ ...d, headline: `${d.headline} (first line)`, detail: `stderr's first line differs (the rest is a backtrace):\n${d.detail}` });
    }
  } else if (!sameBytes(julia.stderr, client.stderr)) out.push(bytesDiff("stderr", julia.stderr, client.stderr));
  return out;
}

/** The failure message: the command, every difference, and the harness's notes. */
export function report(command: string, diffs: Difference[], julia: Outcome, client: Outcome): string {
  const lines = [`julia and juliaclient differ on: ${command}`];
  for (const d of diffs) lines.push("", d.detail);
  for (const [who, o] of [["julia", julia], ["client", client]] as const) for (const n of o.notes) lines.push(`note (${who}): ${n}`);
  if (!diffs.some((d) => d.what === "stderr")) {
    const e = text(client.stderr);
    if (e) lines.push("", `client stderr (not where they differ; shown for context):\n${indent(e.slice(0, 2000))}`);
  }
  return lines.join("\n");
}

export function status(o: Outcome): string {
  return o.signal ? `signal ${o.signal}` : `exit ${o.code}`;
}

function bytesDiff(what: "stdout" | "stderr", a: Uint8Array, b: Uint8Array): Difference {
  const at = firstDifference(a, b);
  const size = `julia ${a.length} bytes, client ${b.length} bytes`;
  const headline = `${what}: julia ${preview(a, at)} vs client ${preview(b, at)} (${size})`;
  const ta = tryText(a);
  const tb = tryText(b);
  const body = ta !== null && tb !== null ? lineDiff(ta, tb) : hexDiff(a, b, at);
  return { what, headline, detail: `${what} differs at byte ${at} (${size}):\n${body}` };
}

/**
 * A line diff, JSON-quoted so invisible bytes show: common prefix and suffix
 * trimmed, the middle aligned by longest common subsequence when small, a few
 * lines of context, at most MAX_ROWS rows.
 */
function lineDiff(a: string, b: string): string {
  const la = a.split(/(?<=\n)/);
  const lb = b.split(/(?<=\n)/);
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  let ja = la.length;
  let jb = lb.length;
  while (ja > i && jb > i && la[ja - 1] === lb[jb - 1]) ja--, jb--;
  const rows: string[] = [];
  const row = (mark: string, n: number, l: string | undefined) => rows.push(`  ${mark} ${String(n + 1).padStart(6)}  ${show(l)}`);
  for (let k = Math.max(0, i - 3); k < i; k++) row(" ", k, la[k]);
  for (const [op, ka, kb] of align(la.slice(i, ja), lb.slice(i, jb))) {
    if (rows.length >= MAX_ROWS) {
      rows.push("  … (more differences)");
      break;
    }
    if (op === "=") row(" ", i + ka, la[i + ka]);
    else if (op === "-") row("-", i + ka, la[i + ka]);
    else row("+", i + kb, lb[i + kb]);
  }
  if (ja < la.length) rows.push(`    (${la.length - ja} common lines follow)`);
  return `  (- julia, + juliaclient; julia's line numbers on - and common lines, the client's on +)\n${rows.join("\n")}`;
}

const MAX_ROWS = 30;

/** An edit script: LCS for small inputs; otherwise all of a removed, then all of b added. */
function align(a: string[], b: string[]): ["=" | "-" | "+", number, number][] {
  const out: ["=" | "-" | "+", number, number][] = [];
  if (a.length * b.length > 250_000) {
    a.forEach((_, k) => out.push(["-", k, 0]));
    b.forEach((_, k) => out.push(["+", 0, k]));
    return out;
  }
  // lcs[x][y] = LCS length of a[x..] and b[y..]
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let x = a.length - 1; x >= 0; x--) for (let y = b.length - 1; y >= 0; y--) lcs[x]![y] = a[x] === b[y] ? lcs[x + 1]![y + 1]! + 1 : Math.max(lcs[x + 1]![y]!, lcs[x]![y + 1]!);
  let x = 0;
  let y = 0;
  while (x < a.length || y < b.length) {
    if (x < a.length && y < b.length && a[x] === b[y]) out.push(["=", x++, y++]);
    else if (x < a.length && (y === b.length || lcs[x + 1]![y]! >= lcs[x]![y + 1]!)) out.push(["-", x++, y]);
    else out.push(["+", x, y++]);
  }
  return out;
}

function show(l: string | undefined): string {
  return l && l.length > 200 ? `${JSON.stringify(l.slice(0, 200))}… (${l.length} chars)` : JSON.stringify(l ?? "");
}

function hexDiff(a: Uint8Array, b: Uint8Array, at: number): string {
  const from = Math.max(0, at - 16);
  const hex = (x: Uint8Array) => Array.from(x.subarray(from, from + 48), (v) => v.toString(16).padStart(2, "0")).join(" ");
  return `  binary; bytes from offset ${from}:\n  - julia   ${hex(a)}\n  + client  ${hex(b)}`;
}

function preview(x: Uint8Array, at: number): string {
  if (x.length === 0) return "(empty)";
  const from = Math.max(0, at - 20);
  const t = tryText(x.subarray(from, from + 60)) ?? new TextDecoder().decode(x.subarray(from, from + 60));
  return `${from > 0 ? "…" : ""}${JSON.stringify(t)}${from + 60 < x.length ? "…" : ""}`;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && firstDifference(a, b) === a.length;
}

/** Up to the end of the first line with visible text (julia's fatal-signal report starts with an empty line). */
function firstLine(x: Uint8Array): Uint8Array {
  let at = 0;
  for (;;) {
    const nl = x.indexOf(10, at);
    if (nl < 0) return x;
    if (x.subarray(at, nl).some((b) => b > 32)) return x.subarray(0, nl + 1);
    at = nl + 1;
  }
}

function tryText(x: Uint8Array): string | null {
  try {
    return dec.decode(x);
  } catch {
    return null;
  }
}

function text(x: Uint8Array): string {
  return new TextDecoder().decode(x);
}

function indent(s: string): string {
  return s.replace(/^/gm, "  | ");
}
