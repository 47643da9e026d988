# A workload that replays the golden protocol frames (golden_frames.jl,
# generated from fixtures/protocol/) through the worker's real frame reader,
# control-channel dispatcher, client-frame handler and encoders, so the first
# client does not pay for compiling the daemon's own code.
#
# When it runs: main.jl `include`s the worker (no package cache, see main.jl),
# so `jl_generating_output() == 1` only holds if someone builds a cache or
# sysimage containing DaemonWorker; then it runs at load time, as issue 4
# asks. In the normal start-up it runs once in `run_worker`, before HELLO: the
# worker is not yet registered, so the cost (compiling code the first request
# would compile anyway) is paid while no client waits on this worker. It has
# no side effects: replies go to an IOBuffer, nothing is activated or run.

"""Replays one golden frame; the same code paths a live frame of that type takes."""
function replay_frame!(w::WorkerState, run::Run, f::Frame)
    t = f.type
    if t == FRAME_PING || t in (FRAME_REQUEST, FRAME_ENV, FRAME_NEED_ENV, FRAME_ROUTE, FRAME_PROGRESS, FRAME_OUTPUT, FRAME_HANDOVER)
        dispatch_request!(w, f)            # PONG, or REPLY_ERROR UNEXPECTED, into w.control
    elseif t == FRAME_ACTIVATE
        decode_activate(f.payload)         # not dispatched: that would activate a project
    elseif t == FRAME_RUN
        Run(decode_run(f.payload))         # not dispatched: that would register a run
    elseif t == FRAME_ERROR
        m = decode_error(f.payload)        # not dispatched: that would log it
        encode_error(m.code, m.exit_code, m.message, m.hint)
    elseif t == FRAME_SIZE
        handle_client_frame!(run, f)
    elseif t == FRAME_HELLO
        d = Decoder(f.payload)
        encode_hello(; registration=get_u8!(d), worker_id=get_str!(d), secret=get_str!(d), pid=get_u32!(d),
            julia_version=get_str!(d), capabilities=get_u32!(d), run_socket=get_str!(d), active_runs=get_u32!(d))
    elseif t == FRAME_PONG
        d = Decoder(f.payload)
        encode_pong(get_u32!(d), get_u32!(d))
    elseif t == FRAME_RUN_DONE
        d = Decoder(f.payload)
        encode_run_done(get_token!(d), get_u8!(d), get_i32!(d), get_u8!(d))
    elseif t == FRAME_REPLY_ERROR
        d = Decoder(f.payload)
        encode_reply_error(get_u32!(d), get_u16!(d), get_str!(d))
    elseif t == FRAME_EXIT
        d = Decoder(f.payload)
        encode_exit(get_u8!(d), get_i32!(d))
    elseif t == FRAME_RAW_MODE
        encode_raw_mode(decode_flag(f.payload))
    elseif t == FRAME_INTERRUPT_BY_SIGNAL
        encode_interrupt_by_signal()
    elseif t == FRAME_READ_CREDIT
        encode_read_credit(decode_id_only(f.payload))
    else
        return false
    end
    return true
end

"""Replays every golden frame; returns how many were replayed (all, unless one fails)."""
function replay_golden_frames()
    w = WorkerState("precompile", "", "/nonexistent/c.sock", "/nonexistent/w.sock", 0.0, false)
    w.control = IOBuffer()
    run = Run(RunSpec(0, zeros(UInt8, TOKEN_BYTES), 0, 0, "", String[], Tuple{UInt8,String}[], "", String[],
        Pair{String,String}[], ""))
    n = 0
    for (_, hex) in GOLDEN_FRAMES
        f = read_frame(IOBuffer(hex2bytes(hex)))
        f === nothing && continue
        replay_frame!(w, run, f) && (n += 1)
    end
    # The stream handshake replies, the preamble check, and a colour decision.
    encode_stream_status(STREAM_STATUS_BAD_TOKEN, "unknown token")
    encode_stream_status(STREAM_STATUS_OK)
    check_preamble(preamble_bytes(MAGIC_STREAM), MAGIC_STREAM)
    encode_size_query()
    stream_color("auto", true, "xterm-256color")
    return n
end

function run_precompile_workload()
    try
        replay_golden_frames()
    catch err
        log_worker("precompile workload failed", err)
    end
    return nothing
end

if ccall(:jl_generating_output, Cint, ()) == 1
    run_precompile_workload()
end
