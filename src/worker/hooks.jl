# What julia runs around user code: atexit and atreplinit hooks registered by a
# run, the user's startup.jl, and Revise when requested.

# ---- atexit hooks and atreplinit hooks registered during a run --------------------

atexit_lock() = isdefined(Base, :_atexit_hooks_lock) ? Base._atexit_hooks_lock : ReentrantLock()

function snapshot_hooks!(run::Run)
    run.atexit_before = @lock atexit_lock() copy(Base.atexit_hooks)
    run.replhooks_before = copy(Base.repl_hooks)
    run.loaded_before = length(Base.loaded_modules)
    return nothing
end

"""
Removes and returns the hooks the run's own code added since `before` (by
identity), newest first. A hook defined in a package (registered by its
`__init__` while the run loaded it) is process-wide: it stays, and runs when
the worker exits, as in julia.
"""
function take_new_hooks!(list::Vector, before::Vector{Any}, mod::Module)
    seen = Base.IdSet{Any}(before)
    root = Base.moduleroot(mod)
    ours(h) = !(h in seen) && Base.moduleroot(parentmodule(typeof(h))) === root
    new = Any[h for h in list if ours(h)]
    isempty(new) || filter!(h -> !ours(h), list)
    return new
end

"""julia runs atexit hooks at process exit; a run is our process, so they run at its end."""
function run_atexit_hooks!(run::Run, code::Int32)
    mod = something(run.mod, Main)
    hooks = @lock atexit_lock() take_new_hooks!(Base.atexit_hooks, run.atexit_before, mod)
    for f in hooks      # atexit pushes to the front: this is julia's LIFO order
        try
            if hasmethod(f, (Cint,))
                invokelatest(f, Cint(code))
            else
                invokelatest(f)
            end
        catch ex
            unwrap_exception(ex) isa RunExit && continue
            showerror(stderr, ex)
            Base.show_backtrace(stderr, catch_backtrace())
            println(stderr)
        end
    end
    take_new_hooks!(Base.repl_hooks, run.replhooks_before, mod)
    return nothing
end

# ---- Revise ---------------------------------------------------------------------------

const REVISE_PKGID = Base.PkgId(Base.UUID("295af30f-e4ad-537b-8983-00126c2a3abe"), "Revise")
const REVISE = Ref{Any}(nothing)

truthy(v::AbstractString) = lowercase(v) in ("", "yes", "true", "1", "on")

"""Loads Revise from the user's environments (never installs it); nothing if absent."""
function load_revise!()
    REVISE[] === nothing || return REVISE[]
    haskey(Base.loaded_modules, REVISE_PKGID) && return (REVISE[] = Base.loaded_modules[REVISE_PKGID])
    Base.locate_package(REVISE_PKGID) === nothing && return nothing
    REVISE[] = Base.require(REVISE_PKGID)
    return REVISE[]
end

function maybe_revise!(w::WorkerState, run::Run)
    wanted = haskey(run.switches, "revise") ? truthy(run.switches["revise"]) : w.revise_default
    wanted || return nothing
    revise = try
        load_revise!()
    catch err
        println(stderr, "julia-daemon: --revise: loading Revise failed: ", sprint(showerror, err))
        return nothing
    end
    if revise === nothing
        println(stderr, "julia-daemon: --revise was requested but Revise is not installed in the active ",
            "environments; running without it (install it with `import Pkg; Pkg.add(\"Revise\")`).")
        return nothing
    end
    try
        # Revise was loaded in a newer world than this task's: look it up and call it in the latest.
        invokelatest(invokelatest(getglobal, revise, :revise))
    catch err
        println(stderr, "julia-daemon: Revise.revise() failed: ", sprint(showerror, err))
    end
    return nothing
end

# ---- startup.jl ----------------------------------------------------------------------

"""
julia's `load_julia_startup`, into the run's module: the global then the user
startup.jl, per run unless `--startup-file=no`; once per session for session runs.
"""
function load_startup!(w::WorkerState, run::Run, mod::Module)
    if mod === Main
        label = run.spec.session
        (@lock w.lock label in w.startup_loaded_sessions) && return nothing
        @lock w.lock push!(w.startup_loaded_sessions, label)
    end
    for f in startup_files()
        __daemon_entry_include(mod, f)
    end
    return nothing
end
