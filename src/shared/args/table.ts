// julia's switch table, as `jl_parse_opts` in src/jloptions.c (1.12) declares it, plus the
// few newer switches (1.13/1.14) and juliaclient's own. Each entry says how a warm worker
// treats the switch (`role`) and checks a value exactly where julia checks it at parse time,
// failing with julia's own words. Pure data and small functions: no imports at all.

export type Arity = "none" | "required" | "optional";

/**
 * What a warm worker does with a switch:
 * - process: fixed when a Julia process starts (codegen, GC, images, startup file): part of
 *   the worker pool key, passed on the worker's command line.
 * - run: honoured per run inside a warm worker (banner, colour, history, quiet).
 * - exec: a warm worker cannot honour it (Distributed workers, coverage, compiler output):
 *   the client execs the real julia with the same argv.
 * - field: lifted into its own `ParsedArgs` field (actions, project, threads, -i, -h, -v, -m).
 * - client: juliaclient's own switch; julia never sees it.
 */
export type Role = "process" | "run" | "exec" | "field" | "client";

/** Returns the error text for a bad value, or undefined when julia would accept it. */
export type Check = (value: string) => string | undefined;

export interface OptionSpec {
  /** Long name without the leading `--`. */
  readonly name: string;
  readonly short?: string;
  readonly arity: Arity;
  readonly role: Role;
  readonly check?: Check;
  /** First julia release with the switch, when newer than 1.11. */
  readonly since?: string;
}

const oneOf =
  (label: string, ...values: string[]): Check =>
  (v) =>
    values.includes(v) ? undefined : `julia: invalid argument to ${label} (${v})`;

const clientOneOf =
  (label: string, ...values: string[]): Check =>
  (v) =>
    values.includes(v) ? undefined : `juliaclient: invalid argument to ${label} (${v})`;

/** C's strtol in base 10: null when no digits were read (endptr == start). */
function strtol(s: string): { value: number; rest: string } | null {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m?.[1] === undefined ? null : { value: Number(m[1]), rest: s.slice(m[0].length) };
}

const INT16_MAX = 32767;

/** Interactive-pool count after a comma: `auto` (as a prefix, like strncmp) or a whole integer. */
function interactiveOk(s: string): boolean {
  if (s.startsWith("auto")) return true;
  const m = strtol(s);
  return m !== null && m.rest === "" && m.value >= 0 && m.value < INT16_MAX;
}

// -t: the default count may trail text; only `,<m>` after it is checked strictly.
const threads: Check = (v) => {
  if (v.startsWith("auto")) {
    if (v[4] === "," && !interactiveOk(v.slice(5)))
      return "julia: -t,--threads=auto,<m>; m must be an integer >= 0";
    return undefined;
  }
  const n = strtol(v);
  if (n === null || n.value < 1 || n.value >= INT16_MAX)
    return "julia: -t,--threads=<n>[,auto|<m>]; n must be an integer >= 1";
  if (n.rest.startsWith(",") && !interactiveOk(n.rest.slice(1)))
    return "julia: -t,--threads=<n>,<m>; m must be an integer >= 0";
  return undefined;
};

const procs: Check = (v) => {
  if (v === "auto") return undefined;
  const n = strtol(v);
  return n === null || n.rest !== "" || n.value < 1 || n.value >= INT16_MAX
    ? "julia: -p,--procs=<n> must be an integer >= 1"
    : undefined;
};

const gcthreads: Check = (v) => {
  const n = strtol(v);
  if (n === null || n.value < 1 || n.value >= INT16_MAX)
    return "julia: --gcthreads=<n>[,<m>]; n must be an integer >= 1";
  if (!n.rest.startsWith(",")) return undefined;
  const m = strtol(n.rest.slice(1));
  return m === null || m.rest !== "" || m.value < 0 || m.value > 1
    ? "julia: --gcthreads=<n>,<m>; m must be 0 or 1"
    : undefined;
};

const safepointTimeout: Check = (v) => {
  const n = strtol(v);
  return n === null || n.value < 1 || n.value > INT16_MAX
    ? `julia: --timeout-for-safepoint-straggler=<seconds>; seconds must be an integer between 1 and ${INT16_MAX}`
    : undefined;
};

const coverage: Check = (v) =>
  ["user", "all", "none"].includes(v) || (v.length > 5 && v.endsWith(".info")) || v.startsWith("@")
    ? undefined
    : `julia: invalid argument to --code-coverage (${v})`;

const allocation: Check = (v) =>
  ["user", "all", "none"].includes(v) || v.startsWith("@")
    ? undefined
    : `julia: invalid argument to --track-allocation (${v})`;

