// Table tests for julia's switch grammar: each row is an argv and either the part of
// ParsedArgs it must produce or julia's exact error text. Rows cite the julia behaviour
// (src/jloptions.c, base/client.jl) they pin down.

import { describe, expect, test } from "bun:test";
import {
  ArgsError,
  CLIENT_LONG_OPTIONS,
  JULIA_LONG_OPTIONS,
  JULIA_SHORT_OPTIONS,
  parseArgsWith,
  parseJuliaArgs,
  renderSwitch,
  type ParsedArgs,
} from "../../src/shared/args/index.ts";

type Row = [argv: string[], expected: Partial<ParsedArgs>];
type ErrorRow = [argv: string[], message: string];

const ok: Row[] = [
  // --project: optional argument, only after `=`; bare means "@."; prefixes like getopt_long.
  [["--project"], { project: "@.", programFile: undefined, args: [] }],
  [["--project=@."], { project: "@." }],
  [["--proj=."], { project: "." }],
  [["--project", "prog.jl"], { project: "@.", programFile: "prog.jl" }],
  [["--project=a", "--project=b"], { project: "b" }],
  [["-P", "@foo", "prog.jl"], { project: "@foo", programFile: "prog.jl" }],
  [["-P@foo"], { project: "@foo" }],
  [["-P"], { project: "@." }],
  // -e/-E/-L keep one ordered list; -e/-E mean no program file: every positional is ARGS.
  [["-e", "a", "-e", "b"], { actions: [{ kind: "e", value: "a" }, { kind: "e", value: "b" }] }],
  [["-e", "code", "a", "b"], { actions: [{ kind: "e", value: "code" }], programFile: undefined, args: ["a", "b"] }],
  [["-E", "x"], { actions: [{ kind: "E", value: "x" }], programFile: undefined, args: [] }],
  [["-E", "x", "y.jl"], { programFile: undefined, args: ["y.jl"] }],
  [["-L", "a.jl", "prog.jl", "x"], { actions: [{ kind: "L", value: "a.jl" }], programFile: "prog.jl", args: ["x"] }],
  [["-L", "a.jl", "-e", "1"], { actions: [{ kind: "L", value: "a.jl" }, { kind: "e", value: "1" }] }],
  [["-e", "1", "-L", "a.jl", "-E", "2"], { actions: [{ kind: "e", value: "1" }, { kind: "L", value: "a.jl" }, { kind: "E", value: "2" }] }],
  [["-i", "-L", "a.jl"], { interactive: true, programFile: undefined, args: [] }],
  [["-e1+1"], { actions: [{ kind: "e", value: "1+1" }] }],
  [["--eval=x"], { actions: [{ kind: "e", value: "x" }] }],
  [["--eval", "x"], { actions: [{ kind: "e", value: "x" }] }],
  [["--ev", "x"], { actions: [{ kind: "e", value: "x" }] }],
  [["--eval="], { actions: [{ kind: "e", value: "" }] }],
  [["-e", "--"], { actions: [{ kind: "e", value: "--" }], args: [] }],
  [["--print=1", "--load", "f.jl"], { actions: [{ kind: "E", value: "1" }, { kind: "L", value: "f.jl" }] }],
  // `--` ends the switches; after the program file everything is verbatim ARGS.
  [["--", "prog.jl", "-e", "x"], { programFile: "prog.jl", args: ["-e", "x"], actions: [] }],
  [["-q", "--", "-e", "x"], { programFile: "-e", args: ["x"], quiet: true }],
  [["-e", "x", "--", "a", "b"], { programFile: undefined, args: ["a", "b"] }],
  [["prog.jl", "--", "a"], { programFile: "prog.jl", args: ["--", "a"] }],
  [["--"], { programFile: undefined, args: [] }],
  [
    ["prog.jl", "-t", "8", "--project=x", "-e", "y", "--session"],
    { programFile: "prog.jl", args: ["-t", "8", "--project=x", "-e", "y", "--session"], threads: undefined, project: undefined, actions: [], session: undefined },
  ],
  [["-e", "x", "a", "--", "-q"], { args: ["a", "--", "-q"], quiet: false }],
  // `-` is the program read from stdin.
  [["-", "a", "b"], { programFile: "-", args: ["a", "b"] }],
  [["-e", "x", "-", "a"], { programFile: undefined, args: ["-", "a"] }],
  [["", "a"], { programFile: "", args: ["a"] }],
  // Bundled short switches; the first taking a value takes the rest of the word or the next.
  [["-iq"], { interactive: true, quiet: true, runSwitches: [["quiet", null]] }],
  [["-qe", "code", "x"], { quiet: true, actions: [{ kind: "e", value: "code" }], args: ["x"] }],
  [["-iqecode"], { actions: [{ kind: "e", value: "code" }] }],
  // -O/-g: optional long forms, but getopt's "O:"/"g:" take the next word; bare only at the end.
  [["-O"], { processSwitches: [["optimize", null]] }],
  [["-O2"], { processSwitches: [["optimize", "2"]] }],
  [["-O", "1"], { processSwitches: [["optimize", "1"]], programFile: undefined }],
  [["--optimize", "prog.jl"], { processSwitches: [["optimize", null]], programFile: "prog.jl" }],
  [["--opt=0"], { processSwitches: [["optimize", "0"]] }],
  [["-g1"], { processSwitches: [["debug-info", "1"]] }],
  [["-g"], { processSwitches: [["debug-info", null]] }],
  [["--debug-info=2", "--min-optlevel"], { processSwitches: [["debug-info", "2"], ["min-optlevel", null]] }],
  // Threads: N|auto[,M|auto]; julia only checks what follows a comma strictly.
  [["--threads", "auto"], { threads: "auto" }],
  [["-t", "4,1"], { threads: "4,1" }],
  [["-t4", "-t", "auto,0"], { threads: "auto,0" }],
  [["--threads=2,auto"], { threads: "2,auto" }],
  [["-t", "4x"], { threads: "4x" }],
  // juliaup channel, only as the very first word.
  [["+1.11", "-e", "1"], { channel: "1.11", actions: [{ kind: "e", value: "1" }] }],
  [["+release", "prog.jl"], { channel: "release", programFile: "prog.jl" }],
  [["prog.jl", "+1.11"], { channel: undefined, programFile: "prog.jl", args: ["+1.11"] }],
  // juliaclient's own switches.
  [["--session"], { session: { label: null } }],
  [["--session=work", "prog.jl"], { session: { label: "work" }, programFile: "prog.jl" }],
  [["--revise"], { revise: "yes" }],
  [["--revise=no"], { revise: "no" }],
  [["--restart"], { restart: true }],
  [["--status=json"], { status: "json" }],
  [["--status"], { status: "text" }],
  [["--status=live"], { status: "live" }],
  [["--rev", "--res", "--stat", "--se=x"], { revise: "yes", restart: true, status: "text", session: { label: "x" } }],
  [["--sta=no"], { processSwitches: [["startup-file", "no"]], status: undefined }],
  // Classification.
  [
    ["--startup-file=no", "-O3", "--check-bounds=yes"],
    { processSwitches: [["startup-file", "no"], ["optimize", "3"], ["check-bounds", "yes"]], execJulia: null, runSwitches: [] },
  ],
  [
    ["-J", "img.so", "-C", "native", "--heap-size-hint=4G", "--gcthreads=4,1", "--compile=min", "-H", "/opt/bin"],
    { processSwitches: [["sysimage", "img.so"], ["cpu-target", "native"], ["heap-size-hint", "4G"], ["gcthreads", "4,1"], ["compile", "min"], ["home", "/opt/bin"]] },
  ],
  [["--heap-size-hint=50%", "--heap-size-hint", "1.5 gb", "--heap-size-hint=0x10k"], { execJulia: null }],
  [
    ["--banner=no", "--color=yes", "--history-file=no", "-q"],
    { runSwitches: [["banner", "no"], ["color", "yes"], ["history-file", "no"], ["quiet", null]], quiet: true },
  ],
  [["-p", "2", "prog.jl"], { execJulia: "procs", programFile: "prog.jl" }],
  [["-p", "auto"], { execJulia: "procs" }],
  [["--code-coverage", "-p", "2"], { execJulia: "code-coverage" }],
  [["--code-coverage=@src", "--track-allocation=user", "--code-coverage=lcov.info"], { execJulia: "code-coverage" }],
  [["--machine-file", "hosts", "--worker"], { execJulia: "machine-file" }],
  [["--bug-report=rr", "-e", "1"], { execJulia: "bug-report" }],
  [["--experimental", "--trim"], { execJulia: "trim", processSwitches: [["experimental", null]] }],
  [["--trim=no"], { execJulia: "trim" }],
  [["--lisp"], { execJulia: "lisp" }],
  [["+1.12", "--lisp"], { execJulia: "lisp", channel: "1.12" }],
  // -h/-v/--help-hidden: julia prints and exits there, so later words are never read.
  [["-v", "--bogus"], { version: true, args: [] }],
  [["-qh", "-e"], { help: true, quiet: true }],
  [["--help-hidden", "--bogus"], { execJulia: "help-hidden" }],
  // -m: julia stops reading switches after the module name (base/client.jl pops that word).
  [["-m", "Pkg", "a", "-e", "x"], { module: "Pkg", programFile: undefined, args: ["a", "-e", "x"], actions: [] }],
  [["-mPkg", "a"], { module: "Pkg", args: ["a"] }],
  [["--module=Pkg.Sub", "a"], { module: "Pkg.Sub", args: ["a"] }],
  [["-e", "1", "-m", "Pkg", "a"], { module: "Pkg", programFile: undefined, args: ["Pkg", "a"] }],
];

