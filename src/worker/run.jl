# Evaluation of one run with the semantics of the `julia` executable: this file
# mirrors `exec_options` and `_start` of base/client.jl (Julia 1.10-1.12) line
# for line, but evaluates in a fresh anonymous module (or the worker's Main for
# sessions), with the client's cwd, environment, ARGS and stdio, and turns
# exit(n), uncaught errors and Ctrl-C into the run's EXIT instead of the
# worker's death. docs/julia-semantics.md lists every behaviour and its test.

"""Thrown by the worker's Base.exit inside a run; caught by the run, never by the worker."""
struct RunExit <: Exception
    code::Int32
end
Base.showerror(io::IO, e::RunExit) = print(io, "exit(", e.code, ") ended the run")

# ---- exit() and Ctrl-C -----------------------------------------------------------

"""
The body of `Base.exit(n)` in the worker (see overrides.jl). Outside a run it
exits the process. Inside a run it records the code (first call wins), ends a
REPL after the current evaluation, stops the run's main task when called from
a child task, and unwinds the caller with RunExit.
"""
function request_exit(n)
    code = Int32(n)    # the same conversion julia's ccall(:jl_exit, ..., (Int32,), n) makes
    run = current_run()
    run === nothing && ccall(:jl_exit, Cvoid, (Int32,), code)
    run = run::Run
    run.exit_code === nothing && (run.exit_code = code)
    run.repl === nothing || force_eof!(run.inp::RunInput)
    t = run.task
    if t !== nothing && t !== current_task() && run.repl === nothing
        deliver_exception!(run, RunExit(code))
    end
    throw(RunExit(code))
end

"""Ctrl-C (INTERRUPT), CANCEL_RUN, or the client vanishing."""
function interrupt_run!(run::Run)
    t = run.task
    (t === nothing || istaskdone(t)) && return nothing
    if run.repl_backend !== nothing && !repl_in_eval(run.repl_backend)
        # At the REPL prompt ^C arrives as a byte (raw mode) and LineEdit handles it;
        # throwing into the backend's idle take! would kill the REPL.
        return nothing
    end
    run.exit_on_sigint && (run.died_of_sigint = true)
    deliver_exception!(run, InterruptException())
    return nothing
end

const SIGINT_NUM = Cint(2)

"""
Delivers `exc` to the run's main task. A task blocked in a wait queue (sleep,
I/O, lock, Channel) is rescheduled with the exception, as
`schedule(t, exc; error=true)` is documented to do. A task that is computing
cannot be interrupted from another task, so the worker sends itself SIGINT:
with exit_on_sigint(false) Julia throws InterruptException on thread 1 at the
next safepoint, and runs execute on thread 1. At most one signal a second, so
Julia's "force throw" after repeated SIGINTs (unsafe inside libuv calls) is
never triggered by us.
"""
function deliver_exception!(run::Run, exc)
    t = run.task
    (t === nothing || istaskdone(t)) && return nothing
    if t !== current_task() && t.state === :runnable && t.queue !== nothing
        try
            schedule(t, exc; error=true)
            return nothing
        catch err
            log_worker("could not reschedule the run task", err)
        end
    end
    exc isa InterruptException || return nothing
    now = time_ns()
    if now - run.last_signal_ns > 1_000_000_000
        run.last_signal_ns = now
        ccall(:kill, Cint, (Cint, Cint), getpid(), SIGINT_NUM)
    end
    return nothing
end

# ---- the run's module ------------------------------------------------------------

"""
Makes an anonymous module its own parent. `Module(:Main)` binds `Main` to itself
(so `Main.x` and `@eval Main` stay inside the run) but reports the real Main as
its parent, which would print submodules as `Main.Main.Foo`. The parent pointer
is the second word of jl_module_t in 1.10-1.12; it is only written after both
words were checked to hold the expected name and parent.
"""
function adopt_self_parent!(mod::Module)
    parentmodule(mod) === mod && return true
    p = Ptr{Ptr{Cvoid}}(pointer_from_objref(mod))
    GC.@preserve mod begin
        name = nameof(mod)
        parent = parentmodule(mod)
        if unsafe_load(p, 1) == pointer_from_objref(name) && unsafe_load(p, 2) == pointer_from_objref(parent)
            unsafe_store!(p, pointer_from_objref(mod), 2)
        end
    end
    return parentmodule(mod) === mod
end

"""
A fresh Main for one run, with what Base gives the real Main: `eval` and
`include` bound to it (as Base.MainInclude does), `ans`/`err`, and per-run
`ARGS` and `PROGRAM_FILE` bindings.
"""
function new_run_module()
    mod = Module(:Main)
    adopt_self_parent!(mod)
    Core.eval(mod, Expr(:toplevel,
        :(const ARGS = String[]),
        :(global PROGRAM_FILE = ""),
        :(using Base.MainInclude: ans, err),
        :(eval(x) = Core.eval($mod, x)),
        :(include(fname::AbstractString) = Base.include($mod, fname)),
        :(include(mapexpr::Function, fname::AbstractString) = Base.include(mapexpr, $mod, fname)),
    ))
    return mod