// sscanf(optarg, "%Lf%3s", ...) then a unit of at most two letters, the second being `b`.
const FLOAT =
  /^[ \t\n\v\f\r]*([+-]?(?:inf(?:inity)?|nan|0x(?:[\da-f]+\.?[\da-f]*|\.[\da-f]+)(?:p[+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?))/i;
const UNITS: Readonly<Record<string, number>> = { "": 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

function cFloat(text: string): number {
  const hex = /^([+-]?)0x([\da-f]*)\.?([\da-f]*)(?:p([+-]?\d+))?$/i.exec(text);
  if (!hex) return /nan/i.test(text) ? NaN : Number(text.replace(/inf(inity)?/i, "Infinity"));
  const [, sign = "", whole = "", frac = "", exp = "0"] = hex;
  const mantissa = parseInt(whole + frac || "0", 16) / 16 ** frac.length;
  return (sign === "-" ? -1 : 1) * mantissa * 2 ** Number(exp);
}

const heapSizeHint: Check = (v) => {
  const label = "--heap-size-hint=<size>[<unit>]";
  const tooSmall = `julia: invalid memory size specified in ${label}`;
  const bad = `julia: invalid argument to ${label} (${v})`;
  if (v.trim() === "") return tooSmall; // sscanf returns EOF, not 0: the size stays 0
  const m = FLOAT.exec(v);
  if (!m?.[1]) return bad;
  const value = cFloat(m[1]);
  const unit = (/^[ \t\n\v\f\r]*(\S{0,3})/.exec(v.slice(m[0].length))?.[1] ?? "").toLowerCase();
  if (unit.length > 2 || (unit.length === 2 && unit[1] !== "b")) return bad;
  const head = unit.slice(0, 1);
  if (head === "%" && value > 100) return `julia: invalid percentage specified in ${label}`;
  // A percentage of physical memory is only zero when the percentage is.
  const size = head === "%" ? value : UNITS[head] === undefined ? undefined : value * UNITS[head];
  if (size === undefined || Number.isNaN(size) || size < 0) return bad;
  return size < 1 ? tooSmall : undefined;
};

const yesNo = (name: string): Check => oneOf(`--${name}={yes|no}`, "yes", "no");

/** julia's long options, in jloptions.c order, then the newer ones. */
export const JULIA_LONG_OPTIONS: readonly OptionSpec[] = [
  { name: "version", short: "v", arity: "none", role: "field" },
  { name: "help", short: "h", arity: "none", role: "field" },
  { name: "help-hidden", arity: "none", role: "exec" },
  { name: "interactive", short: "i", arity: "none", role: "field" },
  { name: "quiet", short: "q", arity: "none", role: "run" },
  { name: "banner", arity: "required", role: "run", check: oneOf("--banner={yes|no|auto|short}", "yes", "no", "auto", "short") },
  { name: "home", short: "H", arity: "required", role: "process" },
  { name: "eval", short: "e", arity: "required", role: "field" },
  { name: "module", short: "m", arity: "required", role: "field" },
  { name: "print", short: "E", arity: "required", role: "field" },
  { name: "load", short: "L", arity: "required", role: "field" },
  { name: "bug-report", arity: "required", role: "exec" },
  { name: "sysimage", short: "J", arity: "required", role: "process" },
  { name: "sysimage-native-code", arity: "required", role: "process", check: yesNo("sysimage-native-code") },
  { name: "compiled-modules", arity: "required", role: "process", check: oneOf("--compiled-modules={yes|no|existing|strict}", "yes", "no", "existing", "strict") },
  // julia's message really omits `existing`, which it accepts.
  { name: "pkgimages", arity: "required", role: "process", check: oneOf("--pkgimages={yes|no}", "yes", "no", "existing") },
  { name: "cpu-target", short: "C", arity: "required", role: "process" },
  { name: "procs", short: "p", arity: "required", role: "exec", check: procs },
  { name: "threads", short: "t", arity: "required", role: "field", check: threads },
  { name: "gcthreads", arity: "required", role: "process", check: gcthreads },
  { name: "machine-file", arity: "required", role: "exec" },
  { name: "project", short: "P", arity: "optional", role: "field" }, // -P: 1.14 (JuliaLang/julia#59867)
  { name: "color", arity: "required", role: "run", check: oneOf("--color={yes|no|auto}", "yes", "no", "auto") },
  { name: "history-file", arity: "required", role: "run", check: yesNo("history-file") },
  { name: "startup-file", arity: "required", role: "process", check: yesNo("startup-file") },
  { name: "compile", arity: "required", role: "process", check: oneOf("--compile", "yes", "no", "all", "min") },
  { name: "code-coverage", arity: "optional", role: "exec", check: coverage },
  { name: "track-allocation", arity: "optional", role: "exec", check: allocation },
  { name: "optimize", short: "O", arity: "optional", role: "process", check: oneOf("-O", "0", "1", "2", "3") },
  { name: "min-optlevel", arity: "optional", role: "process", check: oneOf("--min-optlevel", "0", "1", "2", "3") },
  { name: "debug-info", short: "g", arity: "optional", role: "process", check: oneOf("-g", "0", "1", "2") },
  { name: "check-bounds", arity: "required", role: "process", check: oneOf("--check-bounds={yes|no|auto}", "yes", "no", "auto") },
  { name: "output-bc", arity: "required", role: "exec" },
  { name: "output-unopt-bc", arity: "required", role: "exec" },
  { name: "output-o", arity: "required", role: "exec" },
  { name: "output-asm", arity: "required", role: "exec" },
  { name: "output-ji", arity: "required", role: "exec" },
  { name: "output-incremental", arity: "required", role: "exec", check: yesNo("output-incremental") },
  // Read from the C-side options struct when methods are defined / code is lowered: fixed at start.
  { name: "depwarn", arity: "required", role: "process", check: oneOf("--depwarn={yes|no|error}", "yes", "no", "error") },
  { name: "warn-overwrite", arity: "required", role: "process", check: yesNo("warn-overwrite") },
  { name: "warn-scope", arity: "required", role: "process", check: yesNo("warn-scope") },
  { name: "inline", arity: "required", role: "process", check: oneOf("--inline", "yes", "no") },
  { name: "polly", arity: "required", role: "process", check: oneOf("--polly", "yes", "no") },
  { name: "timeout-for-safepoint-straggler", arity: "required", role: "process", check: safepointTimeout },
  { name: "trace-compile", arity: "required", role: "process" },
  { name: "trace-compile-timing", arity: "none", role: "process" },
  { name: "trace-dispatch", arity: "required", role: "process" },
  { name: "task-metrics", arity: "required", role: "process", check: yesNo("task-metrics") },
  { name: "math-mode", arity: "required", role: "process", check: oneOf("--math-mode={ieee|user}", "ieee", "fast", "user") },
  { name: "handle-signals", arity: "required", role: "process", check: oneOf("--handle-signals", "yes", "no") },
  // Hidden switches.
  { name: "experimental", arity: "none", role: "process" },
  { name: "worker", arity: "optional", role: "exec" },
  { name: "bind-to", arity: "required", role: "exec" },
  { name: "lisp", arity: "none", role: "exec" },
  { name: "image-codegen", arity: "none", role: "process" },
  { name: "rr-detach", arity: "none", role: "process" },
  // Only meaningful while writing an image, which already needs julia itself.
  { name: "strip-metadata", arity: "none", role: "exec" },
  { name: "strip-ir", arity: "none", role: "exec" },
  { name: "permalloc-pkgimg", arity: "required", role: "process", check: yesNo("permalloc-pkgimg") },
  { name: "heap-size-hint", arity: "required", role: "process", check: heapSizeHint },
  { name: "trim", arity: "optional", role: "exec", check: oneOf("--trim={safe|no|unsafe|unsafe-warn}", "safe", "no", "unsafe", "unsafe-warn") },
  // Newer than the 1.12 jloptions.c read for this table; values are not checked here (julia
  // checks them when the worker starts). Names of the last four are second-hand.
  { name: "trace-eval", arity: "optional", role: "process", since: "1.13" },
  { name: "hard-heap-limit", arity: "required", role: "process", since: "1.13" },
  { name: "target-sanitize", arity: "required", role: "exec", since: "1.14" },
  { name: "heap-target-increment", arity: "required", role: "process", since: "1.13" },
  { name: "gc-sweep-always-full", arity: "none", role: "process", since: "1.13" },
  { name: "compress-sysimage", arity: "required", role: "exec", since: "1.13" },
  { name: "code-coverage-mode", arity: "required", role: "exec", since: "1.13" },
];

/**
 * juliaclient's own switches: long-only, `=value` style. They resolve only when julia's
 * table has no match at all, so every abbreviation julia accepts (or rejects as ambiguous)
 * keeps julia's meaning; none of these names is a prefix of a julia name.
 */
export const CLIENT_LONG_OPTIONS: readonly OptionSpec[] = [
  { name: "session", arity: "optional", role: "client", check: (v) => (v === "" ? "juliaclient: invalid argument to --session=<label> ()" : undefined) },
  { name: "revise", arity: "optional", role: "client", check: clientOneOf("--revise={yes|no}", "yes", "no") },
  { name: "restart", arity: "none", role: "client" },
  { name: "status", arity: "optional", role: "client", check: clientOneOf("--status={text|json|live}", "text", "json", "live") },
];

/** getopt's shortopts string for the table above ("+" = stop at the first non-option). */
export const JULIA_SHORT_OPTIONS: string =
  "+" +
  JULIA_LONG_OPTIONS.filter((o) => o.short !== undefined)
    .map((o) => o.short + (o.arity === "none" ? "" : ":"))
    .join("");
