// Conformance cases for docs/julia-semantics.md: each row's behaviour as a run
// the worker evaluates. Cases marked `only: "julia"` use Julia syntax the
// double cannot model (macros, modules, Base APIs); they run wherever julia is
// on PATH and are reported as skipped otherwise.

import { expect } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Action, ExitKind, Frame, RunDoneFlag, RunFlag, decodeRunDone, encodeEmpty } from "../../src/shared/protocol/index.ts";
import { type ConformanceCase, E, atLeast, e, expectOutcome } from "./case.ts";
import type { RunClient } from "./driver.ts";

const write = (path: string, text: string) => Bun.write(path, text);

export const semanticsCases: ConformanceCase[] = [
  {
    name: "ARGS are the run's arguments",
    body: async (w, L) => {
      const out = await w.run({ actions: e(L({ double: 'println(ARGS.join("|"))', julia: 'println(join(ARGS, "|"))' })), args: ["a", "b c", ""] });
      expectOutcome(out, { stdout: "a|b c|\n", stderr: "", code: 0 });
    },
  },
  {
    name: "PROGRAM_FILE is the path as given; ARGS follow it",
    body: async (w, L) => {
      await write(join(w.dir, "prog.jl"), L({ double: 'println(PROGRAM_FILE, " ", ARGS.join(","))', julia: 'println(PROGRAM_FILE, " ", join(ARGS, ","))' }) + "\n");
      const out = await w.run({ flags: RunFlag.HAS_PROGRAM, programFile: "prog.jl", args: ["x", "y"] });
      expectOutcome(out, { stdout: "prog.jl x,y\n", stderr: "", code: 0 });
    },
  },
  {
    name: "exit(n) ends the run with n & 0xFF; output before it is kept",
    body: async (w) => {
      expectOutcome(await w.run({ actions: e('println("a"); exit(3); println("b")') }), { stdout: "a\n", stderr: "", code: 3 });
      expectOutcome(await w.run({ actions: e("exit(300)") }), { stdout: "", code: 300 & 0xff });
      expectOutcome(await w.run({ actions: e('print("")') }), { stdout: "", stderr: "", code: 0 });
    },
  },
  {
    name: "exit(n) inside try/catch still ends the run with n",
    body: async (w, L) => {
      const code = L({ double: "try { exit(4) } catch (err) {} ; println(\"after\")", julia: 'try; exit(4); catch; end; println("after")' });
      const out = await w.run({ actions: e(code) });
      expectOutcome(out, { stdout: /^(after\n)?$/, code: 4 });
    },
  },
  {
    name: "an uncaught error is reported on stderr and the run exits 1",
    body: async (w) => {
      expectOutcome(await w.run({ actions: e('println("before"); error("boom")') }), { stdout: "before\n", stderr: { prefix: "ERROR: boom\n" }, code: 1 });
    },
  },
  {
    name: "an error in a program file: reported, exit 1, later code not run",
    body: async (w) => {
      await write(join(w.dir, "bad.jl"), 'println("one")\nerror("two")\nprintln("three")\n');
      const out = await w.run({ flags: RunFlag.HAS_PROGRAM, programFile: "bad.jl" });
      expectOutcome(out, { stdout: "one\n", stderr: { prefix: "ERROR: " }, code: 1 });
      expect(out.stderr).toContain("two");
    },
  },
  {
    name: "-E shows values: integers, strings, arrays",
    body: async (w) => {
      const out = await w.run({ actions: [...E("1+1"), ...E('"s"'), ...E("[1, 2]")] });
      expectOutcome(out, { stdout: '2\n"s"\n[1, 2]\n', stderr: "", code: 0 });
    },
  },
  {
    name: "-e, -L and -E run in command-line order; -L resolves against the run's cwd",
    body: async (w) => {
      await write(join(w.dir, "lib.jl"), 'println("L")\n');
      const out = await w.run({ actions: [[Action.EVAL, 'println("e")'], [Action.LOAD, "lib.jl"], [Action.PRINT, '"E"']] });
      expectOutcome(out, { stdout: 'e\nL\n"E"\n', stderr: "", code: 0 });
    },
  },
  {
    name: "`-` as the program reads it from stdin",
    body: async (w) => {
      const out = await w.run({ flags: RunFlag.HAS_PROGRAM, programFile: "-" }, (c) => {
        c.writeStdin('println("from stdin ", PROGRAM_FILE)\n');
        c.closeStream(2);
      });
      expectOutcome(out, { stdout: "from stdin -\n", stderr: "", code: 0 });
    },
  },
  {
    name: "no program, no -e, stdin not a tty: the fallback loop shows values, reports errors, exits 0",
    body: async (w) => {
      const out = await w.run({}, (c) => {
        c.writeStdin('1 + 1\nprintln("x")\nerror("bad")\n"s"\n');
        c.closeStream(2);
      });
      expectOutcome(out, { stdout: '2\nx\n"s"\n', stderr: { prefix: "ERROR: bad\n" }, code: 0 });
    },
  },
  {
    name: "each run has its own cwd",
    body: async (w) => {
      const sub = join(w.dir, "sub");
      mkdirSync(sub, { recursive: true });
      expectOutcome(await w.run({ actions: e("println(pwd())"), cwd: sub }), { stdout: sub + "\n", code: 0 });
      expectOutcome(await w.run({ actions: e("println(pwd())") }), { stdout: w.dir + "\n", code: 0 });
    },
  },
  {
    name: "each run has exactly its own environment",
    body: async (w, L) => {
      const code = L({ double: 'println(ENV.GREETING ?? "none")', julia: 'println(get(ENV, "GREETING", "none"))' });
      expectOutcome(await w.run({ actions: e(code), env: ["GREETING=bonjour"] }), { stdout: "bonjour\n", code: 0 });
      expectOutcome(await w.run({ actions: e(code), env: ["OTHER=1"] }), { stdout: "none\n", code: 0 });
    },
  },
  {
    name: "a run gets a fresh module; session runs share their Main",
    body: async (w, L) => {
      const defined = L({ double: 'println(typeof x !== "undefined")', julia: "println(isdefined(@__MODULE__, :x))" });
      await w.run({ actions: e("x = 41") });
      expectOutcome(await w.run({ actions: e(defined) }), { stdout: "false\n", code: 0 });
      const session = { flags: RunFlag.SESSION, session: "conf-s" };
      await w.run({ ...session, actions: e("x = 41") });
      expectOutcome(await w.run({ ...session, actions: E("x + 1") }), { stdout: "42\n", code: 0 });
      expectOutcome(await w.run({ actions: e(defined) }), { stdout: "false\n", code: 0 });
    },
  },
  {
    name: "isinteractive() answers for the run (RUN flag bit 4)",
    body: async (w) => {
      const out = await w.run({ flags: RunFlag.INTERACTIVE, switches: [["banner", "no"], ["history-file", "no"]], actions: E("isinteractive()") }, (c) => c.closeStream(2));
      expectOutcome(out, { stdout: { prefix: "true\n" }, code: 0 });
      expectOutcome(await w.run({ actions: E("isinteractive()") }), { stdout: "false\n", code: 0 });
    },
  },
  {
    name: "stdin: a line typed by the client is read",
    body: async (w, L) => {
      const code = L({ double: "println((await readline()).toUpperCase())", julia: "println(uppercase(readline()))" });
      const out = await w.run({ actions: e(code) }, async (c) => {
        await c.credited();
        c.writeStdin("one\ntwo\n");
      });
      expectOutcome(out, { stdout: "ONE\n", stderr: "", code: 0 });
    },
  },
  // ---- Julia only ------------------------------------------------------------
  {
    name: "@__FILE__ and @__DIR__ are absolute; relative include resolves against the including file",
    only: "julia",
    body: async (w) => {
      mkdirSync(join(w.dir, "src"), { recursive: true });
      await write(join(w.dir, "src/inc.jl"), 'println("included")\n');
      await write(join(w.dir, "src/prog.jl"), 'println(@__FILE__); println(@__DIR__); include("inc.jl"); println(abspath(PROGRAM_FILE) == @__FILE__)\n');
      const out = await w.run({ flags: RunFlag.HAS_PROGRAM, programFile: "src/prog.jl" });
      expectOutcome(out, { stdout: `${join(w.dir, "src/prog.jl")}\n${join(w.dir, "src")}\nincluded\ntrue\n`, stderr: "", code: 0 });
    },
  },
  {
    // julia >= 1.10's Main has an implicit `using Base.MainInclude` (base/client.jl); an explicit
    // `using Base.MainInclude: ans, err` would make these assignments "cannot assign a value to imported variable".
    name: "ans and err are plain names a script may assign (MainInclude is an implicit using)",
    only: "julia",
    body: async (w) => {
      const out = await w.run({ actions: e("err = 2; ans = 3; println(err + ans)") });
      expectOutcome(out, { stdout: "5\n", stderr: "", code: 0 });
    },
  },
  {
    // REPL.jl (>= 1.9) prefixes the prompt with `(Mod) ` when the active module is not Main; the
    // override that says the run's module is Main is only seen in the REPL task's world if the
    // REPL is entered through invokelatest, as base/client.jl enters it (tasks inherit world age since 1.8).
    name: "a REPL in a fresh module prompts `julia> `, without a module prefix",
    only: "julia",
    body: async (w) => {
      const out = await w.run(
        { flags: RunFlag.INTERACTIVE | RunFlag.STDIN_TTY | RunFlag.STDOUT_TTY | RunFlag.STDERR_TTY, env: ["HOME=" + w.dir, "TERM=xterm"], switches: [["banner", "no"], ["history-file", "no"], ["startup-file", "no"]] },
        async (c) => {
          await c.until((x) => x.stdout.includes("julia> "), "a prompt");
          c.writeStdin("\x04");
        },
      );
      expectOutcome(out, { stdout: /julia> /, code: 0 });
      expect(out.stdout).not.toMatch(/\) julia> /);
    },
  },
  {
    // stdlib/REPL/src/Terminals.jl: raw!(t::TTYTerminal, raw) sets the mode of t.in_stream with
    // jl_tty_set_mode; TerminalMenus builds TTYTerminal(TERM, stdin, stdout, stderr) on every request.
    name: "raw!(::TTYTerminal) over the run's tty stdin is a RAW_MODE round trip to the client",
    only: "julia",
    body: async (w) => {
      const code = 'import REPL; t = REPL.Terminals.TTYTerminal("xterm", stdin, stdout, stderr); REPL.Terminals.raw!(t, true); println("raw"); REPL.Terminals.raw!(t, false); println("cooked")';
      const out = await w.run({ flags: RunFlag.STDIN_TTY | RunFlag.STDOUT_TTY, env: ["TERM=xterm"], actions: e(code) });
      expectOutcome(out, { stdout: "raw\ncooked\n", stderr: "", code: 0 });
      expect(out.rawModes).toEqual([true, false]);
    },
  },
  {
    // base/util.jl: getpass(input, output, prompt) prints "prompt: " and reads with echo off.
    name: "Base.getpass reads the client's tty in raw mode (nothing echoed) until Enter",
    only: "julia",
    body: async (w) => {
      const code = 's = Base.getpass("pw"); print(read(s, String)); Base.shred!(s)';
      const out = await w.run({ flags: RunFlag.STDIN_TTY | RunFlag.STDOUT_TTY, env: ["TERM=xterm"], actions: e(code) }, async (c) => {
        await c.until((x) => x.rawModes.includes(true), "raw mode for the secret");
        c.writeStdin("s3cr\x7fet\r");
      });
      expectOutcome(out, { stdout: "pw: \ns3cet", stderr: "", code: 0 });
      expect(out.rawModes).toEqual([true, false]);
    },
  },
  {
    // Besides speed: julia 1.5 crashes when a program file's Ctrl-C lands in codegen (warmup.jl).
    name: "the worker serves itself warm-up runs before HELLO, and they leave nothing behind",
    only: "julia",
    body: async (w) => {
      expect(w.worker.log()).toMatch(/warmed up: 3 runs in [\d.]+ s/);
      expect(w.worker.log()).not.toMatch(/warm-up runs failed/);
      // Nothing of the warm-up's program-file run is left for the first client's -e.
      const out = await w.run({ actions: e('println(repr(PROGRAM_FILE), " ", ARGS)') });
      expectOutcome(out, { stdout: '"" String[]\n', stderr: "", code: 0 });
    },
  },
  {
    name: "@main is called with ARGS and its return value is the exit code (Julia >= 1.11)",
    only: "julia",
    julia: { min: "1.11", why: "@main is new in 1.11" },
    body: async (w) => {
      await write(join(w.dir, "main.jl"), 'function (@main)(args)\n    println("main ", join(args, ","))\n    return 3\nend\n');
      const out = await w.run({ flags: RunFlag.HAS_PROGRAM, programFile: "main.jl", args: ["a", "b"] });
      expectOutcome(out, { stdout: "main a,b\n", stderr: "", code: 3 });
    },
  },
  {
    name: "-E formatting: strings with escapes, float arrays, tuples, nothing, symbols",
    only: "julia",
    body: async (w) => {
      const out = await w.run({ actions: [...E('"a\\tb"'), ...E("[1, 2.5]"), ...E('(1, "x")'), ...E("nothing"), ...E(":sym"), ...E('println("p")')] });
      expectOutcome(out, { stdout: '"a\\tb"\n[1.0, 2.5]\n(1, "x")\nnothing\n:sym\np\nnothing\n', stderr: "", code: 0 });
    },
  },
  {
    name: "Main is the run's module: Main.x and @eval Main stay in the run; types print unqualified",
    only: "julia",
    body: async (w) => {
      // `Main.x = 1` (setproperty! on a module) is only allowed from 1.9; before, julia itself refuses it.
      const assignX = atLeast(w.juliaVersion, "1.9") ? "Main.x = 1" : "@eval Main x = 1";
      const first = `${assignX}; @eval Main y = 2; struct Foo end; println(Foo()); println(Main === @__MODULE__); println(Main.x + y)`;
      expectOutcome(await w.run({ actions: e(first) }), { stdout: "Foo()\ntrue\n3\n", stderr: "", code: 0 });
      // Not only stdout: interpolation, IOContext wrappers and sprint print the type as julia does.
      const shown = 'struct Bar; x::Int; end; println("$(Bar(1))"); show(IOContext(stdout, :compact => true), Bar(2)); println(); print(sprint(show, [Bar(3)]), "\n")';
      expectOutcome(await w.run({ actions: e(shown) }), { stdout: "Bar(1)\nBar(2)\nBar[Bar(3)]\n", stderr: "", code: 0 });
      expectOutcome(await w.run({ actions: e("println(isdefined(Main, :x), isdefined(Main, :y), isdefined(Main, :Foo))") }), { stdout: "falsefalsefalse\n", code: 0 });
    },
  },
  {
    name: "atexit hooks run at the end of their run, LIFO, with the exit code, and only once",
    only: "julia",
    body: async (w) => {
      const code = 'atexit(() -> println("first")); atexit(c -> println("second ", c)); println("main"); exit(2)';
      expectOutcome(await w.run({ actions: e(code) }), { stdout: "main\nsecond 2\nfirst\n", stderr: "", code: 2 });
      expectOutcome(await w.run({ actions: e('println("next")') }), { stdout: "next\n", stderr: "", code: 0 });
    },
  },
  {
    name: "displaysize() without a tty: LINES and COLUMNS of the run's environment",
    only: "julia",
    body: async (w) => {
      const out = await w.run({ actions: e("println(displaysize(stdout)); println(displaysize())"), env: ["LINES=40", "COLUMNS=120"] });
      expectOutcome(out, { stdout: "(40, 120)\n(40, 120)\n", stderr: "", code: 0 });
      expect(out.controlFrames).toEqual([Frame.EXIT]);
    },
  },
  {
    name: "displaysize() on a tty comes from the client's SIZE",
    only: "julia",
    body: async (w) => {
      const out = await w.run({ flags: RunFlag.STDOUT_TTY, actions: e("println(displaysize(stdout))") });
      expectOutcome(out, { stdout: "(30, 100)\n", stderr: "", code: 0 });
    },
  },
  {
    name: "@error and @warn reach the run's stderr through the global logger",
    only: "julia",
    body: async (w) => {
      const out = await w.run({ actions: e('@warn "careful"') });
      expectOutcome(out, { stdout: "", stderr: { prefix: "┌ Warning: careful" }, code: 0 });
    },
  },
  {
    name: "a task left running by one run never prints into the next run (its output is discarded)",
    only: "julia",
    body: async (w) => {
      expectOutcome(await w.run({ actions: e('@async (sleep(1.5); println("late"); println(stderr, "late")); println("a")') }), { stdout: "a\n", stderr: "", code: 0 });
      expectOutcome(await w.run({ actions: e('sleep(3); println("b")') }), { stdout: "b\n", stderr: "", code: 0 });
    },
  },
  {
    name: "Ctrl-C while the client is not reading stdout: InterruptException, exit 1",
    only: "julia",
    body: async (w) => {
      const code = 'println("ready"); flush(stdout); while true; print("x"^65536); end';
      const out = await w.run({ actions: e(code) }, async (c) => {
        await c.waitStdout("ready\n");
        c.pauseStream(3);
        c.sendControl(encodeEmpty(Frame.INTERRUPT));
        await c.until((cl) => cl.stderr.length > 0, "the interrupt's report");
        c.resumeStream(3);
      });
      expect(out.stdout.startsWith("ready\n")).toBe(true);
      expectOutcome(out, { stderr: { prefix: "ERROR: InterruptException:" }, code: 1 });
    },
  },
  {
    name: "a write to a closed stdout (EPIPE) is reported with julia's frames, none of the worker's",
    only: "julia",
    body: async (w) => {
      const out = await w.run({ actions: e('println("first"); flush(stdout); while true; println("x"); end') }, async (c) => {
        await c.waitStdout("first\n");
        c.closeStream(3);
      });
      expectOutcome(out, { stderr: /^ERROR: IOError: (write|flush): (broken pipe \(EPIPE\)|connection reset by peer \(ECONNRESET\))/, code: 1 });
      // No frame of the worker's own (its files, its buffer); Base frames may name the stdout proxy's type.
      expect(out.stderr).not.toMatch(/src\/worker\/\w+\.jl|flush_locked!|RunOutput/);
    },
  },
  {
    name: "child processes and C output reach the run's streams, in order with its own output",
    only: "julia",
    body: async (w) => {
      const code = 'println("a"); run(`echo b`); println("c"); ccall(:puts, Cint, (Cstring,), "d"); run(`sh -c "echo e >&2"`); println(stderr, "f"); print(read(`echo g`, String))';
      // libc buffers a socket's stdout fully: puts' line comes out at the end of the run, as in julia on a pipe.
      expectOutcome(await w.run({ actions: e(code) }), { stdout: "a\nb\nc\ng\nd\n", stderr: "e\nf\n", code: 0 });
      expectOutcome(await w.run({ actions: e('println("next")') }), { stdout: "next\n", stderr: "", code: 0 });
    },
  },
  {
    name: "exit(n) is final: a catch or finally after it shows nothing; atexit hooks run; exits in tasks end the run",
    only: "julia",
    body: async (w) => {
      expectOutcome(await w.run({ actions: e('try exit(5) catch; println("caught") end') }), { stdout: "", stderr: "", code: 5 });
      expectOutcome(await w.run({ actions: e('atexit(() -> println("hook")); try; exit(3); finally; println("fin"); end') }), { stdout: "hook\n", stderr: "", code: 3 });
      expectOutcome(await w.run({ actions: e('fetch(@async exit(6)); println("no")') }), { stdout: "", stderr: "", code: 6 });
      expectOutcome(await w.run({ actions: e('println("x"); f() = exit(300); f()') }), { stdout: "x\n", stderr: "", code: 44 });
    },
  },
  {
    name: "Ctrl-C by signal: a worker without an interactive thread announces INTERRUPT_BY_SIGNAL; SIGINT to it ends a program file's loop as julia's Ctrl-C does",
    only: "julia",
    fresh: true,
    body: async (w) => {
      if (atLeast(w.juliaVersion, "1.9")) {
        // The driver gives julia >= 1.9 an interactive thread: INTERRUPT frames are read there.
        const out = await w.run({ actions: e('println("x")') });
        expectOutcome(out, { stdout: "x\n", code: 0 });
        return;
      }
      // (A -e compute loop is left out: plain julia 1.5 itself does not stop one on a single
      // SIGINT; the differential suite compares that, and julia's force-throw, side by side.)
      const spin = 'f() = (v = 0; while true; v += length(string(v)); end; v)\nprintln("ready"); flush(stdout); f()\n';
      const once = async (c: RunClient) => {
        // The announcement and stdout travel on different sockets: wait for both.
        await c.waitStdout("ready\n");
        await c.until((cl) => cl.interruptBySignal, "INTERRUPT_BY_SIGNAL");
        process.kill(w.pid, "SIGINT");
      };
      // (A SIGINT to a run blocked in sleep is not here: on 1.5 one in about three is lost in
      // the worker and the run then no longer takes interrupts; docs/julia-semantics.md, open.)
      // A program file: julia's own death by SIGINT (uncatchable), exit 130, the worker gone.
      const file = join(w.dir, "spin.jl");
      await Bun.write(file, spin.replace("f()\n", "try; f(); catch; println(\"caught\"); end\n"));
      const run = await w.startRun({ flags: RunFlag.HAS_PROGRAM, programFile: "spin.jl" });
      await once(run.client);
      expectOutcome(await run.client.done(), { stdout: "ready\n", stderr: { prefix: `\nsignal (2): Interrupt\nin expression starting at ${file}:2\n` }, code: 130 });
      expect(await w.exited()).toBe(130);
    },
  },
  {
    name: "nothing leaks into the next run: active project, LOAD_PATH, DEPOT_PATH, the global logger, exit_on_sigint",
    only: "julia",
    body: async (w) => {
      const change = 'push!(LOAD_PATH, "/nowhere"); pushfirst!(DEPOT_PATH, "/nowhere"); Base.ACTIVE_PROJECT[] = "/nowhere/Project.toml"; import Logging; Logging.global_logger(Logging.NullLogger()); Base.exit_on_sigint(true); println("changed")';
      expectOutcome(await w.run({ actions: e(change) }), { stdout: "changed\n", stderr: "", code: 0 });
      const look = 'println("/nowhere" in LOAD_PATH, " ", "/nowhere" in DEPOT_PATH, " ", Base.ACTIVE_PROJECT[] === nothing); @warn "still logged"';
      expectOutcome(await w.run({ actions: e(look) }), { stdout: "false false true\n", stderr: /^┌ Warning: still logged\n└ @ /, code: 0 });
    },
  },
  {
    name: "RUN_DONE RETIRE: a run that loads packages from another environment, and one whose code will not stop after exit(); a package's atexit hook stays process-wide",
    only: "julia",
    fresh: true,
    body: async (w) => {
      await Bun.write(join(w.dir, "pkgs/HookPkg/src/HookPkg.jl"), 'module HookPkg\n__init__() = atexit(() -> println("pkg hook"))\nend\n');
      const { spec, client } = await w.startRun({ actions: e(`push!(LOAD_PATH, ${JSON.stringify(join(w.dir, "pkgs"))}); using HookPkg; atexit(() -> println("run hook")); println("loaded")`) });
      expectOutcome(await client.done(), { stdout: "loaded\nrun hook\n", stderr: "", code: 0 });
      expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE))).toEqual({ token: spec.token, kind: ExitKind.CODE, value: 0, flags: RunDoneFlag.RETIRE });

      const stuck = await w.startRun({ actions: e('try; exit(3); catch; end; while true; sleep(0.05); end') });
      expectOutcome(await stuck.client.done(), { stdout: "", stderr: "", code: 3 });
      expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE))).toEqual({ token: stuck.spec.token, kind: ExitKind.CODE, value: 3, flags: RunDoneFlag.RETIRE });
    },
  },
];
