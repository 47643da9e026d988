# Process-wide state a run can change and the next run must not inherit:
# the active project (`Pkg.activate(@__DIR__)` is a ubiquitous script idiom),
# LOAD_PATH, DEPOT_PATH, the global logger and its maxlog counters,
# exit_on_sigint, and the C runtime's stdout/stderr streams (which
# `redirect_stdout(f, pipe)` swaps). Captured once the worker is set up (and
# again on each ACTIVATE), restored whenever no run is active.

mutable struct Baseline
    active_project::Union{Nothing,String}    # Base.ACTIVE_PROJECT[] as ACTIVATE left it
    project_file::Union{Nothing,String}      # Base.active_project(), to compare resolved paths
    load_path::Vector{String}
    depot_path::Vector{String}
    uv_stdout::Ptr{Cvoid}
    uv_stderr::Ptr{Cvoid}
end

const BASELINE = Ref{Baseline}()

uv_stream(name::Symbol) = unsafe_load(cglobal(name, Ptr{Cvoid}))

function capture_baseline!()
    BASELINE[] = Baseline(Base.ACTIVE_PROJECT[], Base.active_project(), copy(LOAD_PATH), copy(DEPOT_PATH),
        uv_stream(:jl_uv_stdout), uv_stream(:jl_uv_stderr))
    return nothing
end

"""After ACTIVATE: the new project is the one later runs start with."""
function rebase_project!()
    isassigned(BASELINE) || return capture_baseline!()
    b = BASELINE[]
    b.active_project = Base.ACTIVE_PROJECT[]
    b.project_file = Base.active_project()
    return nothing
end

"""Puts every captured piece back (caller: no run active)."""
function restore_baseline!()
    isassigned(BASELINE) || return nothing
    b = BASELINE[]
    Base.ACTIVE_PROJECT[] = b.active_project
    LOAD_PATH == b.load_path || copy!(LOAD_PATH, b.load_path)
    DEPOT_PATH == b.depot_path || copy!(DEPOT_PATH, b.depot_path)
    unsafe_store!(cglobal(:jl_uv_stdout, Ptr{Cvoid}), b.uv_stdout)
    unsafe_store!(cglobal(:jl_uv_stderr, Ptr{Cvoid}), b.uv_stderr)
    # A fresh logger: a run's `maxlog=1` messages print again in the next run, as in a new julia.
    Logging.global_logger(Logging.ConsoleLogger(STDERR_PROXY))
    Base.exit_on_sigint(false)
    return nothing
end

"""
Packages a run loaded while another environment was active (after
`Pkg.activate(other)`) stay loaded in this process, where the next run of the
pool's own environment would get them instead of its own: such a run retires
its worker (RUN_DONE RETIRE).
"""
function loaded_foreign_packages(loaded_before::Int)
    isassigned(BASELINE) || return false
    length(Base.loaded_modules) > loaded_before || return false
    b = BASELINE[]
    return Base.active_project() != b.project_file || LOAD_PATH != b.load_path || DEPOT_PATH != b.depot_path
end

# ---- what the julia launcher added to the environment -----------------------------

"""
How the executable the conductor started (a wrapper script, say) changed the
environment before julia ran: for each variable, the prefix it put before the
value it was given (`LD_LIBRARY_PATH=<lib>:\$LD_LIBRARY_PATH`), or the value it
set outright. Each run's environment is the client's with the same change
applied, so `ENV` and child processes see what plain julia started by that
launcher would see. Learned from JULIA_DAEMON_SPAWN_ENV (the environment the
conductor passed, hex of NUL-joined `k=v`) against the worker's own.
"""
const LAUNCHER_CHANGES = Tuple{String,Symbol,String}[]   # (name, :prefix | :set, text)
const SHELL_CWD_VARS = ("PWD", "OLDPWD")

function learn_launcher_changes!(baseline::Vector{Pair{String,String}}, spawn_hex::AbstractString)
    empty!(LAUNCHER_CHANGES)
    isempty(spawn_hex) && return nothing
    spawned = Dict{String,String}()
    bytes = try
        hex2bytes(spawn_hex)
    catch
        return nothing
    end
    for kv in split(String(bytes), '\0'; keepempty=false)
        i = findfirst('=', kv)
        i === nothing || (spawned[kv[1:i-1]] = kv[i+1:end])
    end
    for (k, b) in baseline
        # A shell launcher resets PWD/OLDPWD to the worker's own cwd (`/`); for plain julia it
        # would have found the client's, which the run's environment already carries.
        (startswith(k, "JULIA_DAEMON_") || k in SHELL_CWD_VARS) && continue
        s = get(spawned, k, nothing)
        if s === nothing
            push!(LAUNCHER_CHANGES, (k, :prefix, b))
        elseif s != b
            if !isempty(s) && endswith(b, ":" * s)
                push!(LAUNCHER_CHANGES, (k, :prefix, b[1:end-length(s)-1]))
            else
                push!(LAUNCHER_CHANGES, (k, :set, b))
            end
        end
    end
    return nothing
end

"""Applies the launcher's changes to a run's ENV (caller holds the worker lock)."""
function apply_launcher_changes!()
    for (k, how, text) in LAUNCHER_CHANGES
        c = get(ENV, k, "")
        ENV[k] = how === :set || isempty(c) ? text : string(text, ":", c)
    end
    return nothing
end
