# Per-run stdio. Base.stdin/stdout/stderr are replaced once, at start-up, by
# proxies that resolve to the current run: through a ScopedValue on Julia >= 1.11
# (so `@async`/`Threads.@spawn` children inherit their run's streams and
# concurrent runs stay apart), and through one global slot on 1.10, which
# therefore runs one run at a time. Output is buffered (many tiny writes must
# not become many syscalls) and flushed on size, age, yield, before a stdin read
# and completely before EXIT (runoutput.jl, runinput.jl).

const OUTPUT_BUFFER_BYTES = 64 * 1024
# A writer that never yields still gets its output out within this delay.
const OUTPUT_MAX_DELAY_NS = UInt64(5_000_000)
# Largest stdin chunk a blocking read asks the client for (READ_CREDIT).
const STDIN_CREDIT_BYTES = 64 * 1024

# ---- which run is this task working for? ------------------------------------

@static if VERSION >= v"1.11"
    # Typed Any: the Run type is defined later, and a ScopedValue's type is fixed.
    const CURRENT_RUN = Base.ScopedValues.ScopedValue{Any}(nothing)
    current_run() = CURRENT_RUN[]
    with_run(f, run) = Base.ScopedValues.with(f, CURRENT_RUN => run)
else
    # Before 1.11 there are no ScopedValues, so the worker runs one run at a
    # time (capability bit 0 clear). A task still knows which run it serves:
    # every task inherits its parent's logger state, so the run's task runs
    # under a RunLogger (which forwards to the global logger) and each task it
    # spawns carries it. A task that outlives its run (`@async (sleep(2);
    # println("late"))`) thus finds its own, finished run, never the next
    # client's. Tasks under a logger of the user's (`with_logger`) fall back to
    # the one active run.
    const ACTIVE_RUN = Ref{Any}(nothing)
    function current_run()
        ls = current_task().logstate
        ls === nothing || (l = ls.logger) isa RunLogger && return (l::RunLogger).run
        return ACTIVE_RUN[]
    end
    function with_run(f, run)
        ACTIVE_RUN[] = run
        try
            return Logging.with_logger(f, RunLogger(run))
        finally
            ACTIVE_RUN[] = nothing
        end
    end
end

"""Marks the tasks of one run (see `current_run`); logging itself goes to the global logger."""
struct RunLogger <: Logging.AbstractLogger
    run::Any
end
Logging.min_enabled_level(::RunLogger) = Logging.BelowMinLevel
function Logging.shouldlog(::RunLogger, level, _module, group, id)
    g = Logging.global_logger()
    # JULIA_DEBUG lowers the level for its modules, as for the global logger itself.
    return (level >= Logging.min_enabled_level(g) || Base.CoreLogging.env_override_minlevel(group, _module)) &&
        Logging.shouldlog(g, level, _module, group, id)
end
Logging.handle_message(::RunLogger, args...; kwargs...) = Logging.handle_message(Logging.global_logger(), args...; kwargs...)
Logging.catch_exceptions(::RunLogger) = Logging.catch_exceptions(Logging.global_logger())

# ---- the process-wide proxies -------------------------------------------------

"""Base.stdout / Base.stderr after start-up: forwards to the current run's stream."""
struct ScopedOutput <: IO
    which::Int   # 1 stdout, 2 stderr
end

"""Base.stdin after start-up: forwards to the current run's stdin."""
struct ScopedInput <: IO end

# The worker's own stdio (the conductor's log), used outside any run.
const WORKER_STDIN = Ref{IO}(devnull)
const WORKER_STDOUT = Ref{IO}(devnull)
const WORKER_STDERR = Ref{IO}(devnull)

function out_target(p::ScopedOutput)
    run = current_run()
    run === nothing && return p.which == 1 ? WORKER_STDOUT[] : WORKER_STDERR[]
    # A task that outlived its run: julia's process would have exited, so its output goes nowhere.
    run.state === :finished && return devnull
    run.exited && return exit_output_check(run)
    return p.which == 1 ? run.out::RunOutput : run.err::RunOutput
end

function in_target(::ScopedInput)
    run = current_run()
    run === nothing && return WORKER_STDIN[]
    run.state === :finished && return devnull
    run.exited && return exit_output_check(run)
    return run.inp::RunInput
end

