# The run socket and the per-run stream handshake (docs/protocol.md §5): the
# client opens control, stdin, stdout and stderr with the run token; the run
# starts once all four are attached, and is abandoned if they are not within
# 10 s or if the control stream closes first. Also the per-run control stream:
# INTERRUPT, RAW_ACK and SIZE from the client, framed writes to it.

const STREAM_CONNECT_TIMEOUT_S = 10.0
# A connection that does not finish its 23-byte stream preamble in this time is dropped.
const STREAM_HANDSHAKE_TIMEOUT_S = 10.0
# A SIZE_QUERY the client does not answer in time falls back to 24x80.
const SIZE_QUERY_TIMEOUT_S = 2.0

"""Creates the run socket mode 0600 (umask around bind, then chmod) and starts accepting."""
function listen_run_socket!(w::WorkerState)
    path = w.run_socket
    ispath(path) && rm(path; force=true)
    old = ccall(:umask, Cuint, (Cuint,), 0o077)
    server = try
        Sockets.listen(path)
    finally
        ccall(:umask, Cuint, (Cuint,), old)
    end
    chmod(path, 0o600)
    w.server = server
    spawn_infra(() -> accept_loop!(w, server))
    return server
end

function accept_loop!(w::WorkerState, server)
    while isopen(server)
        sock = try
            ignoring_interrupts(() -> accept(server))
        catch err
            isopen(server) || break
            log_worker("accept on the run socket failed", err)
            sleep(0.05)
            continue
        end
        spawn_infra(() -> handshake_stream!(w, sock))
    end
    return nothing
end

"""Reads exactly n bytes, or fewer at EOF / on the handshake timeout (which closes the socket)."""
function read_upto(sock::IO, n::Int)
    try
        return read(sock, n)
    catch err
        err isa InterruptException && forward_stray_interrupt!()
        return UInt8[]
    end
end

function refuse_stream!(sock::IO, status::UInt8, msg::AbstractString)
    try
        write(sock, encode_stream_status(status, msg))
        flush(sock)
    catch
    end
    try
        close(sock)
    catch
    end
    return nothing
end

function handshake_stream!(w::WorkerState, sock::IO)
    timer = Timer(STREAM_HANDSHAKE_TIMEOUT_S) do _
        isopen(sock) && close(sock)
    end
    try
        pre = read_upto(sock, PREAMBLE_BYTES)
        status = check_preamble(pre, MAGIC_STREAM)
        if status === :short
            close(sock)
            return nothing
        elseif status === :bad_magic
            return refuse_stream!(sock, STREAM_STATUS_BAD_MAGIC, "not a julia-daemon stream (bad magic)")
        elseif status === :bad_version
            return refuse_stream!(sock, STREAM_STATUS_BAD_VERSION,
                "protocol version mismatch: worker speaks $(Int(PROTOCOL_VERSION))")
        end
        rest = read_upto(sock, TOKEN_BYTES + 1)
        if length(rest) != TOKEN_BYTES + 1
            close(sock)
            return nothing
        end
        close(timer)
        token = rest[1:TOKEN_BYTES]
        kind = rest[end]
        if !(STREAM_CONTROL <= kind <= STREAM_STDERR)
            return refuse_stream!(sock, STREAM_STATUS_BAD_KIND, "unknown stream kind $(Int(kind))")
        end
        attach_stream!(w, token_key(token), kind, sock)
    catch err
        log_worker("stream handshake failed", err)
        try
            close(sock)
        catch
        end
    finally
        close(timer)
    end
    return nothing
end

function attach_stream!(w::WorkerState, key::String, kind::UInt8, sock::IO)
    run, complete = lock(w.lock) do
        r = get(w.runs, key, nothing)
        if r === nothing || r.state !== :pending
            return (nothing, :bad_token)
        elseif r.streams[kind] !== nothing
            return (r, :duplicate)
        end
        r.streams[kind] = sock
        return (r, all(!isnothing, r.streams))
    end
    if complete === :bad_token
        return refuse_stream!(sock, STREAM_STATUS_BAD_TOKEN, "unknown or expired run token")
    elseif complete === :duplicate
        return refuse_stream!(sock, STREAM_STATUS_DUPLICATE, "stream kind $(Int(kind)) already attached")
    end
    run = run::Run
    try
        write(sock, encode_stream_status(STREAM_STATUS_OK))
    catch err
        log_worker("could not acknowledge a stream", err)
    end
    if kind == STREAM_CONTROL
        run.ctl_open = true
        spawn_infra(() -> control_stream_loop!(w, run))
    end
    complete === true && start_run!(w, run)
    return nothing
end

"""Arms the 10 s stream-connect deadline of a freshly accepted run."""
function arm_connect_timer!(w::WorkerState, run::Run)
    run.connect_timer = Timer(STREAM_CONNECT_TIMEOUT_S) do _
        spawn_infra(() -> abandon_run!(w, run, "streams did not connect within $(Int(STREAM_CONNECT_TIMEOUT_S)) s"))
    end
    return nothing
