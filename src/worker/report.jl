# Error reports as julia prints them (display_error of the scrubbed exception
# stack), with the worker's own frames cut from every backtrace.

# ---- error display ----------------------------------------------------------------

"""The exception that decides how a run ends: through LoadError, a failed task, or a composite holding an exit()."""
function unwrap_exception(e)
    e isa LoadError && return unwrap_exception(e.error)
    e isa TaskFailedException && return unwrap_exception(e.task.exception)
    if e isa CompositeException
        for x in e.exceptions
            u = unwrap_exception(x)
            u isa RunExit && return u
        end
    end
    return e
end

"""Exceptions that end a run without an error report: exit(), and Ctrl-C of a program file."""
function is_run_control(run::Run, stack)
    for x in stack
        e = unwrap_exception(exception_of(x))
        e isa RunExit && return true
        if e isa InterruptException && (run.died_of_sigint || run.exit_on_sigint)
            # A SIGINT that landed in the program itself (not through interrupt_run!) kills it too.
            run.died_of_sigint = true
            return true
        end
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

const WORKER_SOURCE_DIR = @__DIR__
is_worker_frame(fr) = startswith(String(fr.file), WORKER_SOURCE_DIR)

"""
Cuts the frames below user code (from the first entry point down) and the
worker's own frames above it (an EPIPE raised inside the run's output buffer
must show julia's frames, not `flush_locked!`).
"""
function cut_worker_frames(bt)
    bt isa Vector{Base.StackTraces.StackFrame} || return bt
    i = findfirst(is_daemon_entry, bt)
    bt = i === nothing ? bt : bt[1:i-1]
    return filter(!is_worker_frame, bt)
end

"""julia's `scrub_repl_backtrace`, plus removal of the worker's own frames."""
function scrub(stack)
    els = [(exception=x.exception, backtrace=cut_worker_frames(x.backtrace)) for x in scrub_stack(stack)]
    return make_exception_stack(els)
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
