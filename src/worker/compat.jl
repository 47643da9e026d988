# Every difference between Julia versions that the worker depends on, in one
# place. Chosen by feature (`isdefined`, `hasmethod`) rather than by version
# number wherever Julia lets us, so 1.6-1.9 get the right mix of shims too.
# Supported: Julia 1.5 and later (docs/julia-semantics.md has the matrix of
# what degrades below 1.9 and below 1.11).

# Exported from Base only since 1.7 (@lock) and 1.9 (invokelatest); both exist unexported before.
import Base: @lock, invokelatest

# ---- globals -----------------------------------------------------------------------

@static if !isdefined(Core, :setglobal!)    # 1.9
    function setglobal!(m::Module, s::Symbol, v)
        Core.eval(m, Expr(:global, Expr(:(=), s, QuoteNode(v))))
        return v
    end
end
@static if !isdefined(Core, :getglobal)     # 1.9
    getglobal(m::Module, s::Symbol) = getfield(m, s)
end

# ---- exception stacks ------------------------------------------------------------------

@static if isdefined(Base, :current_exceptions)   # 1.7
    make_exception_stack(els::Vector) = Base.ExceptionStack(convert(fieldtype(Base.ExceptionStack, 1), els))
    const ExceptionStackType = Base.ExceptionStack
    # 1.7+: one call scrubs the whole stack.
    scrub_stack(stack) = Base.scrub_repl_backtrace(stack)
else
    # 1.5/1.6: `catch_stack()` gives (exception, backtrace) tuples; NamedTuples
    # keep `x.exception` working here and `x[1]` working in Base's display code.
    current_exceptions() = Any[(exception=x[1], backtrace=x[2]) for x in Base.catch_stack()]
    make_exception_stack(els::Vector) = Any[els...]
    const ExceptionStackType = Vector
    scrub_stack(stack) = Any[(exception=x[1], backtrace=scrub_backtrace(x[2])) for x in stack]
    # Base.scrub_repl_backtrace turns a raw backtrace into frames; frames are kept as they are.
    scrub_backtrace(bt) = bt isa Vector{Base.StackTraces.StackFrame} ? bt : Base.scrub_repl_backtrace(bt)
end

"""`display_error(io, stack)` as Base defines it for its own stack type; the worker hides `exit()`."""
function install_display_error!(is_exit_stack::Function)
    @static if isdefined(Base, :ExceptionStack)
        Core.eval(Base, quote
            function display_error(io::IO, stack::ExceptionStack)
                $(is_exit_stack)(stack) && return nothing
                printstyled(io, "ERROR: "; bold=true, color=error_color())
                show_exception_stack(IOContext(io, :limit => true), stack)
                println(io)
            end
        end)
    else
        Core.eval(Base, quote
            function display_error(io::IO, stack::Vector)
                $(is_exit_stack)(stack) && return nothing
                printstyled(io, "ERROR: "; bold=true, color=Base.error_color())
                bt = Any[(x[1], $(scrub_backtrace)(x[2])) for x in stack]
                show_exception_stack(IOContext(io, :limit => true), bt)
            end
        end)
    end
    return nothing
end

"""The exception of one stack entry: a NamedTuple here, or a REPL's raw `catch_stack()` tuple on 1.5/1.6."""
exception_of(x) = x isa Tuple ? x[1] : x.exception

# ---- threads and events -------------------------------------------------------------------

@static if hasmethod(Threads.nthreads, Tuple{Symbol})    # 1.9: thread pools
    # Thread 1 is interactive when the pool exists from 1.10 on (jl_init_threading,
    # src/threading.c: jl_n_threads_per_pool[0] = nthreadsi); 1.9.0 numbered it last.
    other_interactive_threads() = Threads.nthreads(:interactive) - (Threads.threadpool(1) === :interactive ? 1 : 0)
    spawn_interactive(f::Function) = Threads.@spawn :interactive f()
    spawn_default(f::Function) = Threads.@spawn :default f()
else
    other_interactive_threads() = 0
    spawn_interactive(f::Function) = @async f()
    spawn_default(f::Function) = Threads.@spawn f()
end

@static if hasmethod(Base.Event, Tuple{Bool})            # 1.8: auto-reset events
    new_autoreset_event() = Base.Event(true)
