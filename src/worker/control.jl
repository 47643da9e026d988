# The control channel to the conductor (docs/protocol.md §4): start-up, HELLO
# and WELCOME, the request loop (PING, ACTIVATE, RUN, SHUTDOWN, CANCEL_RUN),
# RUN_DONE, and re-registration when the conductor goes away. The loop never
# waits for a run; anything it cannot understand is answered with REPLY_ERROR.

const REREGISTER_INTERVAL_S = 0.25
const DEFAULT_GRACE_S = 60.0

"""Writes one frame to the conductor; false when the channel is down (the frame is dropped)."""
function send_control!(w::WorkerState, bytes::Vector{UInt8})
    lock(w.control_lock)
    try
        sock = w.control
        sock === nothing && return false
        write(sock, bytes)
        return true
    catch err
        log_worker("write to the conductor failed", err)
        return false
    finally
        unlock(w.control_lock)
    end
end

reply_error!(w::WorkerState, id::Integer, code::Integer, msg::AbstractString) =
    send_control!(w, encode_reply_error(id, code, msg))

"""Exits the worker process now (never through the overridden Base.exit)."""
function worker_exit!(w::WorkerState, code::Integer)
    EXITING_ON_PURPOSE[] = true
    try
        w.server === nothing || close(w.server)
    catch
    end
    rm(w.run_socket; force=true)
    ccall(:jl_exit, Cvoid, (Int32,), Int32(code))
end

capabilities() = VERSION >= v"1.11" ? CAPABILITY_CONCURRENT_RUNS : UInt32(0)

"""Connects, sends preamble + HELLO, and waits for WELCOME. Returns the socket, or nothing to retry."""
function register!(w::WorkerState, registration::UInt8)
    sock = try
        Sockets.connect(w.conductor_path)
    catch err
        registration == REGISTRATION_FRESH && log_worker("cannot reach the conductor", err)
        return nothing
    end
    hello = encode_hello(; registration=registration, worker_id=w.id, secret=w.secret, pid=getpid(),
        julia_version=string(VERSION), capabilities=capabilities(), run_socket=w.run_socket,
        active_runs=active_runs(w))
    reply = try
        write(sock, vcat(preamble_bytes(MAGIC_WORKER), hello))
        read_frame(sock)
    catch err
        log_worker("registration failed", err)
        nothing
    end
    if reply !== nothing && reply.type == FRAME_WELCOME && isempty(reply.payload)
        return sock
    end
    if reply !== nothing && reply.type == FRAME_ERROR
        msg = try
            decode_error(reply.payload).message
        catch
            "(malformed ERROR)"
        end
        log_worker("the conductor refused this worker: $msg")
    else
        log_worker("the conductor closed the connection before WELCOME")
    end
    # §4.1: an ERROR, or a close before WELCOME, ends the worker.
    worker_exit!(w, 1)
end

"""One control-channel session: read and dispatch until the conductor goes away."""
function serve_control!(w::WorkerState, sock::IO)
    while true
        f = try
            read_frame(sock)
        catch err
            if err isa ProtocolError && err.code == ERR_FRAME_TOO_LARGE
                send_control!(w, encode_error(ERR_FRAME_TOO_LARGE, 76, err.msg))
            elseif !(err isa EOFError || err isa Base.IOError)
                log_worker("control channel read failed", err)
            end
            nothing
        end
        f === nothing && return nothing
        try
            dispatch_request!(w, f)
        catch err
            if err isa ProtocolError
                reply_error!(w, request_id_of(f), err.code, err.msg)
            else
                log_worker("request $(get(FRAME_NAMES, f.type, repr(f.type))) failed", err)
                reply_error!(w, request_id_of(f), ERR_INTERNAL, sprint(showerror, err))
            end
        end
    end
end

"""The id of a request frame (its first u32) when it has one; 0 otherwise."""
function request_id_of(f::Frame)
    f.type in (FRAME_PING, FRAME_ACTIVATE, FRAME_RUN) || return UInt32(0)
    length(f.payload) >= 4 || return UInt32(0)
    return get_u32!(Decoder(f.payload))
end

function dispatch_request!(w::WorkerState, f::Frame)
    t = f.type
    if t == FRAME_PING
        id = decode_id_only(f.payload)
        send_control!(w, encode_pong(id, active_runs(w)))
    elseif t == FRAME_ACTIVATE
        m = decode_activate(f.payload)
        activate_project!(m.project)
        send_control!(w, encode_id_only(FRAME_ACTIVATED, m.id))
    elseif t == FRAME_RUN
        accept_run!(w, decode_run(f.payload))
    elseif t == FRAME_SHUTDOWN
        shutdown!(w, decode_shutdown(f.payload))
    elseif t == FRAME_CANCEL_RUN
        cancel_run!(w, token_key(decode_cancel_run(f.payload)))
    elseif t == FRAME_ERROR
        m = decode_error(f.payload)
        log_worker("the conductor reported an error: $(get(ERROR_NAMES, m.code, "UNKNOWN")): $(m.message)")
    else
        reply_error!(w, 0, ERR_UNEXPECTED, "unexpected frame type $(repr(t))")
    end
    return nothing
end

"""
ACTIVATE: julia's `init_active_project` for an already resolved value:
empty = default environment, `@name` = named environment, else a directory.
"""
function activate_project!(project::String)
    p = if isempty(project)
        nothing
    elseif startswith(project, "@")
        Base.load_path_expand(project)
    else
        abspath(expanduser(project))
    end
    set_active_project!(p)
    rebase_project!()
    return nothing
