# Evaluation of one run with the semantics of the `julia` executable: this file
# mirrors `exec_options` and `_start` of base/client.jl (Julia 1.10-1.12) line
# for line, but evaluates in the run's module with the client's ARGS and stdio,
# and turns exit(n), uncaught errors and Ctrl-C into the run's EXIT instead of
# the worker's death. docs/julia-semantics.md lists every behaviour and its test.

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
    apply_process_state!(w, run)
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
    # An interrupt that arrived after the user's code stopped writing must not
    # surface in the atexit hooks or the worker's own output.
    run.interrupt_pending[] = false
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
        if !is_interactive
            run.exit_on_sigint = true
            serial_runs() && Base.exit_on_sigint(true)
        end
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
        finally
            Base.exit_on_sigint(false)
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
