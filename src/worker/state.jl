# The worker's mutable state: one WorkerState per process and one Run per
# accepted RUN request. Kept apart from the code that drives them so control.jl,
# streams.jl and run.jl share one vocabulary. Every field that several tasks
# touch is guarded by the lock named next to it.

"""One RUN, from RUN_ACCEPTED to RUN_DONE."""
mutable struct Run
    spec::RunSpec
    key::String                              # hex token, the key in WorkerState.runs
    switches::Dict{String,String}
    state::Symbol                            # :pending, :running, :finishing, :finished (under WorkerState.lock)
    streams::Vector{Union{Nothing,IO}}       # index = stream kind 1..4
    connect_timer::Union{Nothing,Timer}
    # control stream (worker -> client frames are serialised by ctl_lock)
    ctl_lock::ReentrantLock
    ctl_open::Bool
    raw_acks::Channel{Bool}
    size::Union{Nothing,Tuple{Int,Int}}
    size_cond::Threads.Condition
    # stdio, set when the run starts
    out::Any
    err::Any
    inp::Any
    # evaluation
    task::Union{Nothing,Task}
    mod::Union{Nothing,Module}
    is_interactive::Bool
    exit_on_sigint::Bool                     # julia's exit_on_sigint(true) phase: program file running
    died_of_sigint::Bool                     # an interrupt hit the run in that phase
    exit_code::Union{Nothing,Int32}          # first exit(n) of the run
    exited::Bool                             # exit() ran its hooks: the run's output is closed to its code
    interrupt_pending::Threads.Atomic{Bool}  # an interrupt the run's next write/read raises
    client_gone::Bool                        # control stream closed before EXIT: RUN_DONE kind 2
    repl::Any                                # the LineEditREPL/BasicREPL of a REPL run
    repl_backend::Any
    fds_redirected::Bool                     # fds 0-2 point at this run's streams (runfds.jl)
    on_thread_one::Bool                      # alone in the worker: pinned to thread 1, Ctrl-C by SIGINT
    atexit_before::Vector{Any}
    replhooks_before::Vector{Any}
    loaded_before::Int                       # length(Base.loaded_modules) when the run started
end

function Run(spec::RunSpec)
    switches = Dict{String,String}()
    for (k, v) in spec.switches
        switches[k] = v       # later switches win, as on julia's command line
    end
    return Run(spec, token_key(spec.token), switches, :pending, Union{Nothing,IO}[nothing, nothing, nothing, nothing],
        nothing, ReentrantLock(), false, Channel{Bool}(typemax(Int)), nothing, Threads.Condition(),
        nothing, nothing, nothing, nothing, nothing, false, false, false, nothing, false,
        Threads.Atomic{Bool}(false), false, nothing, nothing, false, false, Any[], Any[], 0)
end

hasflag(run::Run, bit::UInt32) = (run.spec.flags & bit) != 0

"""The worker process: its identity, its two sockets and its runs."""
mutable struct WorkerState
    id::String
    secret::String
    conductor_path::String
    run_socket::String
    grace_s::Float64
    server::Any                              # Sockets.PipeServer of the run socket
    control::Union{Nothing,IO}               # conductor connection (writes under control_lock)
    control_lock::ReentrantLock
    lock::ReentrantLock                      # guards runs, shutting_down, standby
    runs::Dict{String,Run}
    shutting_down::Bool
    standby::Union{Nothing,Module}
    revise_default::Bool
    baseline_env::Vector{Pair{String,String}}
    startup_loaded_sessions::Set{String}
end

function WorkerState(id, secret, conductor_path, run_socket, grace_s, revise_default)
    return WorkerState(id, secret, conductor_path, run_socket, grace_s, nothing, nothing, ReentrantLock(),
        ReentrantLock(), Dict{String,Run}(), false, nothing, revise_default,
        collect(Pair{String,String}, ENV), Set{String}())
end

const WORKER = Ref{WorkerState}()

active_runs(w::WorkerState) = @lock w.lock length(w.runs)

"""Diagnostics go to the worker's own stderr (the conductor's log), never to a client."""
function log_worker(msg::AbstractString)
    io = WORKER_STDERR[]
    try
        println(io, "[julia-daemon worker ", getpid(), "] ", msg)
        flush(io)
    catch
    end
    return nothing
end

"""
Logs a failure a worker task caught. A SIGINT meant for the run can be what
failed it (it lands in whichever task is on thread 1): that one is passed on.
"""
function log_worker(msg::AbstractString, err)
    err isa InterruptException && return forward_stray_interrupt!()
    return log_worker(string(msg, ": ", sprint(showerror, err)))
end

# Threads (docs/julia-semantics.md "Threads and Ctrl-C"): the worker has the
# thread spec plain julia would have (the client's -t or JULIA_NUM_THREADS,
# §4.1). A run's code is on thread 1, as julia's main task. Infrastructure
# (control loop, run-socket accept loop, stream handshakes and readers, output
# flushers) runs on an interactive thread other than thread 1 if the user's
# spec has one (PING is then read while user code computes); otherwise it takes
# turns with the run on thread 1, as on julia 1.5.
"""An interactive thread besides thread 1 exists: infrastructure runs there while user code computes."""
infra_has_own_thread() = other_interactive_threads() > 0

"""Starts a worker-infrastructure task (on an interactive thread other than thread 1 when there is one)."""
function spawn_infra(f::Function)
    infra_has_own_thread() && return spawn_interactive(f)
    return @async f()
end

"""The run's code and the worker's own tasks take turns on thread 1 (nothing of ours runs while it computes)."""
shares_thread_with_infra(run::Run) = run.on_thread_one && !infra_has_own_thread()

"""
Starts a run's main task. A run alone in the worker (always below 1.11) is
pinned to thread 1, where julia runs its own main task and raises SIGINT
(signals-unix.c: `jl_try_deliver_sigint` targets tid 0; a safepoint raises it
only there, "Do not raise sigint on worker thread"): Ctrl-C reaches a loop
that never yields exactly as in plain julia, and `threadid()` is 1. A run
started beside another (julia >= 1.11, concurrent runs) goes to the default
pool, where Ctrl-C arrives as INTERRUPT and is raised at its next I/O.
"""
function spawn_run_task(f::Function, on_thread_one::Bool)
    on_thread_one || return spawn_default(f)
    t = Task(f)
    t.sticky = true
    ccall(:jl_set_task_tid, Cint, (Any, Cint), t, 0)
    return schedule(t)
end

"""
Runs `f`, retrying after an InterruptException that a SIGINT threw into a
worker task. For a run on thread 1 the client delivers Ctrl-C as SIGINT to
the worker (docs/protocol.md §5.1 INTERRUPT_BY_SIGNAL); julia raises it in
whichever task is on thread 1, so one that lands in the worker's own task is
passed on to the run it was meant for.
"""
function ignoring_interrupts(f::Function)
    while true
        try
            return f()
        catch err
            err isa InterruptException || rethrow()
            forward_stray_interrupt!()
        end
    end
end