Base.unsafe_write(p::ScopedOutput, ptr::Ptr{UInt8}, n::UInt) = unsafe_write(out_target(p), ptr, n)
Base.write(p::ScopedOutput, b::UInt8) = write(out_target(p), b)
Base.flush(p::ScopedOutput) = flush(out_target(p))
Base.close(p::ScopedOutput) = close(out_target(p))
Base.isopen(p::ScopedOutput) = isopen(out_target(p))
Base.iswritable(p::ScopedOutput) = iswritable(out_target(p))
Base.isreadable(::ScopedOutput) = false
Base.lock(p::ScopedOutput) = lock(out_target(p))
Base.unlock(p::ScopedOutput) = unlock(out_target(p))
Base.get(p::ScopedOutput, key, default) = get(out_target(p), key, default)
Base.haskey(p::ScopedOutput, key) = haskey(out_target(p), key)
Base.in(kv::Pair, p::ScopedOutput) = in(kv, out_target(p))
Base.displaysize(p::ScopedOutput) = displaysize(out_target(p))

Base.eof(p::ScopedInput) = eof(in_target(p))
Base.bytesavailable(p::ScopedInput) = bytesavailable(in_target(p))
Base.isopen(p::ScopedInput) = isopen(in_target(p))
Base.isreadable(p::ScopedInput) = isreadable(in_target(p))
Base.iswritable(::ScopedInput) = false
Base.close(p::ScopedInput) = close(in_target(p))
Base.reseteof(p::ScopedInput) = Base.reseteof(in_target(p))
Base.read(p::ScopedInput, ::Type{UInt8}) = read(in_target(p), UInt8)
Base.peek(p::ScopedInput, ::Type{UInt8}) = peek(in_target(p), UInt8)
Base.unsafe_read(p::ScopedInput, ptr::Ptr{UInt8}, n::UInt) = unsafe_read(in_target(p), ptr, n)
Base.readavailable(p::ScopedInput) = readavailable(in_target(p))
Base.readbytes!(p::ScopedInput, b::AbstractVector{UInt8}, nb=length(b)) = readbytes!(in_target(p), b, nb)
Base.read(p::ScopedInput) = read(in_target(p))
Base.read(p::ScopedInput, nb::Integer) = read(in_target(p), nb)
Base.readuntil(p::ScopedInput, delim::UInt8; keep::Bool=false) = readuntil(in_target(p), delim; keep=keep)

const STDOUT_PROXY = ScopedOutput(1)
const STDERR_PROXY = ScopedOutput(2)
const STDIN_PROXY = ScopedInput()

# File descriptors 0-2 as the worker started, restored after a run in case user
# code redirected them (redirect_stdout(pipe) dup2s onto fd 1).
const SAVED_FDS = Cint[-1, -1, -1]

"""
Installs the proxies as Base.stdin/stdout/stderr, points the display stack and
the global logger at them. Runtime only (never while generating a cache).
"""
function install_stdio_proxies!()
    WORKER_STDIN[] = stdin
    WORKER_STDOUT[] = stdout
    WORKER_STDERR[] = stderr
    install_log_fds!()
    for fd in 0:2
        SAVED_FDS[fd+1] = ccall(:dup, Cint, (Cint,), fd)
    end
    setglobal!(Base, :stdin, STDIN_PROXY)
    setglobal!(Base, :stdout, STDOUT_PROXY)
    setglobal!(Base, :stderr, STDERR_PROXY)
    # TextDisplay(stdout) captured the real stdout at boot; rebuild it on the proxy.
    Base.Multimedia.reinit_displays()
    Logging.global_logger(Logging.ConsoleLogger(STDERR_PROXY))
    return nothing
end

"""Puts the proxies (and fds 0-2) back after user code redirected them; no run may be active."""
function restore_stdio!()
    Base.stdin === STDIN_PROXY || setglobal!(Base, :stdin, STDIN_PROXY)
    Base.stdout === STDOUT_PROXY || setglobal!(Base, :stdout, STDOUT_PROXY)
    Base.stderr === STDERR_PROXY || setglobal!(Base, :stderr, STDERR_PROXY)
    for fd in 0:2
        SAVED_FDS[fd+1] >= 0 && ccall(:dup2, Cint, (Cint, Cint), SAVED_FDS[fd+1], fd)
    end
    return nothing
end

# `redirect_stdout(f, io)` restores the previous stream when f returns; that
# previous stream is our proxy, which Base's redirect machinery does not know.
@static if isdefined(Base, :RedirectStdStream)
    function (f::Base.RedirectStdStream)(p::Union{ScopedOutput,ScopedInput})
        fd = f.unix_fd
        SAVED_FDS[fd+1] >= 0 && ccall(:dup2, Cint, (Cint, Cint), SAVED_FDS[fd+1], fd)
        setglobal!(Base, fd == 0 ? :stdin : fd == 1 ? :stdout : :stderr, p)
        return p
    end
end