end

"""Gives the worker's real Main its own ARGS binding (session runs replace its contents)."""
function prepare_session_main!()
    try
        Core.eval(Main, Expr(:toplevel, :(const ARGS = String[])))
    catch err
        log_worker("session runs will see Base.ARGS (Main.ARGS is already bound)", err)
    end
    return nothing
end

"""Takes the standby module (built after the previous run) or builds one now."""
function take_run_module!(w::WorkerState)
    mod = @lock w.lock begin
        m = w.standby
        w.standby = nothing
        m
    end
    return mod === nothing ? new_run_module() : mod
end

"""Builds the next run's module off the critical path."""
function prepare_standby!(w::WorkerState)
    spawn_infra() do
        try
            m = new_run_module()
            @lock w.lock (w.standby === nothing && (w.standby = m))
        catch err
            log_worker("could not prepare a standby module", err)
        end
    end
    return nothing
end

is_run_module(mod::Module) = (r = current_run(); r !== nothing && r.mod === mod)

# ---- starting and finishing ------------------------------------------------------

"""All four streams are attached: build the run's stdio and start its task on thread 1."""
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
    run.mod = hasflag(run, RUNFLAG_SESSION) ? Main : take_run_module!(w)
    t = Task(() -> run_task!(w, run))
    t.sticky = true
    # Thread 1 is where Julia delivers SIGINT, so Ctrl-C reaches code that never yields.
    ccall(:jl_set_task_tid, Cint, (Any, Cint), t, 0)
    run.task = t
    schedule(t)
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
"""
function finish_run!(w::WorkerState, run::Run, kind::UInt8, value::Int32)
    Base.disable_sigint() do
        close_output!(run.out::RunOutput)
        run.err === run.out || close_output!(run.err::RunOutput)
        # The stderr stream of a merged run carried nothing; close it all the same.
        hasflag(run, RUNFLAG_MERGE_STDERR) && try
            close(run.streams[STREAM_STDERR]::IO)
        catch
        end
        force_eof!(run.inp::RunInput)
        # RUN_DONE before EXIT (§4.4): the client exits only after EXIT, so the
        # conductor already knows this worker is free when the next command asks.
        @lock w.lock begin
            run.state = :finished
            delete!(w.runs, run.key)
        end
        send_control!(w, encode_run_done(run.spec.token, kind, value))
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
    after_run_removed!(w)
    hasflag(run, RUNFLAG_SESSION) || prepare_standby!(w)
    return nothing
end

"""Process-wide cleanup once no run is active, and the soft-shutdown exit."""
function after_run_removed!(w::WorkerState)
    idle, stopping = @lock w.lock (isempty(w.runs), w.shutting_down)
    if idle
        try
            restore_process_state!(w)
        catch err
            log_worker("could not restore the worker's process state", err)
        end
        stopping && worker_exit!(w, 0)
    end
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
function apply_process_state!(run::Run)
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
    try
        cd(spec.cwd)
    catch err
        # julia itself would have started in that directory; report like a shell would.
        println(stderr, "julia: cannot change to the client's directory ", repr(spec.cwd), ": ",
            sprint(showerror, err))
    end
    return nothing
end

"""After the last run: the worker's own environment, Base.ARGS, stdio and globals."""
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

# ---- atexit hooks and atreplinit hooks registered during a run --------------------

atexit_lock() = isdefined(Base, :_atexit_hooks_lock) ? Base._atexit_hooks_lock : ReentrantLock()

function snapshot_hooks!(run::Run)
    run.atexit_before = @lock atexit_lock() copy(Base.atexit_hooks)
    run.replhooks_before = copy(Base.repl_hooks)
    return nothing
end

"""Removes and returns the hooks added since `before` (by identity), newest first."""
function take_new_hooks!(list::Vector, before::Vector{Any})
    seen = Base.IdSet{Any}(before)
    new = Any[h for h in list if !(h in seen)]
    isempty(new) || filter!(h -> h in seen, list)
    return new
end

"""julia runs atexit hooks at process exit; a run is our process, so they run at its end."""
function run_atexit_hooks!(run::Run, code::Int32)
    hooks = @lock atexit_lock() take_new_hooks!(Base.atexit_hooks, run.atexit_before)
    for f in hooks      # atexit pushes to the front: this is julia's LIFO order
        try
            if hasmethod(f, (Cint,))
                invokelatest(f, Cint(code))
            else
                invokelatest(f)
            end
        catch ex
            unwrap_exception(ex) isa RunExit && continue
            showerror(stderr, ex)
            Base.show_backtrace(stderr, catch_backtrace())
            println(stderr)
        end
    end
    take_new_hooks!(Base.repl_hooks, run.replhooks_before)
    return nothing