const errors: ErrorRow[] = [
  [["--foo"], "unknown option `--foo`"],
  [["--foo=bar", "prog.jl"], "unknown option `--foo=bar`"],
  [["-x"], "unknown option `-x`"],
  [["-qx"], "unknown option `-x`"],
  [["-e"], "option `-e/--eval` is missing an argument"],
  [["--eval"], "option `-e/--eval` is missing an argument"],
  [["-qm"], "option `-m/--module` is missing an argument"],
  [["--banner"], "option `--banner` is missing an argument"],
  [["--banner=maybe"], "julia: invalid argument to --banner={yes|no|auto|short} (maybe)"],
  [["--color=on"], "julia: invalid argument to --color={yes|no|auto} (on)"],
  [["--startup-file", "maybe"], "julia: invalid argument to --startup-file={yes|no} (maybe)"],
  [["--history-file=0"], "julia: invalid argument to --history-file={yes|no} (0)"],
  [["--check-bounds=off"], "julia: invalid argument to --check-bounds={yes|no|auto} (off)"],
  [["--compile=maybe"], "julia: invalid argument to --compile (maybe)"],
  [["--pkgimages=x"], "julia: invalid argument to --pkgimages={yes|no} (x)"],
  [["-O4"], "julia: invalid argument to -O (4)"],
  [["--optimize=fast"], "julia: invalid argument to -O (fast)"],
  [["-O", "prog.jl"], "julia: invalid argument to -O (prog.jl)"],
  [["-g3"], "julia: invalid argument to -g (3)"],
  [["--st"], "unknown option `--st`"],
  [["--re"], "unknown option `--re`"],
  [["--quiet=yes"], "option `-q/--quiet` does not accept an argument"],
  [["--restart=now"], "option `--restart` does not accept an argument"],
  [["--revise=maybe"], "juliaclient: invalid argument to --revise={yes|no} (maybe)"],
  [["--status=xml"], "juliaclient: invalid argument to --status={text|json|live} (xml)"],
  [["--bogus", "-v"], "unknown option `--bogus`"],
  [["-t", "0"], "julia: -t,--threads=<n>[,auto|<m>]; n must be an integer >= 1"],
  [["-t", "4,x"], "julia: -t,--threads=<n>,<m>; m must be an integer >= 0"],
  [["-t", "auto,-1"], "julia: -t,--threads=auto,<m>; m must be an integer >= 0"],
  [["-p", "0"], "julia: -p,--procs=<n> must be an integer >= 1"],
  [["-p", "2x"], "julia: -p,--procs=<n> must be an integer >= 1"],
  [["--gcthreads=4,2"], "julia: --gcthreads=<n>,<m>; m must be 0 or 1"],
  [["--heap-size-hint=150%"], "julia: invalid percentage specified in --heap-size-hint=<size>[<unit>]"],
  [["--heap-size-hint=1xb"], "julia: invalid argument to --heap-size-hint=<size>[<unit>] (1xb)"],
  [["--heap-size-hint="], "julia: invalid memory size specified in --heap-size-hint=<size>[<unit>]"],
  [["--trim"], "julia: --trim is an experimental feature, you must enable it with --experimental"],
  [["--output-o", "x.o", "--trim=unsafe", "prog.jl"], "julia: --trim is an experimental feature, you must enable it with --experimental"],
  [["-q", "--lisp"], "--lisp must be specified as the first argument"],
];

