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
