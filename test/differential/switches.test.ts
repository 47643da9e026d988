// Differential cases for julia's command line: -e/-E/-L/-i, --project, -t,
// --color, -q, `--`, bad switches; ARGS, PROGRAM_FILE, @__FILE__/@__DIR__ and
// relative include. Each runs through julia and juliaclient (suite.ts).

import type { DiffCase } from "./case.ts";
import { differentialSuite } from "./suite.ts";

const prog = (body: string, name = "prog.jl") => ({ [name]: body });

const cases: DiffCase[] = [
  // ---- switches
  { cat: "switches", argv: ["-e", 'println("hello")'] },
  { cat: "switches", argv: ["-E", "1 + 1"] },
  { cat: "switches", argv: ["-E", "[1, 2, 3]"] },
  { cat: "switches", argv: ["-E", '"a string"'] },
  { cat: "switches", argv: ["-E", "nothing"] },
  { cat: "switches", argv: ["-e", "x = 1", "-E", "x + 1", "-e", 'println("third")'] },
  { cat: "switches", argv: ["-L", "lib.jl", "-e", "println(f(21))"], files: { "lib.jl": "f(x) = 2x\n" } },
  { cat: "switches", argv: ["-L", "lib.jl", "prog.jl"], files: { "lib.jl": "f(x) = 2x\n", ...prog("println(f(4))\n") } },
  { cat: "switches", argv: ["-e", 'println("e")', "-L", "lib.jl"], files: { "lib.jl": 'println("L")\n' } },
  { cat: "switches", argv: ["-q", "-e", "println(1)"] },
  { cat: "switches", name: "-i -e with TERM=dumb and stdin at EOF", argv: ["-i", "-e", "println(isinteractive())"], env: { TERM: "dumb" } },
  { cat: "switches", name: "-i reads a line from a piped stdin (TERM=dumb)", argv: ["-i"], stdin: "println(40 + 2)\n", env: { TERM: "dumb" } },
  { cat: "switches", name: "-i -q reads a line from a piped stdin (TERM=xterm)", argv: ["-i", "-q"], stdin: "println(40 + 2)\n", env: { TERM: "xterm" } },
  {
    cat: "switches",
    argv: ["--color=yes", "-e", 'printstyled("red\\n"; color = :red); println(get(stdout, :color, false))'],
  },
  { cat: "switches", argv: ["--color=no", "-e", 'printstyled("plain\\n"; color = :red); println(get(stdout, :color, false))'] },
  { cat: "switches", argv: ["-e", 'printstyled("auto\\n"; color = :red); println(get(stdout, :color, false))'] },
  { cat: "switches", argv: ["-t", "2", "-e", "println(Threads.nthreads())"], timeoutMs: 60_000 },
  { cat: "switches", argv: ["-e", "println(Threads.nthreads())"] },
  { cat: "switches", argv: ["--project=.", "-e", "println(Base.active_project())"], cwd: "{proj}", timeoutMs: 60_000 },
  { cat: "switches", argv: ["--project", "-e", "println(Base.active_project())"], cwd: "{proj}/sub" },
  { cat: "switches", argv: ["--project=@.", "-e", "println(Base.active_project())"], cwd: "{proj}/sub" },
  { cat: "switches", argv: ["-e", "println(ARGS)", "--", "-x", "--y", "z"] },
  { cat: "switches", argv: ["--", "prog.jl", "-e", "a"], files: prog("println(PROGRAM_FILE, ' ', ARGS)\n") },
  { cat: "switches", argv: ["--version"] },
  { cat: "switches", argv: ["--no-such-switch", "-e", "println(1)"] },
  { cat: "switches", argv: ["-e"] },
  { cat: "switches", argv: ["--color=maybe", "-e", "1"] },
  { cat: "switches", argv: ["--help"], knownBug: "juliaclient prints its own help text, not the julia's" },

  // ---- ARGS
  { cat: "ARGS", argv: ["-e", "show(ARGS); println()", "a", "b c", "", "ü"] },
  { cat: "ARGS", argv: ["prog.jl", "a", "--flag", "-e", "x"], files: prog("show(ARGS); println()\n") },
  { cat: "ARGS", argv: ["prog.jl"], files: prog("println(isempty(ARGS), ' ', typeof(ARGS))\n") },
  { cat: "ARGS", argv: ["-e", 'push!(ARGS, "more"); println(ARGS)', "one"] },

  // ---- PROGRAM_FILE
  { cat: "PROGRAM_FILE", argv: ["-e", "println(repr(PROGRAM_FILE))"] },
  { cat: "PROGRAM_FILE", argv: ["prog.jl"], files: prog("println(PROGRAM_FILE)\n") },
  { cat: "PROGRAM_FILE", argv: ["./sub/prog.jl"], files: prog("println(PROGRAM_FILE)\n", "sub/prog.jl") },
  { cat: "PROGRAM_FILE", argv: ["{cwd}/prog.jl"], files: prog("println(PROGRAM_FILE == abspath(PROGRAM_FILE))\n") },
  {
    cat: "PROGRAM_FILE",
    name: "- as the program file",
    argv: ["-", "arg"],
    stdin: "println(repr(PROGRAM_FILE), ' ', ARGS)\n",
    backtrace: true,
    knownBug: "julia 1.5 has no `-` program (ERROR: could not open file <cwd>/-, exit 1); the worker reads the program from stdin as newer julias do",
    knownBugOn: "1.5",
  },

  // ---- @__FILE__ / @__DIR__
  { cat: "@__FILE__", argv: ["-e", "println(@__FILE__); println((@__DIR__) == pwd())"] },
  { cat: "@__FILE__", argv: ["sub/prog.jl"], files: prog('println(@__FILE__); println(@__DIR__); println(@__LINE__)\n', "sub/prog.jl") },
  { cat: "@__FILE__", argv: ["-E", "@__FILE__"] },

  // ---- relative include
  {
    cat: "include",
    name: "include resolves against the including file",
    argv: ["prog.jl"],
    files: { "prog.jl": 'include("sub/a.jl")\nprintln(b)\n', "sub/a.jl": 'include("b.jl")\n', "sub/b.jl": "b = basename(@__FILE__) * \" in \" * basename(@__DIR__)\n" },
  },
  { cat: "include", argv: ["-e", 'include("sub/a.jl"); println(x)'], files: { "sub/a.jl": 'include("b.jl")\nx = y + 1\n', "sub/b.jl": "y = 41\n" } },
  { cat: "include", argv: ["-e", 'println(include("v.jl"))'], files: { "v.jl": ":value\n" } },
  { cat: "include", argv: ["-e", 'include("missing.jl")'], backtrace: true },
];

differentialSuite("switches, ARGS, PROGRAM_FILE, include", cases);