/** Compares only the keys a row names; an `undefined` expectation means "absent". */
function expectSubset(actual: ParsedArgs, expected: Partial<ParsedArgs>): void {
  for (const [key, value] of Object.entries(expected)) {
    expect({ [key]: actual[key as keyof ParsedArgs] }).toEqual({ [key]: value });
  }
}

describe("parseJuliaArgs", () => {
  test.each(ok)("%j", (argv, expected) => expectSubset(parseJuliaArgs(argv), expected));

  test.each(errors)("%j fails", (argv, message) => {
    let caught: unknown;
    try {
      parseJuliaArgs(argv);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ArgsError);
    expect((caught as ArgsError).message).toBe(message);
  });

  test("an ambiguous abbreviation lists what it could mean", () => {
    expect(() => parseJuliaArgs(["--re"])).toThrow(ArgsError);
    try {
      parseJuliaArgs(["--out=x"]);
    } catch (e) {
      expect((e as ArgsError).candidates).toEqual(["output-bc", "output-unopt-bc", "output-o", "output-asm", "output-ji", "output-incremental"]);
    }
  });

  test("renderSwitch gives the worker's julia the canonical form", () => {
    const parsed = parseJuliaArgs(["--startup-f=no", "-g1", "--optimize"]);
    expect(parsed.processSwitches.map(renderSwitch)).toEqual(["--startup-file=no", "--debug-info=1", "--optimize"]);
  });
});