end

function accept_run!(w::WorkerState, spec::RunSpec)
    run = Run(spec)
    refusal = lock(w.lock) do
        w.shutting_down && return (ERR_SHUTTING_DOWN, "the worker is shutting down")
        if VERSION < v"1.11" && !isempty(w.runs)
            return (ERR_BUSY, "this worker (Julia $(VERSION)) runs one run at a time")
        end
        haskey(w.runs, run.key) && return (ERR_BAD_REQUEST, "duplicate run token")
        w.runs[run.key] = run
        return nothing
    end
    if refusal !== nothing
        reply_error!(w, spec.id, refusal[1], refusal[2])
        return nothing
    end
    arm_connect_timer!(w, run)
    send_control!(w, encode_id_only(FRAME_RUN_ACCEPTED, spec.id))
    return nothing
end

function cancel_run!(w::WorkerState, key::String)
    run = @lock w.lock get(w.runs, key, nothing)
    run === nothing && return nothing
    state = @lock w.lock run.state
    if state === :pending
        abandon_run!(w, run, "cancelled by the conductor")
    elseif state === :running
        # Nobody waits for this run's death report: a program file is interrupted, never julia's death.
        interrupt_run!(run; keep_worker=true)
    end
    return nothing
end

function shutdown!(w::WorkerState, mode::UInt8)
    # §4.2: an unknown mode is refused (REPLY_ERROR id 0 BAD_REQUEST), not taken as "soft".
    mode in (SHUTDOWN_SOFT, SHUTDOWN_NOW) ||
        throw(ProtocolError(ERR_BAD_REQUEST, "unknown SHUTDOWN mode $(Int(mode))"))
    idle = lock(w.lock) do
        w.shutting_down = true
        isempty(w.runs)
    end
    (mode == SHUTDOWN_NOW || idle) && worker_exit!(w, 0)
    return nothing
end

"""Every 250 ms for the grace period: HELLO with registration 1, or exit."""
function reregister!(w::WorkerState)
    deadline = time() + w.grace_s
    while time() < deadline
        sock = register!(w, REGISTRATION_REREGISTER)
        sock === nothing || return sock
        sleep(REREGISTER_INTERVAL_S)
    end
    log_worker("no conductor within $(w.grace_s) s; exiting")
    worker_exit!(w, 0)
end

function control_loop!(w::WorkerState, sock::IO)
    while true
        lock(w.control_lock) do
            w.control = sock
        end
        serve_control!(w, sock)
        lock(w.control_lock) do
            w.control = nothing
        end
        try
            close(sock)
        catch
        end
        (@lock w.lock w.shutting_down) && worker_exit!(w, 0)
        log_worker("lost the conductor; re-registering for up to $(w.grace_s) s")
        sock = reregister!(w)
    end
end

"""
Entry point (main.jl): the conductor socket path is the worker's last argument.
Blocks for the life of the worker, which ends through `worker_exit!`.
"""
function run_worker(conductor_path::AbstractString)
    id = get(ENV, "JULIA_DAEMON_WORKER_ID", "")
    secret = get(ENV, "JULIA_DAEMON_WORKER_SECRET", "")
    # Both leave the environment before any user code can read them (§4.1).
    delete!(ENV, "JULIA_DAEMON_WORKER_ID")
    delete!(ENV, "JULIA_DAEMON_WORKER_SECRET")
    spawn_env = get(ENV, "JULIA_DAEMON_SPAWN_ENV", "")
    delete!(ENV, "JULIA_DAEMON_SPAWN_ENV")
    grace = something(tryparse(Float64, get(ENV, "JULIA_DAEMON_WORKER_GRACE", "")), DEFAULT_GRACE_S)
    SERIAL_FROM_CONDUCTOR[] = get(ENV, "JULIA_DAEMON_WORKER_MAXCLIENTS", "") == "1"
    revise_default = truthy_env(get(ENV, "JULIA_DAEMON_REVISE", "no"))
    if isempty(id)
        println(stderr, "julia-daemon worker: JULIA_DAEMON_WORKER_ID is not set; this program is started by juliaconductor")
        ccall(:jl_exit, Cvoid, (Int32,), Int32(2))
    end
    path = abspath(String(conductor_path))
    run_socket = joinpath(dirname(path), "w-$(id).sock")
    w = WorkerState(id, secret, path, run_socket, grace, revise_default)
    WORKER[] = w
    learn_launcher_changes!(w.baseline_env, spawn_env)

    # SIGINT must never kill the worker: it becomes InterruptException (see deliver_exception!).
    Base.exit_on_sigint(false)
    install_stdio_proxies!()
    install_overrides!()
    install_exit_handler!()
    prepare_session_main!()
    capture_baseline!()
    run_precompile_workload()
    if revise_default
        try
            load_revise!()
        catch err
            log_worker("JULIA_DAEMON_REVISE: loading Revise failed", err)
        end
    end

    listen_run_socket!(w)
    run_warmup_runs!(w)
    sock = register!(w, REGISTRATION_FRESH)
    sock === nothing && worker_exit!(w, 1)
    prepare_standby!(w)

    # The control loop runs as an infra task (spawn_infra); the main task only
    # waits, swallowing stray SIGINTs.
    loop = spawn_infra(() -> control_loop!(w, sock))
    try
        ignoring_interrupts(() -> wait(loop))
    catch err
        log_worker("the control loop died", err)
    end
    worker_exit!(w, 1)
end

truthy_env(v::AbstractString) = lowercase(strip(v)) in ("yes", "true", "1", "on")