end

"""Forgets a run whose streams never all connected and reports RUN_DONE kind 2."""
function abandon_run!(w::WorkerState, run::Run, why::AbstractString)
    abandoned = lock(w.lock) do
        run.state === :pending || return false
        run.state = :finished
        delete!(w.runs, run.key)
        return true
    end
    abandoned || return nothing
    run.connect_timer === nothing || close(run.connect_timer)
    log_worker("run from client $(run.spec.client_pid) abandoned: $why")
    run.ctl_open = false
    for s in run.streams
        s === nothing && continue
        try
            close(s)
        catch
        end
    end
    send_control!(w, encode_run_done(run.spec.token, EXITKIND_ABANDONED, 0))
    after_run_removed!(w)
    return nothing
end

# ---- the per-run control stream ------------------------------------------------

"""Writes one frame to the client's control stream; false once it is gone."""
function send_client!(run::Run, bytes::Vector{UInt8})
    lock(run.ctl_lock)
    try
        run.ctl_open || return false
        sock = run.streams[STREAM_CONTROL]
        sock === nothing && return false
        write(sock, bytes)
        return true
    catch err
        # A SIGINT that cut the write short (the frame is in the kernel already) is the run's.
        err isa InterruptException && (forward_stray_interrupt!(); return true)
        run.ctl_open = false
        return false
    finally
        unlock(run.ctl_lock)
    end
end

function control_stream_loop!(w::WorkerState, run::Run)
    sock = run.streams[STREAM_CONTROL]::IO
    try
        while true
            f = read_frame(sock)
            f === nothing && break
            try
                handle_client_frame!(run, f)
            catch err
                # A malformed client frame is logged and skipped: the run goes on.
                log_worker("bad frame on a run control stream", err)
            end
        end
    catch err
        err isa EOFError || err isa Base.IOError ||
            log_worker("run control stream failed", err)
    end
    client_control_closed!(w, run)
    return nothing
end

function handle_client_frame!(run::Run, f::Frame)
    if f.type == FRAME_INTERRUPT
        decode_empty(f.payload)
        interrupt_run!(run)
    elseif f.type == FRAME_RAW_ACK
        on = decode_flag(f.payload)
        put!(run.raw_acks, on)
    elseif f.type == FRAME_SIZE
        sz = decode_size(f.payload)
        lock(run.size_cond)
        try
            run.size = sz
            notify(run.size_cond)
        finally
            unlock(run.size_cond)
        end
    end
    # Any other type is ignored: a newer client may send frames we do not know (§5.1).
    return nothing
end

"""The client's control stream closed: abandon a pending run, interrupt a running one."""
function client_control_closed!(w::WorkerState, run::Run)
    was_open = run.ctl_open
    run.ctl_open = false
    close(run.raw_acks)
    @lock run.size_cond notify(run.size_cond)
    state = @lock w.lock run.state
    if state === :pending
        abandon_run!(w, run, "the client's control stream closed before the run started")
    elseif state === :running && was_open
        # The client was killed before EXIT (§5.1): stop the run, discard its
        # output, report it abandoned; the conductor retires the worker if it
        # is still busy 5 s later.
        run.client_gone = true
        for o in (run.out, run.err)
            o isa RunOutput && (o.broken = true)
        end
        interrupt_run!(run)
    end
    return nothing
end

"""Terminal size for displaysize(): asks the client (SIZE_QUERY) when stdout is a tty."""
function run_displaysize(run::Run)
    if !hasflag(run, RUNFLAG_STDOUT_TTY)
        return env_displaysize()
    end
    sz = run.size
    sz === nothing || return sz
    send_client!(run, encode_size_query()) || return (24, 80)
    timer = Timer(SIZE_QUERY_TIMEOUT_S) do _
        @lock run.size_cond notify(run.size_cond)
    end
    lock(run.size_cond)
    try
        while run.size === nothing && run.ctl_open && isopen(timer)
            wait(run.size_cond)
        end
    finally
        unlock(run.size_cond)
        close(timer)
    end
    sz = run.size
    return sz === nothing ? (24, 80) : sz
end

"""julia's displaysize() for a non-tty: LINES and COLUMNS from the run's environment."""
function env_displaysize()
    rows = tryparse(Int, get(ENV, "LINES", "24"))
    cols = tryparse(Int, get(ENV, "COLUMNS", "80"))
    return (something(rows, 24), something(cols, 80))
end

"""RAW_MODE round trip: flush output, ask the client, wait for RAW_ACK."""
function request_raw_mode!(run::Run, on::Bool)
    try
        run.out === nothing || flush(run.out)
    catch
    end
    while isready(run.raw_acks)
        take!(run.raw_acks)
    end
    send_client!(run, encode_raw_mode(on)) || return false
    try
        return take!(run.raw_acks) == on
    catch
        return false    # the control stream closed while waiting
    end
end
