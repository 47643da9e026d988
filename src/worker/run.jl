# A run's life cycle around its evaluation: start once its four streams are
# attached (user code on the default threadpool), apply the client's cwd and
# environment, then flush, report RUN_DONE and EXIT, and restore the worker's
# own process state once no run is active.

# ---- starting and finishing ------------------------------------------------------

"""All four streams are attached: build the run's stdio and start its task (see `spawn_run_task`)."""
function start_run!(w::WorkerState, run::Run)
    ok = @lock w.lock begin
        run.state === :pending || return nothing
        run.state = :running
        true
    end
    ok === true || return nothing
    run.connect_timer === nothing || close(run.connect_timer)
    term = env_value(run.spec.env, "TERM")
    color = get(run.switches, "color", "auto")
    size_fn = () -> run_displaysize(run)
    run.out = RunOutput(run.streams[STREAM_STDOUT];
        color=stream_color(color, hasflag(run, RUNFLAG_STDOUT_TTY), term), size_fn=size_fn)
    if hasflag(run, RUNFLAG_MERGE_STDERR)
        # fds 1 and 2 are one file: one buffer keeps write order; the stderr stream stays empty.
        run.err = run.out
    else
        run.err = RunOutput(run.streams[STREAM_STDERR];
            color=stream_color(color, hasflag(run, RUNFLAG_STDERR_TTY), term), size_fn=size_fn)
    end
    run.inp = RunInput(run.streams[STREAM_STDIN], wanted -> before_stdin_block!(run, wanted))
    run.on_thread_one = @lock w.lock count(r -> r.state === :running, values(w.runs)) == 1
    (run.out::RunOutput).eager = (run.err::RunOutput).eager = shares_thread_with_infra(run)
    run.mod = hasflag(run, RUNFLAG_SESSION) ? Main : take_run_module!(w)
    # Before any output: Ctrl-C of a run on thread 1 is julia's own SIGINT (§5.1).
    run.on_thread_one && send_client!(run, encode_interrupt_by_signal())
    redirect_run_fds!(run)
    # run_task! also records its own task first thing: the spawned task may
    # start (and call exit()) before this assignment is visible.
    # invokelatest: since 1.8 a task inherits its parent's world age, and every worker
    # task descends from `run_worker`, whose world predates `install_overrides!` (the
    # REPL prompt, exit, isinteractive overrides) and every package a run loads.
    # julia enters its REPL and the program the same way (base/client.jl).
    run.task = spawn_run_task(() -> invokelatest(run_task!, w, run), run.on_thread_one)
    return nothing
end

function before_stdin_block!(run::Run, wanted::Int)
    try
        flush(run.out)
        run.err === run.out || flush(run.err)
    catch
    end
    send_client!(run, encode_read_credit(wanted))
    return nothing
end

function run_task!(w::WorkerState, run::Run)
    run.task = current_task()
    kind, value = EXITKIND_CODE, Int32(1)
    try
        kind, value = with_run(() -> execute!(w, run), run)
    catch err
        log_worker("internal error while running a request", err)
    end
    finish_run!(w, run, kind, value)
    return nothing
end

"""
EXIT after the output is complete (§5): flush and close stdout/stderr, report
RUN_DONE to the conductor, then write EXIT and close the control stream.
`retire`: the run's task is still running (it would not unwind after exit()),
so RUN_DONE asks the conductor to retire this worker (§4.4).
"""
function finish_run!(w::WorkerState, run::Run, kind::UInt8, value::Int32; retire::Bool=false)
    # Once: the run's task unwinding, or the exit deadline (runexit.jl), whichever comes first.
    claimed = @lock w.lock (run.state === :running ? (run.state = :finishing; true) : false)
    claimed || return nothing
    retire |= loaded_foreign_packages(run.loaded_before)
    Base.disable_sigint() do
        try
            flush(run.out::RunOutput)
            run.err === run.out || flush(run.err::RunOutput)
        catch
        end
        # The sockets close below only if no fd 0-2 still holds them.
        restore_run_fds!(run)
        close_output!(run.out::RunOutput)
        run.err === run.out || close_output!(run.err::RunOutput)
        # The stderr stream of a merged run carried nothing; close it all the same.
        hasflag(run, RUNFLAG_MERGE_STDERR) && try
            close(run.streams[STREAM_STDERR]::IO)
        catch
        end
        force_eof!(run.inp::RunInput)
        # The client's control stream closed before EXIT: the run is reported
        # abandoned (§5.1), whatever its code ended with.
        if run.client_gone
            kind, value = EXITKIND_ABANDONED, Int32(0)
        end
        # RUN_DONE before EXIT (§4.4): the client exits only after EXIT, so the
        # conductor already knows this worker is free when the next command asks.
        @lock w.lock begin
            run.state = :finished
            delete!(w.runs, run.key)
        end
        send_control!(w, encode_run_done(run.spec.token, kind, value, retire ? RUNDONE_FLAG_RETIRE : 0))
        send_client!(run, encode_exit(kind, value))
        lock(run.ctl_lock)
        try
            run.ctl_open = false
            close(run.streams[STREAM_CONTROL]::IO)
        catch
        finally
            unlock(run.ctl_lock)
        end
    end
    # The client has its EXIT: a SIGINT still arriving (a user mashing Ctrl-C) must not cut the cleanup.
    ignoring_interrupts(() -> after_run_removed!(w))
    hasflag(run, RUNFLAG_SESSION) || ignoring_interrupts(() -> prepare_standby!(w))
    return nothing
