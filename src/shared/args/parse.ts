// julia's command line, read the way `jl_parse_opts` (src/jloptions.c) reads it with glibc's
// getopt_long and "+" shortopts, then split into program file and ARGS the way
// `exec_options` (base/client.jl) does. The result says which switches pin a worker process,
// which a warm worker honours per run, and which force the real julia. Throws ArgsError with
// julia's own message (julia prints it after "ERROR: " and exits 1).

import { CLIENT_LONG_OPTIONS, JULIA_LONG_OPTIONS, type OptionSpec } from "./table.ts";

/** A switch in canonical long-name form (no dashes); null = given without a value. */
export type Switch = [name: string, value: string | null];

export interface Action {
  readonly kind: "e" | "E" | "L";
  readonly value: string;
}

export interface ParsedArgs {
  /** juliaup's `+channel` as the very first argument, without the `+`. */
  channel?: string;
  /** -e/-E/-L in command-line order; julia runs them in this order before the program. */
  actions: Action[];
  /** -m/--module: julia stops reading switches after its value. */
  module?: string;
  /** The first positional (`-` = read the program from stdin); absent with -e/-E/-m. */
  programFile?: string;
  args: string[];
  /** Last --project/-P wins; bare means "@.". */
  project?: string;
  /** Raw -t/--threads value (last wins). Fixed at process start, so part of the pool key. */
  threads?: string;
  interactive: boolean;
  quiet: boolean;
  help: boolean;
  version: boolean;
  /** Fixed at process start: the worker pool key and the worker's own command line. */
  processSwitches: Switch[];
  /** Honoured by a warm worker for one run. */
  runSwitches: Switch[];
  /** The first switch no warm worker can honour: exec the real julia with the same argv. */
  execJulia: string | null;
  session?: { label: string | null };
  revise?: "yes" | "no";
  restart: boolean;
  status?: "text" | "json" | "live";
}

/** julia would refuse this command line; `message` is julia's text. */
export class ArgsError extends Error {
  /** For an ambiguous abbreviation, the long names it could mean (julia does not say). */
  readonly candidates: readonly string[];
  constructor(message: string, candidates: readonly string[] = []) {
    super(message);
    this.name = "ArgsError";
    this.candidates = candidates;
  }
}

export interface OptionTables {
  readonly julia: readonly OptionSpec[];
  readonly client: readonly OptionSpec[];
}

/** `--name` or `--name=value`: a switch as the worker's julia should receive it. */
export function renderSwitch([name, value]: Switch): string {
  return value === null ? `--${name}` : `--${name}=${value}`;
}

export function parseJuliaArgs(argv: readonly string[]): ParsedArgs {
  return parseArgsWith(argv, { julia: JULIA_LONG_OPTIONS, client: CLIENT_LONG_OPTIONS });
}

type Match = OptionSpec | { ambiguous: string[] } | undefined;

// glibc: an exact name wins; otherwise a prefix must match exactly one option.
function match(name: string, table: readonly OptionSpec[]): Match {
  const exact = table.find((o) => o.name === name);
  if (exact) return exact;
  const hits = table.filter((o) => o.name.startsWith(name));
  if (hits.length === 1) return hits[0];
  return hits.length > 1 ? { ambiguous: hits.map((o) => o.name) } : undefined;
}

function describe(spec: OptionSpec): string {
  return spec.short === undefined ? `--${spec.name}` : `-${spec.short}/--${spec.name}`;
}

const missing = (spec: OptionSpec) => new ArgsError(`option \`${describe(spec)}\` is missing an argument`);

