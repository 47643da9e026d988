# The REPL of a run, over the client's terminal: julia's `run_main_repl`
# (std REPL on a tty stdin, the fallback loop otherwise) with a terminal type
# whose raw mode is a RAW_MODE/RAW_ACK round trip and whose size comes from
# SIZE_QUERY, evaluating in the run's module instead of the process Main.

import REPL

"""
REPL.Terminals.TTYTerminal's twin for a client terminal: same fields, but
`raw!` asks the client instead of calling `jl_tty_set_mode` on a local fd.
"""
mutable struct DaemonTerminal <: REPL.Terminals.UnixTerminal
    term_type::String
    in_stream::IO
    out_stream::IO
    err_stream::IO
    run::Run
end

REPL.Terminals.raw!(t::DaemonTerminal, raw::Bool) = request_raw_mode!(t.run, raw)
REPL.Terminals.hascolor(t::DaemonTerminal) = get(t.out_stream, :color, false)::Bool
Base.in(key_value::Pair, t::DaemonTerminal) = in(key_value, REPL.Terminals.pipe_writer(t))
Base.haskey(t::DaemonTerminal, key) = haskey(REPL.Terminals.pipe_writer(t), key)
Base.getindex(t::DaemonTerminal, key) = getindex(REPL.Terminals.pipe_writer(t), key)
Base.get(t::DaemonTerminal, key, default) = get(REPL.Terminals.pipe_writer(t), key, default)
Base.peek(t::DaemonTerminal, ::Type{T}) where {T} = peek(t.in_stream, T)::T
Base.displaysize(t::DaemonTerminal) = displaysize(t.out_stream)

"""Base.active_repl / active_repl_backend, as run_std_repl sets them; skipped where Base lacks the global."""
function set_base_global!(name::Symbol, value)
    try
        setglobal!(Base, name, value)
    catch
    end
    return nothing
end

repl_in_eval(backend) = hasproperty(backend, :in_eval) && getproperty(backend, :in_eval) === true

"""julia's `load_InteractiveUtils(mod)`: REPL sessions get `using InteractiveUtils`."""
function load_interactive_utils!(mod::Module)
    isdefined(mod, :InteractiveUtils) && return nothing
    try
        Core.eval(mod, Expr(:toplevel, :(const InteractiveUtils = $InteractiveUtils), :(using .InteractiveUtils)))
    catch ex
        @warn "Failed to import InteractiveUtils into module $mod" exception = (ex, catch_backtrace())
    end
    return nothing
end

function print_banner(io::IO, banner::Symbol)
    banner === :no && return nothing
    short = banner === :short
    if isdefined(REPL, :banner)          # 1.11+: the banner moved to REPL, with `short`
        REPL.banner(io; short=short)
    elseif short && hasmethod(Base.banner, Tuple{IO}, (:short,))
        Base.banner(io; short=true)
    else
        Base.banner(io)                  # 1.10 may have no `short` keyword
    end
    return nothing
end

"""Banner choice of julia's `repl_main`: -q implies no banner unless --banner says otherwise."""
function banner_choice(run::Run, interactiveinput::Bool)
    b = get(run.switches, "banner", "auto")
    quiet = haskey(run.switches, "quiet") || haskey(run.switches, "q")
    b == "auto" && quiet && (b = "no")
    b == "no" && return :no
    b == "yes" && return :yes
    b == "short" && return :short
    return interactiveinput ? :yes : :no
end

"""julia's `run_main_repl(interactive, quiet, banner, history_file)`."""
function run_main_repl!(w::WorkerState, run::Run, mod::Module, interactive::Bool)
    quiet = haskey(run.switches, "quiet") || haskey(run.switches, "q")
    banner = banner_choice(run, interactive)
    history_file = get(run.switches, "history-file", "yes") != "no"
    if interactive && get(ENV, "JULIA_FALLBACK_REPL", "false") != "true"
        load_interactive_utils!(mod)
        run_std_repl!(run, mod, quiet, banner, history_file)
    else
        banner === :no || print_banner(stdout, banner)
        run_fallback_repl!(run, mod, interactive)
    end
    return nothing
end

