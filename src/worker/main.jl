# Entry point the conductor starts: `julia ... <cachedir>/main.jl <conductor socket>`.
# The worker is `include`d rather than loaded with `using` from a pushed
# LOAD_PATH entry: nothing is added to LOAD_PATH (user code resolves packages
# exactly as plain julia would), no Pkg operation or package cache is needed,
# and a cache dir rewritten by a newer conductor can never meet a stale
# precompile cache. The cost, compiling the worker at start-up, is paid while
# the worker is still a standby and is trimmed by precompile.jl's workload.
# `Base.ARGS`, not `ARGS`: resolving `ARGS` in Main here would stop session
# runs from getting their own `Main.ARGS`.

include(joinpath(@__DIR__, "DaemonWorker.jl"))

let conductor_socket = Base.ARGS[end]
    empty!(Base.ARGS)
    DaemonWorker.run_worker(conductor_socket)
end
