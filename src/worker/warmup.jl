# Warm-up runs: before registering, the worker serves a few runs to itself
# through its real run socket, so the first client's run does not compile the
# worker's run path (stream handshake, RunOutput/RunInput, the fresh module,
# program-file and error reporting, RUN_DONE, the idle restore).
#
# Why not only for speed: julia 1.5 answers a SIGINT that lands in codegen by
# running the atexit hooks on top of the interrupted compiler, which crashes
# LLVM (signal 11) or hangs, so a Ctrl-C of a program file in a fresh worker
# ended with exit 71 about one run in twenty. Plain julia compiles the user's
# code only; after the warm-up, so does the worker. The process-exit path
# itself (processexit.jl) is compiled here too: it never runs otherwise
# before the moment it must not compile.
#
# Side effects stay inside the runs: a temp dir as cwd (removed), fresh
# modules (discarded), no atexit hooks, and the idle restore puts the
# process state back exactly as after a client's run.

# The worker's own paths only (what the user's code compiles, plain julia compiles too).
const WARMUP_PROGRAM = """
println("warm-up ", ARGS, " ", PROGRAM_FILE)
print(stderr, "warm-up\\n")
flush(stdout)
sleep(0.001)
readline(stdin)
"""

"""A run spec for the warm-up: `actions` or a program file, in `dir`."""
function warmup_spec(dir::String, actions::Vector{Tuple{UInt8,String}}, program::String)
    flags = isempty(program) ? UInt32(0) : RUNFLAG_HAS_PROGRAM
    env = ["$k=$v" for (k, v) in ENV]
    return RunSpec(UInt32(0), rand(UInt8, TOKEN_BYTES), flags, UInt32(getpid()), dir, env, actions, program,
        String[], Pair{String,String}[], "")
end

"""Connects one stream of `spec`'s run as a client does (§3.2); returns the socket."""
function connect_warmup_stream(w::WorkerState, spec::RunSpec, kind::UInt8)
    sock = Sockets.connect(w.run_socket)
    write(sock, vcat(preamble_bytes(MAGIC_STREAM), spec.token, UInt8[kind]))
    read(sock, UInt8) == STREAM_STATUS_OK || error("warm-up stream $(Int(kind)) refused")
    return sock
end

"""Serves one run to the worker itself, as a client and the conductor would."""
function warmup_run!(w::WorkerState, spec::RunSpec)
    accept_run!(w, spec)
    run = @lock w.lock w.runs[token_key(spec.token)]
    socks = [connect_warmup_stream(w, spec, k) for k in (STREAM_CONTROL, STREAM_STDIN, STREAM_STDOUT, STREAM_STDERR)]
    ctl, inp, out, err = socks
    close(inp)                                   # stdin: empty
    drains = [@async(read(s)) for s in (out, err)]
    while true
        f = read_frame(ctl)
        (f === nothing || f.type == FRAME_EXIT) && break
    end
    close(ctl)                                   # the client leaves once it has EXIT
    foreach(wait, drains)
    foreach(close, socks)
    # The run's task ends after the idle restore (finish_run!).
    run.task === nothing || wait(run.task::Task)
    return nothing
end

function run_warmup_runs!(w::WorkerState)
    w.control === nothing || return nothing      # only before registration: nobody else sees these runs
    w.control = IOBuffer()
    dir = mktempdir()
    t0 = time()
    try
        prog = joinpath(dir, "warmup.jl")
        write(prog, WARMUP_PROGRAM)
        warmup_run!(w, warmup_spec(dir, [(ACTION_EVAL, "println(1)"), (ACTION_PRINT, "[1, 2]")], ""))
        warmup_run!(w, warmup_spec(dir, Tuple{UInt8,String}[], prog))
        warmup_run!(w, warmup_spec(dir, [(ACTION_EVAL, "exit(3)")], ""))
        log_worker("warmed up: 3 runs in $(round(time() - t0; digits=2)) s")
    catch err
        log_worker("warm-up runs failed", err)
    finally
        w.control = nothing
        rm(dir; recursive=true, force=true)
    end
    # Compiled now, never called before the process ends (julia 1.5: never in codegen's wake).
    precompile(process_exiting_hook, ())
    precompile(process_exiting_hook, (Cint,))
    precompile(answer_runs_on_exit!, (Cint,))
    return nothing
end