describe("option table", () => {
  test("short options match julia's shortopts (plus 1.14's -P)", () => {
    const letters = (s: string) => [...s.replace(/^\+/, "").matchAll(/(.):?/g)].map((m) => m[0]).sort();
    expect(letters(JULIA_SHORT_OPTIONS)).toEqual(letters("+vhqH:e:E:L:J:C:it:p:O:g:m:P:"));
  });

  test("names are unique and no client name is a prefix of a julia name", () => {
    const all = [...JULIA_LONG_OPTIONS, ...CLIENT_LONG_OPTIONS].map((o) => o.name);
    expect(new Set(all).size).toBe(all.length);
    for (const c of CLIENT_LONG_OPTIONS)
      expect(JULIA_LONG_OPTIONS.filter((j) => j.name.startsWith(c.name)).map((j) => j.name)).toEqual([]);
  });

  // Every abbreviation of a julia name must mean what it means to julia (or fail the same
  // way) whether or not the client's switches are in the table.
  test("client switches never change how julia's abbreviations resolve", () => {
    const outcome = (argv: string[], withClient: boolean) => {
      try {
        const tables = { julia: JULIA_LONG_OPTIONS, client: withClient ? CLIENT_LONG_OPTIONS : [] };
        return { parsed: parseArgsWith(argv, tables) };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    let checked = 0;
    for (const { name } of JULIA_LONG_OPTIONS) {
      for (let n = 1; n <= name.length; n++) {
        const p = `--${name.slice(0, n)}`;
        for (const argv of [[p], [p, "prog.jl"], [`${p}=yes`], [`${p}=1`, "x"], [p, "auto"]]) {
          expect(outcome(argv, true)).toEqual(outcome(argv, false));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
