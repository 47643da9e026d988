// Differential cases for what a program sees and does at run time: show,
// display and @show; logging macros; isinteractive; the active project;
// cwd and ENV per run; child processes; output written by C code. Each runs
// through julia and juliaclient (suite.ts).

import type { DiffCase } from "./case.ts";
import { differentialSuite } from "./suite.ts";

const envDump = "for k in sort(collect(keys(ENV))); println(k, '=', ENV[k]); end";

const cases: DiffCase[] = [
  // ---- show / display / @show
  { cat: "show", argv: ["-e", "display([1 2; 3 4])"] },
  { cat: "show", argv: ["-e", "x = 42; @show x; @show 1 + 1 \"s\""] },
  { cat: "show", argv: ["-e", 'show(stdout, MIME("text/plain"), Dict(1 => "one")); println()'] },
  { cat: "show", argv: ["-e", "display(collect(1:100))"] },
  { cat: "show", argv: ["-e", "display(reshape(1:400, 4, 100))"], env: { COLUMNS: "60", LINES: "10" } },
  { cat: "show", argv: ["-e", 'display("a string"); display(:sym); display(1:3); display(nothing)'] },
  { cat: "show", argv: ["-e", "struct P; x::Int; end; display(P(1)); println(P(2)); show(P(3)); println(); println(typeof(P(4)))"] },
  { cat: "show", argv: ["-E", "struct Q end; Q()"] },
  { cat: "show", argv: ["-e", "println(@__MODULE__, ' ', Main, ' ', parentmodule(Main)); module M end; println(M)"] },
  { cat: "show", argv: ["-e", "show(IOContext(stdout, :compact => true), 1/3); println(); display(1/3)"] },
  { cat: "show", argv: ["-e", "println(displaysize(stdout)); println(displaysize())"] },

  // ---- logging
  { cat: "logging", argv: ["-e", '@info "hello" x = 1'] },
  { cat: "logging", argv: ["-e", '@warn "careful"; @error "bad" reason = "why"'] },
  { cat: "logging", argv: ["prog.jl"], files: { "prog.jl": 'println("out")\n@warn "from a file"\n' } },
  { cat: "logging", argv: ["-e", '@debug "hidden"; println("done")'] },
  { cat: "logging", argv: ["-e", '@debug "shown" y = 2'], env: { JULIA_DEBUG: "Main" } },
  { cat: "logging", argv: ["-e", '@debug "all"'], env: { JULIA_DEBUG: "all" } },
  {
    cat: "logging",
    argv: ["--color=yes", "-e", '@info "coloured"'],
  },
  { cat: "logging", argv: ["-e", 'for i in 1:3; @warn "once" maxlog = 1; end'] },
  { cat: "logging", argv: ["-e", 'using Logging; with_logger(ConsoleLogger(stdout)) do; @info "to stdout"; end'] },
  { cat: "logging", argv: ["-e", 'using Logging; println(typeof(global_logger())); println(Logging.min_enabled_level(global_logger()))'] },

  // ---- isinteractive
  { cat: "isinteractive", argv: ["-e", "println(isinteractive())"] },
  { cat: "isinteractive", argv: ["prog.jl"], files: { "prog.jl": "println(isinteractive())\n" } },
  { cat: "isinteractive", argv: ["-e", "println(isinteractive(), ' ', Base.have_color)"], stdin: "" },

  // ---- project activation (one shared project directory: the cases share one worker)
  { cat: "project", argv: ["-e", "println(Base.active_project())"] },
  { cat: "project", argv: ["--project={proj}", "-e", "println(Base.active_project()); println(Base.load_path()[1])"], timeoutMs: 60_000 },
  { cat: "project", argv: ["--project=.", "-e", "println(Base.active_project())"], cwd: "{proj}" },
  { cat: "project", argv: ["--project", "-e", "println(Base.active_project())"], cwd: "{proj}/sub" },
  { cat: "project", argv: ["-e", "println(Base.active_project())"], env: { JULIA_PROJECT: "{proj}" } },
  { cat: "project", argv: ["-e", "println(Base.active_project())"], env: { JULIA_PROJECT: "@." }, cwd: "{proj}/sub" },
  { cat: "project", argv: ["--project={proj}", "-e", "println(LOAD_PATH); println(Base.current_project())"] },

  // ---- cwd and environment per run
  { cat: "cwd-env", argv: ["-e", "println(pwd())"] },
  { cat: "cwd-env", argv: ["-e", 'cd("sub"); println(pwd()); println(readdir())'], files: { "sub/f.txt": "x" } },
  { cat: "cwd-env", argv: ["-e", 'println(read("data.txt", String)); write("out.txt", "w"); println(isfile("out.txt"))'], files: { "data.txt": "relative read" }, writes: true },
  { cat: "cwd-env", argv: ["-e", 'println(ENV["X"])'], env: { X: "42 ü" } },
  { cat: "cwd-env", argv: ["-e", 'println(get(ENV, "DIFF_UNSET", "unset"))'] },
  {
    cat: "cwd-env",
    name: "the whole ENV, sorted",
    argv: ["-e", envDump],
    env: { DIFF_EXTRA: "1" },
  },
  {
    cat: "cwd-env",
    argv: ["-e", 'println(ENV["PWD"] == pwd())'],
  },
  { cat: "cwd-env", argv: ["-e", "println(homedir()); println(tempdir())"] },
  { cat: "cwd-env", argv: ["-e", "println(Base.julia_cmd())"] },
  { cat: "cwd-env", argv: ["-e", 'println(Sys.BINDIR); println(DEPOT_PATH); println(Base.JLOptions().nthreads)'] },

  // ---- child processes
  { cat: "child", argv: ["-e", "run(`echo hi`)"] },
  { cat: "child", argv: ["-e", "print(read(`echo hi`, String))"] },
  { cat: "child", argv: ["-e", 'println("before"); run(`echo child`); println("after")'] },
  { cat: "child", argv: ["-e", "run(`sh -c 'echo to-stderr >&2'`)"] },
  { cat: "child", argv: ["-e", "run(pipeline(`echo piped`, `tr a-z A-Z`))"] },
  { cat: "child", name: "a child reads julia's stdin", argv: ["-e", "run(`cat`)"], stdin: "from stdin\n" },
  { cat: "child", argv: ["-e", "println(readline()); run(`cat`)"], stdin: "first\nrest for the child\n" },
  { cat: "child", argv: ["-e", "println(success(`false`)); println(success(`true`))"] },
  { cat: "child", argv: ["-e", "run(`false`)"], backtrace: true },
  { cat: "child", argv: ["-e", "run(`sh -c 'echo $X; pwd'`)"], env: { X: "child sees X" } },
  {
    cat: "child",
    name: "a child inherits the same environment",
    argv: ["-e", "run(pipeline(`env`, `sort`))"],
  },
  { cat: "child", argv: ["-e", "run(`head -c 1000000 /dev/zero`)"] },
  { cat: "child", argv: ["-e", 'p = run(`sh -c "exit 3"`; wait = false); wait(p); println(p.exitcode)'] },
  { cat: "child", argv: ["-e", 'open(`cat`, "r+") do p; write(p, "round trip\\n"); close(p.in); print(read(p, String)); end'] },

  // ---- output written by C code
  { cat: "c-output", argv: ["-e", 'ccall(:puts, Cint, (Cstring,), "hi")'] },
  { cat: "c-output", argv: ["-e", 'ccall(:printf, Cint, (Cstring,), "c printf\\n"); println("julia println")'] },
  { cat: "c-output", argv: ["-e", 'ccall(:printf, Cint, (Cstring,), "c printf\\n"); Libc.flush_cstdio(); println("julia println")'] },
  { cat: "c-output", argv: ["-e", 'ccall(:write, Cssize_t, (Cint, Ptr{UInt8}, Csize_t), 1, "fd 1\\n", 5); println("julia")'] },
  { cat: "c-output", argv: ["-e", 'ccall(:write, Cssize_t, (Cint, Ptr{UInt8}, Csize_t), 2, "fd 2\\n", 5)'] },
  { cat: "c-output", argv: ["-e", 'println("julia"); ccall(:puts, Cint, (Cstring,), "c after julia")'] },
];

differentialSuite("runtime: show, logging, project, cwd/env, children, C output", cases);