export function parseArgsWith(argv: readonly string[], tables: OptionTables): ParsedArgs {
  const out: ParsedArgs = {
    actions: [],
    args: [],
    interactive: false,
    quiet: false,
    help: false,
    version: false,
    processSwitches: [],
    runSwitches: [],
    execJulia: null,
    restart: false,
  };
  const shorts = new Map<string, OptionSpec>();
  for (const o of tables.julia) if (o.short !== undefined) shorts.set(o.short, o);

  let i = 0;
  const first = argv[0];
  if (first !== undefined && first.length > 1 && first.startsWith("+")) {
    out.channel = first.slice(1);
    i = 1;
  }
  // ui/repl.c hands `--lisp` to the femtolisp REPL only as the very first argument.
  if (argv[i] === "--lisp") {
    out.execJulia = "lisp";
    return out;
  }

  let stopped = false; // -h, -v, --help-hidden: julia prints and exits on the spot
  let moduleWord: number | undefined; // argv index of the word holding -m's value
  let trim: string | undefined; // bare --trim means "safe"
  let experimental = false;

  const apply = (spec: OptionSpec, value: string | null, at: number): void => {
    if (value !== null && spec.check) {
      const problem = spec.check(value);
      if (problem !== undefined) throw new ArgsError(problem);
    }
    if (spec.name === "trim") trim = value ?? "safe";
    if (spec.name === "experimental") experimental = true;
    const entry: Switch = [spec.name, value];
    switch (spec.role) {
      case "process":
        out.processSwitches.push(entry);
        return;
      case "run":
        out.runSwitches.push(entry);
        if (spec.name === "quiet") out.quiet = true;
        return;
      case "exec":
        if (spec.name === "lisp") throw new ArgsError("--lisp must be specified as the first argument");
        out.execJulia ??= spec.name;
        if (spec.name === "help-hidden") stopped = true;
        return;
      case "client":
        applyClient(out, spec.name, value);
        return;
      case "field":
        applyField(spec.name, value, at);
        return;
    }
  };

  const applyField = (name: string, value: string | null, at: number): void => {
    if (name === "version" || name === "help") {
      out[name] = true;
      stopped = true;
    } else if (name === "interactive") out.interactive = true;
    else if (name === "project") out.project = value ?? "@.";
    else if (name === "threads" && value !== null) out.threads = value;
    else if (name === "module" && value !== null) {
      out.module = value;
      moduleWord = at;
    } else if (value !== null) {
      const kind = name === "eval" ? "e" : name === "print" ? "E" : "L";
      out.actions.push({ kind, value });
    }
  };

  while (i < argv.length && !stopped && moduleWord === undefined) {
    const word = argv[i] ?? "";
    if (word === "--") {
      i++;
      break;
    }
    if (word === "-" || !word.startsWith("-")) break; // "+": stop at the first non-option

    if (word.startsWith("--")) {
      const body = word.slice(2);
      const eq = body.indexOf("=");
      const name = eq < 0 ? body : body.slice(0, eq);
      const attached = eq < 0 ? null : body.slice(eq + 1);
      // julia's table first, so client names can never shadow a julia abbreviation.
      const found = match(name, tables.julia) ?? match(name, tables.client);
      if (found === undefined || "ambiguous" in found)
        throw new ArgsError(`unknown option \`${word}\``, found?.ambiguous);
      let value = attached;
      if (found.arity === "none" && attached !== null)
        throw new ArgsError(`option \`${describe(found)}\` does not accept an argument`);
      if (found.arity === "required" && attached === null) {
        if (i + 1 >= argv.length) throw missing(found);
        value = argv[++i] ?? "";
      }
      apply(found, value, i);
      i++;
      continue;
    }

    // A bundle of short switches: the first one taking a value takes the rest of the word,
    // or else the next word, even for -O/-g/-P whose long forms take one only after `=`.
    for (let j = 1; j < word.length && !stopped; j++) {
      const c = word.charAt(j);
      const spec = shorts.get(c);
      if (spec === undefined) throw new ArgsError(`unknown option \`-${c}\``);
      if (spec.arity === "none") {
        apply(spec, null, i);
        continue;
      }
      let value: string | null = null;
      if (j + 1 < word.length) value = word.slice(j + 1);
      else if (i + 1 < argv.length) value = argv[++i] ?? "";
      else if (spec.arity === "required") throw missing(spec);
      apply(spec, value, i);
      break;
    }
    i++;
  }

  if (stopped) return out;
  // jloptions.c checks this once parsing is done, whatever the order of the two switches.
  if (trim !== undefined && trim !== "no" && !experimental)
    throw new ArgsError("julia: --trim is an experimental feature, you must enable it with --experimental");
  finish(out, argv.slice(moduleWord ?? i), moduleWord !== undefined);
  return out;
}

function applyClient(out: ParsedArgs, name: string, value: string | null): void {
  if (name === "session") out.session = { label: value };
  else if (name === "revise") out.revise = value === "no" ? "no" : "yes";
  else if (name === "restart") out.restart = true;
  else if (name === "status") out.status = value === "json" || value === "live" ? value : "text";
}

// base/client.jl `exec_options`: with -e/-E nothing is a program file; otherwise the first
// remaining word is popped as PROGRAM_FILE. After -m that word is the one holding the module
// name, popped but never run (julia sets PROGRAM_FILE to it); with -e/-E it stays in ARGS.
function finish(out: ParsedArgs, rest: string[], afterModule: boolean): void {
  const suppressed = out.actions.some((a) => a.kind !== "L");
  const [head, ...tail] = rest;
  if (suppressed || head === undefined) out.args = rest;
  else {
    if (!afterModule) out.programFile = head;
    out.args = tail;
  }
}
