# DaemonWorker: the Julia side of julia-daemon. One process serves runs for
# juliaclient: it registers with juliaconductor over the control channel,
# accepts the client's four per-run streams on its run socket, and evaluates
# each run with the semantics of the `julia` executable (docs/protocol.md,
# docs/julia-semantics.md). Standard library only.
module DaemonWorker

using Sockets
import Logging
import InteractiveUtils
import REPL

include("compat.jl")           # every Julia-version difference
include("protocol_constants.jl")
include("protocol.jl")
include("messages.jl")
include("golden_frames.jl")
include("scopedio.jl")       # which run a task serves; Base.stdin/stdout/stderr proxies
include("runoutput.jl")
include("runinput.jl")
include("color.jl")
include("state.jl")
include("streams.jl")
include("baseline.jl")        # process-wide state restored between runs
include("runfds.jl")          # fds 0-2 of a run: child processes and C output
include("processexit.jl")     # the process ends during a run: the client gets its status
include("runexit.jl")
include("runmodule.jl")
include("report.jl")
include("hooks.jl")
include("run.jl")
include("exec.jl")
include("repl.jl")
include("ttyapis.jl")         # raw!, getpass on the run's terminal
include("overrides.jl")
include("control.jl")
include("precompile.jl")
include("warmup.jl")          # runs served to itself before registering: compiled before a client's Ctrl-C

# Everything process-wide (stdio proxies, Base overrides, sockets) is installed
# by `run_worker`, never at load time: loading must stay side-effect free so
# the module can be precompiled or inspected.
function __init__()
    return nothing
end

end # module