end

# ---- error display ----------------------------------------------------------------

unwrap_exception(e) = e isa LoadError ? unwrap_exception(e.error) : e

"""Exceptions that end a run without an error report: exit(), and Ctrl-C of a program file."""
function is_run_control(run::Run, stack)
    for x in stack
        e = unwrap_exception(x.exception)
        e isa RunExit && return true
        e isa InterruptException && run.died_of_sigint && return true
    end
    return false
end

# Entry points between the worker and user code. Backtraces are cut at the
# first of these frames, so a report never shows worker frames.
@noinline __daemon_entry_eval(mod::Module, @nospecialize(ex)) = Core.eval(mod, ex)
@noinline __daemon_entry_include(mod::Module, path::String) = Base.include(mod, path)
@noinline __daemon_entry_include_string(mod::Module, code::String, name::String) =
    include_string(mod, code, name)
@noinline __daemon_entry_main(@nospecialize(main), args::Vector{String}) = invokelatest(main, args)

is_daemon_entry(fr) = startswith(String(fr.func), "__daemon_entry")

function cut_worker_frames(bt)
    bt isa Vector{Base.StackTraces.StackFrame} || return bt
    i = findfirst(is_daemon_entry, bt)
    return i === nothing ? bt : bt[1:i-1]
end

"""julia's `scrub_repl_backtrace`, plus removal of the worker's own frames."""
function scrub(stack)
    stack = Base.scrub_repl_backtrace(stack)
    els = [(exception=x.exception, backtrace=cut_worker_frames(x.backtrace)) for x in stack]
    return Base.ExceptionStack(convert(fieldtype(Base.ExceptionStack, 1), els))
end

"""`invokelatest(display_error, scrub_repl_backtrace(current_exceptions()))` on the run's stderr."""
function report_current_error(run::Run)
    stack = current_exceptions()
    is_run_control(run, stack) && return nothing
    try
        invokelatest(Base.display_error, scrub(stack))
    catch
        try
            println(stderr, "\nSYSTEM: displaying the error report failed")
        catch
        end
    end
    return nothing
end

# ---- Revise ---------------------------------------------------------------------------

const REVISE_PKGID = Base.PkgId(Base.UUID("295af30f-e4ad-537b-8983-00126c2a3abe"), "Revise")
const REVISE = Ref{Any}(nothing)

truthy(v::AbstractString) = lowercase(v) in ("", "yes", "true", "1", "on")

"""Loads Revise from the user's environments (never installs it); nothing if absent."""
function load_revise!()
    REVISE[] === nothing || return REVISE[]
    haskey(Base.loaded_modules, REVISE_PKGID) && return (REVISE[] = Base.loaded_modules[REVISE_PKGID])
    Base.locate_package(REVISE_PKGID) === nothing && return nothing
    REVISE[] = Base.require(REVISE_PKGID)
    return REVISE[]
end

function maybe_revise!(w::WorkerState, run::Run)
    wanted = haskey(run.switches, "revise") ? truthy(run.switches["revise"]) : w.revise_default
    wanted || return nothing
    revise = try
        load_revise!()
    catch err
        println(stderr, "julia-daemon: --revise: loading Revise failed: ", sprint(showerror, err))
        return nothing
    end
    if revise === nothing
        println(stderr, "julia-daemon: --revise was requested but Revise is not installed in the active ",
            "environments; running without it (install it with `import Pkg; Pkg.add(\"Revise\")`).")
        return nothing
    end
    try
        # Revise was loaded in a newer world than this task's: look it up and call it in the latest.
        invokelatest(invokelatest(getglobal, revise, :revise))
    catch err
        println(stderr, "julia-daemon: Revise.revise() failed: ", sprint(showerror, err))
    end
    return nothing
end

# ---- startup.jl ----------------------------------------------------------------------

"""
julia's `load_julia_startup`, into the run's module: the global then the user
startup.jl, per run unless `--startup-file=no`; once per session for session runs.
"""
function load_startup!(w::WorkerState, run::Run, mod::Module)
    if mod === Main
        label = run.spec.session
        (@lock w.lock label in w.startup_loaded_sessions) && return nothing
        @lock w.lock push!(w.startup_loaded_sessions, label)
    end
    files = String[]
    if isdefined(Base, :_global_julia_startup_file)
        g = Base._global_julia_startup_file()
        g === nothing || push!(files, g)
    end
    if isdefined(Base, :_local_julia_startup_file)
        l = Base._local_julia_startup_file()
        l === nothing || push!(files, l)
    end
    for f in files
        __daemon_entry_include(mod, f)
    end
    return nothing
