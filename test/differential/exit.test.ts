// Differential cases for how a run ends: exit(n) (in functions, tasks,
// try/catch/finally, files, n out of range), uncaught errors in -e, -E,
// files and included files, and atexit hooks. Each runs through julia and
// juliaclient (suite.ts). The last case ends the process from C: it runs
// last because it may take the warm worker with it.

import type { DiffCase } from "./case.ts";
import { differentialSuite } from "./suite.ts";

const cases: DiffCase[] = [
  // ---- exit
  { cat: "exit", argv: ["-e", "exit()"] },
  { cat: "exit", argv: ["-e", "exit(3)"] },
  { cat: "exit", argv: ["-e", "exit(300)"] },
  { cat: "exit", argv: ["-e", "exit(256)"] },
  { cat: "exit", argv: ["-e", "exit(-1)"] },
  { cat: "exit", argv: ["-e", 'println("before"); exit(2); println("after")'] },
  { cat: "exit", argv: ["-e", 'f() = exit(7); f(); println("after")'] },
  { cat: "exit", argv: ["-e", 'g(n) = n == 0 ? exit(8) : g(n - 1); g(50); println("after")'] },
  { cat: "exit", argv: ["-e", 'try exit(5) catch; println("caught") end'] },
  { cat: "exit", argv: ["-e", 'try exit(5) catch e; println("caught ", e) end; println("after")'] },
  { cat: "exit", argv: ["-e", 'try exit(6) finally println("finally") end'] },
  { cat: "exit", argv: ["-e", '@async exit(3); sleep(1); println("not reached")'] },
  { cat: "exit", argv: ["-e", 'wait(@async exit(3)); println("not reached")'] },
  { cat: "exit", argv: ["-e", 't = @async (sleep(0.1); exit(4)); wait(t); println("not reached")'] },
  { cat: "exit", argv: ["-e", 'Threads.@spawn exit(9); sleep(1); println("not reached")'] },
  { cat: "exit", argv: ["-e", 'try; wait(@async exit(10)); catch; println("caught"); end'] },
  { cat: "exit", argv: ["prog.jl"], files: { "prog.jl": 'println("a")\nexit(11)\nprintln("b")\n' } },
  { cat: "exit", argv: ["prog.jl"], files: { "prog.jl": 'include("inc.jl")\nprintln("after include")\n', "inc.jl": 'println("in inc")\nexit(12)\n' } },
  { cat: "exit", argv: ["-e", "exit(1)", "-e", 'println("second -e")'] },
  { cat: "exit", argv: ["-E", "exit(13)"] },
  { cat: "exit", argv: ["-e", "exit(true)"], backtrace: true },

  // ---- uncaught errors
  { cat: "errors", argv: ["-e", 'error("boom")'], backtrace: true },
  { cat: "errors", argv: ["-e", 'println("out first"); println(stderr, "err first"); throw(ArgumentError("bad"))'], backtrace: true },
  { cat: "errors", argv: ["-e", "undefined_thing + 1"], backtrace: true },
  { cat: "errors", argv: ["-e", "x = ("], backtrace: true },
  { cat: "errors", argv: ["-E", 'error("in -E")'], backtrace: true },
  { cat: "errors", argv: ["-e", 'wait(@async error("in task"))'], backtrace: true },
  { cat: "errors", argv: ["-e", '@async error("unwaited"); sleep(0.2); println("fine")'] },
  { cat: "errors", argv: ["prog.jl"], files: { "prog.jl": 'println("start")\nerror("in file")\n' }, backtrace: true },
  { cat: "errors", argv: ["prog.jl"], files: { "prog.jl": 'include("inc.jl")\n', "inc.jl": "\n\nerror(\"in included file\")\n" }, backtrace: true },
  { cat: "errors", argv: ["prog.jl"], files: { "prog.jl": "x = [1, 2\n" }, backtrace: true },
  { cat: "errors", argv: ["nosuch.jl"], backtrace: true },
  { cat: "errors", argv: ["-L", "bad.jl", "-e", 'println("not reached")'], files: { "bad.jl": 'error("in -L")\n' }, backtrace: true },
  { cat: "errors", argv: ["-e", "throw(42)"], backtrace: true },
  { cat: "errors", argv: ["-e", "f(x) = f(x + 1) + 1; f(1)"], backtrace: true },

  // ---- atexit
  { cat: "atexit", argv: ["-e", 'atexit(() -> println("bye")); println("hi")'] },
  { cat: "atexit", argv: ["-e", 'atexit(() -> println("first registered")); atexit(() -> println("second registered"))'] },
  { cat: "atexit", argv: ["-e", 'atexit(() -> println("bye")); exit(3)'] },
  { cat: "atexit", argv: ["-e", 'atexit(() -> println(stderr, "bye")); error("boom")'], backtrace: true },
  { cat: "atexit", argv: ["-e", 'atexit(() -> error("in hook")); println("main")'], backtrace: true },
  { cat: "atexit", argv: ["prog.jl"], files: { "prog.jl": 'atexit(() -> print("hook, no newline"))\nprintln("body")\n' } },
  { cat: "atexit", argv: ["-e", 'atexit(() -> println("hook")); try exit(4) catch; end'] },

  // ---- the process ends from C (kept last: it may end the worker)
  {
    cat: "exit",
    argv: ["-e", 'println("julia"); ccall(:exit, Cvoid, (Cint,), 14)'],
  },
];

differentialSuite("exit, errors, atexit", cases);
