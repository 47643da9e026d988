// Differential cases for Ctrl-C: SIGINT is sent to the process (plain julia,
// or juliaclient, which forwards it) only once a marker is on its stdout —
// while it sleeps, computes in a function (no safepoint; on julia 1.5 no
// interactive thread), reads stdin, or runs a program file (julia 1.5 exits
// with 130 there). Each runs through julia and juliaclient (suite.ts).
//
// The marker is printed by a function compiled beforehand (`precompile`), so
// the signal finds the program in its blocking call or loop, not in the
// compiler: plain julia's own answer to a SIGINT during codegen varies.

import type { DiffCase } from "./case.ts";
import { differentialSuite } from "./suite.ts";

/** Defines `f()` from `body` (which prints the marker), compiles it, and calls it. */
const inF = (body: string) => `f() = (${body}); precompile(f, ()); f()`;
const inFile = (body: string, before = "") => ({ "prog.jl": `${before}function f()\n  ${body.replaceAll("; ", "\n  ")}\nend\nprecompile(f, ())\nf()\nprintln("after f()")\n` });
const ready = 'println("ready"); flush(stdout)';
/**
 * A loop that writes the marker itself once it is spinning, through a bare C
 * write (no libuv wait, no safepoint): the signal then surely finds the loop.
 * (A marker printed just before the loop races with it: julia 1.5 throws if
 * the SIGINT lands while println still waits on libuv, and never once the
 * loop runs.)
 */
const spinning = 'x = 0; while true; x += 1; x == 1000 && ccall(:write, Cssize_t, (Cint, Ptr{UInt8}, Csize_t), 1, "ready\\n", 6); end; x';

const cases: DiffCase[] = [
  { cat: "ctrl-c", name: "-e in sleep", argv: ["-e", inF(`${ready}; sleep(10); println("not reached")`)], interruptAfter: "ready\n", backtrace: true },
  {
    cat: "ctrl-c",
    name: "-e in a compute loop in a function, one Ctrl-C",
    argv: ["-e", inF(spinning)],
    interruptAfter: "ready\n",
    // julia 1.5 has no safepoint in the loop: one SIGINT never stops it, and both sides are killed after the grace
    interruptGraceMs: 3_000,
  },
  {
    cat: "ctrl-c",
    name: "-e in a compute loop in a function, Ctrl-C every 200 ms",
    argv: ["-e", inF(spinning)],
    interruptAfter: "ready\n",
    interruptEveryMs: 200,
    backtrace: true,
  },
  {
    cat: "ctrl-c",
    name: "-e in readline on an open stdin",
    argv: ["-e", inF(`${ready}; readline(); println("not reached")`)],
    stdinKind: "open",
    interruptAfter: "ready\n",
    backtrace: true,
  },
  { cat: "ctrl-c", name: "-e catching the interrupt", argv: ["-e", inF(`try; ${ready}; sleep(10); catch e; println("caught ", e); end; println("after")`)], interruptAfter: "ready\n" },
  { cat: "ctrl-c", name: "-e with an atexit hook", argv: ["-e", `atexit(() -> println("hook")); ${inF(`${ready}; sleep(10)`)}`], interruptAfter: "ready\n", backtrace: true },
  {
    cat: "ctrl-c",
    name: "-e inside disable_sigint",
    argv: ["-e", inF(`disable_sigint() do; ${ready}; sleep(1); println("deferred"); end; sleep(10); println("not reached")`)],
    interruptAfter: "ready\n",
    backtrace: true,
  },
  {
    cat: "ctrl-c",
    name: "program file in sleep",
    argv: ["prog.jl"],
    files: inFile(`${ready}; sleep(10)`),
    interruptAfter: "ready\n",
    backtrace: true,
  },
  {
    cat: "ctrl-c",
    name: "program file in a compute loop",
    argv: ["prog.jl"],
    files: inFile(spinning),
    interruptAfter: "ready\n",
    interruptGraceMs: 4_000,
    backtrace: true,
  },
  {
    cat: "ctrl-c",
    name: "program file with an atexit hook",
    argv: ["prog.jl"],
    files: inFile(`${ready}; sleep(10)`, 'atexit(() -> println("hook"))\n'),
    interruptAfter: "ready\n",
    backtrace: true,
  },
  {
    cat: "ctrl-c",
    name: "program file catching the interrupt",
    argv: ["prog.jl"],
    files: inFile(`try; ${ready}; sleep(10); catch e; println("caught ", e); end`),
    interruptAfter: "ready\n",
    backtrace: true,
  },
];

differentialSuite("Ctrl-C", cases);