end

"""
Process-wide cleanup once no run is active, and the soft-shutdown exit. The
check and the restore happen under the worker lock, which `accept_run!` takes
to register a run and `apply_process_state!` takes to install one: a run
accepted meanwhile either finds the worker already restored, or makes this
restore skip (the registry is no longer empty). The restore can thus never
undo the cwd/ENV of a run that has started.
"""
function after_run_removed!(w::WorkerState)
    stopping = lock(w.lock) do
        isempty(w.runs) || return false
        try
            restore_process_state!(w)
        catch err
            log_worker("could not restore the worker's process state", err)
        end
        return w.shutting_down
    end
    stopping && worker_exit!(w, 0)
    return nothing
end

# ---- process-wide state of a run ---------------------------------------------------

env_value(env::Vector{String}, key::String) =
    something(findfirst_env(env, key), "")

function findfirst_env(env::Vector{String}, key::String)
    prefix = key * "="
    for kv in env
        startswith(kv, prefix) && return kv[length(prefix)+1:end]
    end
    return nothing
end

"""
Replaces ENV by the run's environment and cds to its cwd. Both are
process-wide: with concurrent runs (Julia >= 1.11) the last run to start
wins for everyone; docs/julia-semantics.md says so.
"""
function apply_process_state!(w::WorkerState, run::Run)
    @lock w.lock begin
        # The idle-time restore is skipped when the next run is accepted before the
        # last one is removed (back-to-back runs): a run alone starts from the baseline.
        length(w.runs) == 1 && restore_baseline!()
        apply_process_state_locked!(run)
    end
    return nothing
end

function apply_process_state_locked!(run::Run)
    spec = run.spec
    for k in collect(keys(ENV))
        delete!(ENV, k)
    end
    for kv in spec.env
        i = findfirst('=', kv)
        i === nothing && continue
        i == 1 && continue
        ENV[kv[1:i-1]] = kv[i+1:end]
    end
    apply_launcher_changes!()
    try
        cd(spec.cwd)
    catch err
        # julia itself would have started in that directory; report like a shell would.
        println(stderr, "julia: cannot change to the client's directory ", repr(spec.cwd), ": ",
            sprint(showerror, err))
    end
    return nothing
end

"""After the last run (caller holds w.lock): the worker's own environment, Base.ARGS, stdio and globals."""
function restore_process_state!(w::WorkerState)
    for k in collect(keys(ENV))
        delete!(ENV, k)
    end
    for (k, v) in w.baseline_env
        ENV[k] = v
    end
    empty!(Base.ARGS)
    setglobal!(Base, :PROGRAM_FILE, "")
    restore_stdio!()
    restore_baseline!()
    return nothing
end

"""ARGS of the run: the module's own binding, and Base.ARGS for packages that read it."""
function set_run_args!(mod::Module, args::Vector{String}, program_file::String)
    if isdefined(mod, :ARGS) && Base.binding_module(mod, :ARGS) === mod
        a = getglobal(mod, :ARGS)
        empty!(a)
        append!(a, args)
    end
    # A session's Main has no PROGRAM_FILE of its own: there it is Base.PROGRAM_FILE.
    if isdefined(mod, :PROGRAM_FILE) && Base.binding_module(mod, :PROGRAM_FILE) === mod
        setglobal!(mod, :PROGRAM_FILE, program_file)
    end
    empty!(Base.ARGS)
    append!(Base.ARGS, args)
    setglobal!(Base, :PROGRAM_FILE, program_file)
    return nothing
end
