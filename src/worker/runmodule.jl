# The module a run evaluates in: a fresh anonymous `Main` per run (built on
# standby after the previous run), or the worker's real Main for sessions.

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
    # `using Base.MainInclude` as julia's Main does (1.10+: it exports ans and err);
    # an explicit `using ...: ans, err` would make `err = 1` an error.
    MAININCLUDE_HAS_ANS && Core.eval(mod, :(using Base.MainInclude))
    Core.eval(mod, Expr(:toplevel,
        :(const ARGS = String[]),
        :(global PROGRAM_FILE = ""),
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
