# The few Base/REPL functions whose process-wide meaning must become per-run:
# exit, isinteractive, active_module, display_error and the REPL's module
# prompt prefix. They are replaced at run time by `install_overrides!` (method
# overwriting is forbidden while generating a precompile cache), and each
# replacement keeps Base's behaviour outside runs.

"""Base.exit(n) inside a run ends the run with n (see `request_exit`); outside, the process."""
worker_exit_override(n) = request_exit(n)

function worker_isinteractive()
    run = current_run()
    run === nothing && return Base.is_interactive::Bool
    return (run::Run).is_interactive
end

"""
The module `show` treats as "here": the run's module (so types defined by a
script print as `Foo`, not `Main.Foo`), or the REPL's active module in a REPL run.
"""
function worker_active_module()
    run = current_run()
    run === nothing && return Main
    run = run::Run
    if run.repl isa REPL.LineEditREPL
        st = run.repl.mistate
        st !== nothing && hasproperty(st, :active_module) && return st.active_module::Module
    end
    return something(run.mod, Main)
end

"""exit() at a REPL prompt unwinds the evaluation with RunExit: the REPL must not print it."""
function is_exit_stack(stack)
    for x in stack
        unwrap_exception(exception_of(x)) isa RunExit && return true
    end
    return false
end

"""Prompt prefix: `(Mod) julia>` unless the active module is Main or the run's own Main."""
is_main_like(mod::Module) = mod === Main || is_run_module(mod)

function install_overrides!()
    ccall(:jl_generating_output, Cint, ()) == 1 && return nothing
    Core.eval(Base, :(exit(n) = $(worker_exit_override)(n)))
    Core.eval(Base, :(isinteractive() = $(worker_isinteractive)()))
    Core.eval(Base, :(active_module() = $(worker_active_module)()))
    install_display_error!(is_exit_stack)
    install_module_context!(worker_active_module)
    install_tty_raw!()
    Core.eval(Base, :(spawn_opts_inherit(in::Redirectable=RawFD(0), out::Redirectable=RawFD(1), err::Redirectable=RawFD(2)) =
        $(flush_before_spawn)(Any[in, out, err])))
    if isdefined(REPL, :contextual_prompt)
        Core.eval(REPL, quote
            function contextual_prompt(repl::LineEditREPL, prompt::Union{String,Function})
                function ()
                    mod = Base.active_module(repl)
                    prefix = $(is_main_like)(mod) ? "" : string('(', mod, ") ")
                    pr = prompt isa String ? prompt : prompt()
                    prefix * pr
                end
            end
        end)
    end
    return nothing
end