"""julia's `run_std_repl`, with the client's terminal and the run's module."""
function run_std_repl!(run::Run, mod::Module, quiet::Bool, banner::Symbol, history_file::Bool)
    term_env = get(ENV, "TERM", "dumb")
    term = DaemonTerminal(term_env, run.inp, run.out, run.err, run)
    banner === :no || print_banner(term, banner)
    if term.term_type == "dumb"
        repl = REPL.BasicREPL(term)
        quiet || @warn "Terminal not fully functional"
    else
        repl = REPL.LineEditREPL(term, get(run.out, :color, false)::Bool, true)
        repl.history_file = history_file
    end
    run.repl = repl
    d = REPL.REPLDisplay(repl)
    last_repl = isdefined(Base, :active_repl) ? Base.active_repl : nothing
    last_backend = isdefined(Base, :active_repl_backend) ? Base.active_repl_backend : nothing
    pushdisplay(d)
    try
        set_base_global!(:active_repl, repl)
        Base._atreplinit(repl)
        REPL.run_repl(repl, backend -> begin
            run.repl_backend = backend
            set_base_global!(:active_repl_backend, backend)
            repl isa REPL.LineEditREPL && point_repl_at_module!(repl, mod)
        end)
    finally
        popdisplay(d)
        last_repl === nothing || set_base_global!(:active_repl, last_repl)
        set_base_global!(:active_repl_backend, last_backend)
        run.repl_backend = nothing
    end
    return nothing
end

"""
LineEdit's `init_state` hard-codes the process Main as the REPL's module and
runs on the frontend task; once that state exists, point it at the run's module
(`REPL.activate` does the same assignment). Done before the first keystroke can
be evaluated: the frontend creates its state before it reads input.
"""
function point_repl_at_module!(repl, mod::Module)
    mod === Main && return nothing
    @async begin
        for _ in 1:2000
            st = hasproperty(repl, :mistate) ? repl.mistate : nothing
            if st !== nothing && hasproperty(st, :active_module)
                st.active_module = mod
                break
            end
            sleep(0.001)
        end
    end
    return nothing
end

"""julia's `run_fallback_repl`: stdin that is not a tty, read line by line and evaluated with display."""
function run_fallback_repl!(run::Run, mod::Module, interactive::Bool)
    input = stdin
    while true
        if interactive
            print("julia> ")
            flush(stdout)
        end
        eof(input) && break
        try
            line = ""
            ex = nothing
            while !eof(input)
                line *= readline(input, keep=true)
                ex = Base.parse_input_line(line)
                if !(isa(ex, Expr) && ex.head === :incomplete)
                    break
                end
            end
            eval_user_input!(run, mod, stderr, ex, true)
        catch err
            unwrap_exception(err) isa RunExit && rethrow()
            isa(err, InterruptException) ? print("\n\n") : rethrow()
        end
    end
    return nothing
end

"""julia's `Base.eval_user_input(errio, ast, show_value)`, evaluating in the run's module."""
function eval_user_input!(run::Run, mod::Module, errio, @nospecialize(ast), show_value::Bool)
    errcount = 0
    lasterr = nothing
    have_color = get(stdout, :color, false)::Bool
    while true
        try
            have_color && print(Base.color_normal)
            if lasterr !== nothing
                lasterr = scrub(lasterr)
                trivial = isdefined(Base, :istrivialerror) && Base.istrivialerror(lasterr)
                trivial || set_err!(mod, lasterr)
                invokelatest(Base.display_error, errio, lasterr)
            else
                ast = Meta.lower(mod, ast)
                value = __daemon_entry_eval(mod, ast)
                set_ans!(mod, value)
                if !(value === nothing) && show_value
                    have_color && print(Base.answer_color())
                    try
                        invokelatest(display, value)
                        DISPLAY_ADDS_NEWLINE || println()
                    catch
                        @error "Evaluation succeeded, but an error occurred while displaying the value" typeof(value)
                        rethrow()
                    end
                end
            end
            break
        catch
            is_run_control(run, current_exceptions()) && rethrow()
            if errcount > 0
                @error "SYSTEM: display_error(errio, lasterr) caused an error"
            end
            errcount += 1
            lasterr = current_exceptions()
            set_err!(mod, lasterr)
            if errcount > 2
                @error "It is likely that something important is broken, and Julia will not be able to continue normally" errcount
                break
            end
        end
    end
    hasflag(run, RUNFLAG_STDIN_TTY) && println()
    return nothing
end