end

# ---- julia's exec_options + _start ---------------------------------------------------

function should_use_main_entrypoint(mod::Module)
    isdefined(mod, :main) || return false
    owner = Base.binding_module(mod, :main)
    sym = Symbol("#__main_is_entrypoint__#")
    return isdefined(owner, sym) && getglobal(owner, sym) === true
end

"""Runs the request; returns the EXIT (kind, value)."""
function execute!(w::WorkerState, run::Run)
    snapshot_hooks!(run)
    apply_process_state!(run)
    mod = run.mod::Module
    code = Int32(0)
    try
        maybe_revise!(w, run)
        code = exec_options_and_start!(w, run, mod)
    catch
        # julia's _start: an uncaught error is reported and the exit code is 1.
        report_current_error(run)
        code = Int32(1)
    end
    run.exit_code === nothing || (code = run.exit_code)
    try
        run_atexit_hooks!(run, code)
    catch
    end
    run.exit_code === nothing || (code = run.exit_code)
    run.died_of_sigint && return (EXITKIND_SIGNAL, Int32(SIGINT_NUM))
    return (EXITKIND_CODE, code)
end

function exec_options_and_start!(w::WorkerState, run::Run, mod::Module)
    spec = run.spec
    # `julia [switches] file args...`: the file is ARGS[1] until exec_options pops it.
    args = hasflag(run, RUNFLAG_HAS_PROGRAM) ? vcat(spec.program_file, spec.args) : copy(spec.args)
    arg_is_program = !isempty(args)
    repl = !arg_is_program
    for (kind, _) in spec.actions
        if kind == ACTION_EVAL || kind == ACTION_PRINT   # cmd_suppresses_program
            arg_is_program = false
            repl = false
        end
    end
    program_file = arg_is_program ? popfirst!(args) : ""
    set_run_args!(mod, args, program_file)

    stdin_tty = hasflag(run, RUNFLAG_STDIN_TTY)
    is_interactive = hasflag(run, RUNFLAG_INTERACTIVE)
    interactiveinput = (repl || is_interactive) && stdin_tty
    is_interactive |= interactiveinput
    run.is_interactive = is_interactive

    if get(run.switches, "startup-file", "yes") != "no"
        try
            load_startup!(w, run, mod)
        catch
            is_run_control(run, current_exceptions()) && rethrow()
            report_current_error(run)
            !(repl || is_interactive) && return Int32(1)
        end
    end

    for (kind, arg) in spec.actions
        if kind == ACTION_EVAL
            __daemon_entry_eval(mod, Base.parse_input_line(arg))
        elseif kind == ACTION_PRINT
            invokelatest(show, __daemon_entry_eval(mod, Base.parse_input_line(arg)))
            println()
        elseif kind == ACTION_LOAD
            __daemon_entry_include(mod, abspath(spec.cwd, arg))
        else
            @warn "Unexpected command -$(Int(kind))'$arg'"
        end
    end

    if arg_is_program
        is_interactive || (run.exit_on_sigint = true)
        try
            if program_file == "-"
                __daemon_entry_include_string(mod, read(stdin, String), "stdin")
            else
                __daemon_entry_include(mod, abspath(spec.cwd, program_file))
            end
        catch
            is_run_control(run, current_exceptions()) && rethrow()
            report_current_error(run)
            is_interactive || return Int32(1)
        end
    end

    ret = start_main_or_repl!(w, run, mod, repl, is_interactive, interactiveinput)
    # _start: leave the terminal in the normal colour after an interactive session.
    is_interactive && get(stdout, :color, false) && print(Base.color_normal)
    ret === nothing && return Int32(0)
    return try
        Int32(Cint(ret))
    catch
        @error "The return value of `main` should be `nothing` or convertible to `Cint`"
        Int32(1)
    end
end

"""The second half of julia's `_start`: `@main` (>= 1.11), else the REPL when requested."""
function start_main_or_repl!(w::WorkerState, run::Run, mod::Module, repl::Bool, is_interactive::Bool,
                             interactiveinput::Bool)
    ret = nothing
    @static if VERSION >= v"1.11"
        if invokelatest(should_use_main_entrypoint, mod) && !is_interactive
            main = invokelatest(getglobal, mod, :main)
            ret = __daemon_entry_main(main, getglobal(mod, :ARGS)::Vector{String})
        elseif repl || is_interactive
            ret = run_main_repl!(w, run, mod, interactiveinput)
        end
    else
        if repl || is_interactive
            ret = run_main_repl!(w, run, mod, interactiveinput)
        end
    end
    return ret
end
