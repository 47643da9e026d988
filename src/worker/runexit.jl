# How a run ends early: exit(n) inside a run (RunExit instead of the process's
# death) and interrupts (Ctrl-C, CANCEL_RUN, a vanished client), delivered to
# the run's task without ever touching the worker's own tasks.

"""Thrown by the worker's Base.exit inside a run; caught by the run, never by the worker."""
struct RunExit <: Exception
    code::Int32
end
Base.showerror(io::IO, e::RunExit) = print(io, "exit(", e.code, ") ended the run")

# ---- exit() and Ctrl-C -----------------------------------------------------------

"""
The body of `Base.exit(n)` in the worker (see overrides.jl). Outside a run it
exits the process. Inside a run it is as final as julia's exit: the first
call records the code and runs the run's atexit hooks right there (julia's
`jl_exit` runs them before the process ends); from then on the run's output
is closed to it (`exit_output_check`), so a `catch` or `finally` after
`exit` shows nothing and is unwound again at its next write. A REPL ends
after the current evaluation; a child task's exit stops the run's main task.
"""
function request_exit(n)
    code = Int32(n)    # the same conversion julia's ccall(:jl_exit, ..., (Int32,), n) makes
    run = current_run()
    run === nothing && ccall(:jl_exit, Cvoid, (Int32,), code)
    run = run::Run
    if run.exit_code === nothing
        run.exit_code = code
        try
            run_atexit_hooks!(run, code)
        catch
        end
        # What the run printed before exit() stays; nothing after it is seen.
        for o in (run.out, run.err)
            o isa RunOutput && try
                flush(o)
            catch
            end
        end
        run.exited = true
        # A REPL draws through the terminal's streams, not the proxies: silence them.
        if run.repl !== nothing
            for o in (run.out, run.err)
                o isa RunOutput && (o.discard = true)
            end
        end
        arm_exit_deadline!(run)
    end
    run.repl === nothing || force_eof!(run.inp::RunInput)
    t = run.task
    if t !== nothing && t !== current_task() && run.repl === nothing
        deliver_exception!(run, RunExit(run.exit_code))
    end
    throw(RunExit(run.exit_code))
end

# A run whose code catches exit() and runs on is answered anyway after this delay.
const EXIT_UNWIND_DEADLINE_S = 2.0

"""
If the run's task has not unwound from exit() by the deadline, the client is
answered with the exit code and RUN_DONE asks for this worker's retirement:
the task cannot be stopped, and the next client must not share a thread with it.
"""
function arm_exit_deadline!(run::Run)
    Timer(EXIT_UNWIND_DEADLINE_S) do _
        run.state === :running || return
        code = run.exit_code::Int32
        log_worker("run from client $(run.spec.client_pid) did not stop after exit($code); retiring")
        spawn_infra(() -> finish_run!(WORKER[], run, EXITKIND_CODE, code; retire=true))
    end
    return nothing
end

"""
After exit(): a write or read of the run's code unwinds it again with RunExit
(a REPL's own drawing goes nowhere instead: its frontend must be left to end).
"""
function exit_output_check(run::Run)
    run.repl === nothing && throw(RunExit(run.exit_code::Int32))
    return devnull
end

"""
Ctrl-C (INTERRUPT), CANCEL_RUN, or the client vanishing (`client_gone`: the
run is stopped without taking the process down).
"""
function interrupt_run!(run::Run; keep_worker::Bool=false)
    t = run.task
    (t === nothing || istaskdone(t)) && return nothing
    if run.repl_backend !== nothing && !repl_in_eval(run.repl_backend)
        # At the REPL prompt ^C arrives as a byte (raw mode) and LineEdit handles it;
        # throwing into the backend's idle take! would kill the REPL.
        return nothing
    end
    if run.exit_on_sigint && !run.client_gone && !keep_worker
        sigint_self()
        return nothing
    end
    run.exit_on_sigint && (run.died_of_sigint = true)
    deliver_exception!(run, InterruptException())
    return nothing
end

const SIGINT_NUM = Cint(2)   # the EXIT value of a run that died of Ctrl-C

"""
Delivers `exc` to the run's main task.

A task that is not running is rescheduled with the exception, as
`schedule(t, exc; error=true)` does, which also unlinks it from its wait
queue. `schedule` does that unlink without the queue's lock, so a waker
popping the task at the same instant can race it; the window is the few
instructions between the check and the unlink, and it is accepted (Julia
offers no locked variant). A task blocked in a libuv write waits in no queue
at all; its `finally` (base/stream.jl `uv_write`) detaches the request, so it
may be rescheduled too (that is how Ctrl-C ends a write to a client that stopped
reading).

A task that is running cannot be interrupted from another task. A run on
thread 1 gets the client's Ctrl-C as julia's own SIGINT, raised at its next
safepoint; this path only serves a SIGINT that landed in a worker task
instead. When the run and the worker's tasks take turns on thread 1, whenever
this code runs the run's task is not running: it is always rescheduled, and
the worker never sends itself SIGINT, which would land in whichever task next
reached a safepoint. A concurrent run on the default pool, where julia never
raises SIGINT (signals-unix.c: "Do not raise sigint on worker thread", tid !=
0), has the interrupt left pending and raised at its next write to
stdout/stderr or stdin read (`poll_interrupt!`); a loop that neither yields
nor prints runs on (the client retires the worker after three Ctrl-C,
docs/protocol.md §3.4).
"""
function deliver_exception!(run::Run, exc)
    t = run.task
    (t === nothing || istaskdone(t)) && return nothing
    if t !== current_task() && t.state === :runnable && (t.queue !== nothing || shares_thread_with_infra(run))
        try
            schedule(t, exc; error=true)
            return nothing
        catch err
            log_worker("could not reschedule the run task", err)
        end
    end
    exc isa InterruptException || return nothing
    run.interrupt_pending[] = true
    return nothing
end

"""A SIGINT caught by one of the worker's own tasks interrupts the running run, if any."""
function forward_stray_interrupt!()
    isassigned(WORKER) || return nothing
    w = WORKER[]
    target = nothing
    @lock w.lock for r in values(w.runs)
        r.state === :running && (target = r)
    end
    target === nothing || (target::Run).task === current_task() || interrupt_run!(target::Run)
    return nothing
end

"""Raises a pending interrupt in the run's main task (once); called on each write and stdin read."""
function poll_interrupt!()
    run = current_run()
    run === nothing && return nothing
    run = run::Run
    if run.interrupt_pending[] && current_task() === run.task && Threads.atomic_xchg!(run.interrupt_pending, false)
        throw(InterruptException())
    end
    return nothing
end
