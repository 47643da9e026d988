# When the worker process itself ends during a run, as julia's process would:
# a program file's Ctrl-C (julia's `exit_on_sigint(true)`: its signal handler
# prints "signal (2): Interrupt", the expression and a backtrace to fd 2, which
# is the run's stderr, and exits 130), or C code calling `exit(n)`. The client
# still gets the exact status: a glibc `on_exit` handler writes the run's
# unsent output and EXIT(n) straight to the client's sockets on the way out.
# The conductor sees the worker die and replaces it.

"""Set by `worker_exit!`: the worker is ending on purpose, no run to answer."""
const EXITING_ON_PURPOSE = Ref(false)

raw_write(fd::Cint, p::Ptr{UInt8}, n::Integer) = ccall(:write, Cssize_t, (Cint, Ptr{UInt8}, Csize_t), fd, p, n)

"""Set once the runs were answered (by the atexit hook or the on_exit handler)."""
const RUNS_ANSWERED = Ref(false)

on_process_exit(status::Cint, ::Ptr{Cvoid}) = (answer_runs_on_exit!(status); nothing)

"""
julia's `jl_exit` (the SIGINT path) runs the atexit hooks, then closes every
libuv handle, our sockets included, before libc's exit and its on_exit
handlers: so the runs are answered from an atexit hook there. Julia >= 1.9
passes the exit code; before, the only way julia exits under a run is
`exit_on_sigint`, whose code is 128 + SIGINT.
"""
process_exiting_hook() = process_exiting_hook(Cint(128) + SIGINT_NUM)
function process_exiting_hook(code::Integer)
    answer_runs_on_exit!(Cint(code)) || return nothing
    # Ours is the last hook: what julia's jl_exit does next (close every libuv
    # handle, spinning the loop until they are closed) shows the client
    # nothing, and on julia 1.5, entered from the SIGINT handler in the middle
    # of user code, it can spin for good, holding the client's sockets open.
    ccall(:fflush, Cint, (Ptr{Cvoid},), C_NULL)
    ccall(:_exit, Cvoid, (Cint,), Cint(code))
end

"""Answers the running runs; true if there was one (the process ends on its behalf)."""
function answer_runs_on_exit!(status::Cint)
    (EXITING_ON_PURPOSE[] || RUNS_ANSWERED[] || !isassigned(WORKER)) && return false
    RUNS_ANSWERED[] = true
    answered = false
    try
        for run in collect(values(WORKER[].runs))   # no lock: the process is ending
            run.state === :running || continue
            outs = run.err === run.out ? (run.out,) : (run.out, run.err)
            for o in outs
                o isa RunOutput && o.len > 0 && o.sock !== nothing && !o.broken || continue
                GC.@preserve o raw_write(stream_fd(o.sock), pointer(o.buf), o.len)
            end
            ctl = run.streams[STREAM_CONTROL]
            ctl === nothing && continue
            frame = encode_exit(EXITKIND_CODE, status)
            GC.@preserve frame raw_write(stream_fd(ctl), pointer(frame), length(frame))
            answered = true
        end
    catch
    end
    return answered
end

function install_exit_handler!()
    # Not through `atexit`, which the run's hooks are told apart from (hooks.jl): pushed last, run last.
    @lock atexit_lock() push!(Base.atexit_hooks, process_exiting_hook)
    Sys.islinux() || return nothing
    cb = @cfunction(on_process_exit, Cvoid, (Cint, Ptr{Cvoid}))
    try
        ccall(:on_exit, Cint, (Ptr{Cvoid}, Ptr{Cvoid}), cb, C_NULL)
    catch err
        # Not glibc: a worker that dies during a run is reported by the client as such (exit 71).
        log_worker("no on_exit in this libc", err)
    end
    return nothing
end

"""
Ctrl-C of a program file: julia's own death by SIGINT (the worker process has
`exit_on_sigint(true)` while a program file runs, exec.jl), so nothing in the
program can catch it and the report and status are julia's.
"""
sigint_self() = ccall(:kill, Cint, (Cint, Cint), getpid(), SIGINT_NUM)
