# File descriptors 0-2 of a run. Child processes (`run(`echo hi`)` inherits
# fds 0-2) and C code (`ccall(:puts, ...)`, a solver's log) write to the
# process's fds, not to Julia's stdout; in julia those are the terminal. While
# a worker runs one run at a time, fds 0-2 therefore point at the run's own
# stream sockets for the run's duration, and back at the worker's log after.
# The worker's own diagnostics never use fd 2: they go to a dup of it taken at
# start-up (`install_log_fds!`). With concurrent runs (Julia >= 1.11 and
# JULIA_DAEMON_WORKER_MAXCLIENTS != 1) fds stay the worker's: C output goes to
# the worker log, never to another client (docs/julia-semantics.md).

const LIBC_IOFBF = Cint(0)   # glibc's _IOFBF
const LIBC_IOLBF = Cint(1)   # glibc's _IOLBF

libc_stdout() = unsafe_load(cglobal(:stdout, Ptr{Cvoid}))
set_cstdout_buffering(mode::Cint) = ccall(:setvbuf, Cint, (Ptr{Cvoid}, Ptr{UInt8}, Cint, Csize_t), libc_stdout(), C_NULL, mode, 0)

"""Runs one run at a time: below 1.11 always (no task-scoped stdio), else when the conductor says so."""
serial_runs() = capabilities() & CAPABILITY_CONCURRENT_RUNS == 0 || SERIAL_FROM_CONDUCTOR[]
"""JULIA_DAEMON_WORKER_MAXCLIENTS=1 from the conductor (read once at start-up, before user code owns ENV)."""
const SERIAL_FROM_CONDUCTOR = Ref(false)

flush_cstdio() = ccall(:fflush, Cint, (Ptr{Cvoid},), C_NULL)

"""The worker's log as its own fds (dups of the 1 and 2 it was started with)."""
function install_log_fds!()
    out = ccall(:dup, Cint, (Cint,), 1)
    err = ccall(:dup, Cint, (Cint,), 2)
    out >= 0 && (WORKER_STDOUT[] = Base.fdio(out, true))
    err >= 0 && (WORKER_STDERR[] = Base.fdio(err, true))
    return nothing
end

stream_fd(s) = reinterpret(Cint, Base._fd(s))

"""Points fds 0-2 at the run's stdin, stdout and stderr (stdout for a merged stderr)."""
function redirect_run_fds!(run::Run)
    serial_runs() || return false
    flush_cstdio()
    err_kind = hasflag(run, RUNFLAG_MERGE_STDERR) ? STREAM_STDOUT : STREAM_STDERR
    for (fd, kind) in ((0, STREAM_STDIN), (1, STREAM_STDOUT), (2, err_kind))
        s = run.streams[kind]
        s === nothing && continue
        ccall(:dup2, Cint, (Cint, Cint), stream_fd(s), fd)
    end
    # libc buffers stdout fully on a socket; on the client's tty julia's C output is line-buffered.
    hasflag(run, RUNFLAG_STDOUT_TTY) && set_cstdout_buffering(LIBC_IOLBF)
    run.fds_redirected = true
    return true
end

"""C output out, then fds 0-2 back to the worker's own: the run's sockets may close now."""
function restore_run_fds!(run::Run)
    run.fds_redirected || return nothing
    flush_cstdio()
    for fd in 0:2
        SAVED_FDS[fd+1] >= 0 && ccall(:dup2, Cint, (Cint, Cint), SAVED_FDS[fd+1], fd)
    end
    # The next run's stdout may be a pipe, where libc buffers fully.
    hasflag(run, RUNFLAG_STDOUT_TTY) && set_cstdout_buffering(LIBC_IOFBF)
    run.fds_redirected = false
    return nothing
end

"""
`run(cmd)` hands the child fds 0-2 as they are: the run's buffered output
goes first, so the child's lines follow what the run printed before it.
"""
function flush_before_spawn(stdios)
    run = current_run()
    if run !== nothing && run.state === :running
        try
            run.out === nothing || flush(run.out)
            run.err === nothing || run.err === run.out || flush(run.err)
        catch
        end
        inherits_stdin = stdios[1] isa RawFD && reinterpret(Cint, stdios[1]) == 0
        run.fds_redirected && inherits_stdin && open_stdin_credit!(run)
    end
    return stdios
end

"""
A child reads the run's stdin socket itself, without asking for credit: a
client with a tty stdin is told to forward it freely (READ_CREDIT OPEN, §5.1).
"""
function open_stdin_credit!(run::Run)
    hasflag(run, RUNFLAG_STDIN_TTY) || return nothing
    send_client!(run, encode_read_credit(READ_CREDIT_OPEN))
    return nothing
end

# A child given Base.stdout/stderr/stdin (`read(cmd)` passes `stderr`) gets the
# run's own socket, after the run's buffered output; Base would otherwise ask
# the proxy for an OS handle it does not have.
if isdefined(Base, :setup_stdio)
    function Base.setup_stdio(p::ScopedOutput, readable::Bool)
        t = out_target(p)
        t isa RunOutput || return Base.setup_stdio(t, readable)
        try
            flush(t)
        catch
        end
        return Base.setup_stdio(something(t.sock, devnull), readable)
    end
    function Base.setup_stdio(p::ScopedInput, readable::Bool)
        t = in_target(p)
        t isa RunInput || return Base.setup_stdio(t, readable)
        run = current_run()
        run isa Run && open_stdin_credit!(run)
        return Base.setup_stdio(something(t.sock, devnull), readable)
    end
end