else
    """An auto-reset event: `notify` wakes one waiter (or the next one to wait)."""
    mutable struct AutoResetEvent
        cond::Threads.Condition
        set::Bool
    end
    new_autoreset_event() = AutoResetEvent(Threads.Condition(), false)
    function Base.wait(e::AutoResetEvent)
        @lock e.cond begin
            while !e.set
                wait(e.cond)
            end
            e.set = false
        end
        return nothing
    end
    function Base.notify(e::AutoResetEvent)
        @lock e.cond begin
            e.set = true
            notify(e.cond; all=false)
        end
        return nothing
    end
end

# ---- projects, startup files, REPL globals --------------------------------------------------

@static if isdefined(Base, :set_active_project)           # 1.8
    set_active_project!(p) = Base.set_active_project(p)
else
    set_active_project!(p) = (Base.ACTIVE_PROJECT[] = p; nothing)
end

"""The files julia's `load_julia_startup` includes, global one first."""
function startup_files()
    files = String[]
    if isdefined(Base, :_global_julia_startup_file)       # 1.8
        g = Base._global_julia_startup_file()
        g === nothing || push!(files, g)
        l = Base._local_julia_startup_file()
        l === nothing || push!(files, l)
        return files
    end
    # 1.5-1.7: base/client.jl load_julia_startup, spelled out.
    bindir = Sys.BINDIR::String
    sysconf = Base.SYSCONFDIR::String
    if !isempty(sysconf) && isfile(joinpath(bindir, sysconf, "julia", "startup.jl"))
        push!(files, abspath(bindir, sysconf, "julia", "startup.jl"))
    else
        g = abspath(bindir, "..", "etc", "julia", "startup.jl")
        isfile(g) && push!(files, g)
    end
    if !isempty(DEPOT_PATH)
        l = abspath(DEPOT_PATH[1], "config", "startup.jl")
        isfile(l) && push!(files, l)
    end
    return files
end

"""1.10+: `ans` and `err` live in Base.MainInclude, which every Main uses implicitly."""
const MAININCLUDE_HAS_ANS = isdefined(Base.MainInclude, :ans)

"""`ans` after a REPL evaluation: Base.MainInclude on 1.10+, else the evaluating module (julia's Main)."""
set_ans!(mod::Module, value) = MAININCLUDE_HAS_ANS ? setglobal!(Base.MainInclude, :ans, value) : setglobal!(mod, :ans, value)
set_err!(mod::Module, value) = MAININCLUDE_HAS_ANS ? setglobal!(Base.MainInclude, :err, value) : nothing

"""
Whether `display(::TextDisplay, x)` ends with a newline (1.10+); before, julia's
`eval_user_input` printed it. Probed, not assumed from a version number.
"""
const DISPLAY_ADDS_NEWLINE = endswith(sprint(io -> display(TextDisplay(io), 1)), "\n")

"""
1.9+: LineEdit's state carries the REPL's active module. Before, the REPL
backend always evaluated in Main, so a run's REPL re-targets each input with
an AST transform instead (`repl_module_transform`).
"""
repl_has_active_module() = isdefined(REPL.LineEdit, :MIState) && hasfield(REPL.LineEdit.MIState, :active_module)
repl_module_transform(mod::Module) = ast -> Expr(:call, Core.eval, mod, QuoteNode(ast))

# ---- where `show` is "here" ---------------------------------------------------------------

"""1.9+: `show` asks `Base.active_module()` (overridden per run in overrides.jl) for its default module."""
const BASE_HAS_ACTIVE_MODULE = isdefined(Base, :active_module)

"""
Before 1.9, `show_type_name` takes `get(io, :module, Main)`: the process Main,
so a run's `struct Foo` would print as `Main.Foo`. Base's literal `Main` is the
only Main a run never means (its own code's `Main` is the run module), so
`isvisible` (base/show.jl, unchanged 1.5-1.8), which decides whether a name
is printed qualified, is asked about the run's module instead. Replacing it
invalidates only its few callers; replacing `get(::IOContext, ...)` instead
would recompile all of `show` on the first run.
"""
function install_module_context!(run_module::Function)
    BASE_HAS_ACTIVE_MODULE && return nothing
    hasmethod(Base.isvisible, Tuple{Symbol,Module,Module}) || return nothing
    Core.eval(Base, quote
        function isvisible(sym::Symbol, parent::Module, from::Module)
            from === Main && (from = $(run_module)())
            owner = ccall(:jl_binding_owner, Any, (Any, Any), parent, sym)
            from_owner = ccall(:jl_binding_owner, Any, (Any, Any), from, sym)
            return owner !== nothing && from_owner === owner && !isdeprecated(parent, sym) && isdefined(from, sym)
        end
    end)
    return nothing
end
