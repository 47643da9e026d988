# A workload that replays encoded protocol frames through the codec, so the
# first real request does not pay for compiling it. It runs while a package
# cache is generated (`jl_generating_output() == 1`) and, because main.jl
# includes the worker without a cache, once at start-up before HELLO.

function precompile_frames()
    token = collect(UInt8, 0x01:0x10)
    spec = RunSpec(UInt32(7), token, RUNFLAG_STDIN_TTY | RUNFLAG_HAS_PROGRAM, UInt32(4242), "/tmp",
        ["HOME=/tmp", "TERM=xterm-256color"], [(ACTION_EVAL, "1+1"), (ACTION_PRINT, "2"), (ACTION_LOAD, "x.jl")],
        "script.jl", ["a", "b"], ["banner" => "no", "color" => "yes"], "")
    io = IOBuffer()
    write(io, encode_id_only(FRAME_PING, 1))
    write(io, frame_bytes!(put_str!(put_u32!(Encoder(FRAME_ACTIVATE), 2), "/tmp/project")))
    write(io, encode_run(spec))
    write(io, frame_bytes!(put_u8!(Encoder(FRAME_SHUTDOWN), SHUTDOWN_SOFT)))
    write(io, frame_bytes!(put_raw!(Encoder(FRAME_CANCEL_RUN), token)))
    write(io, encode_error(ERR_UNKNOWN_WORKER, 75, "refused", ""))
    write(io, frame_bytes!(Encoder(FRAME_INTERRUPT)))
    write(io, frame_bytes!(put_u8!(Encoder(FRAME_RAW_ACK), 1)))
    write(io, frame_bytes!(put_u16!(put_u16!(Encoder(FRAME_SIZE), 24), 80)))
    return take!(io)
end

"""Decodes every frame of `precompile_frames()`; returns how many were understood."""
function replay_frames(bytes::Vector{UInt8})
    io = IOBuffer(bytes)
    n = 0
    while true
        f = read_frame(io)
        f === nothing && break
        t = f.type
        t == FRAME_PING && decode_id_only(f.payload)
        t == FRAME_ACTIVATE && decode_activate(f.payload)
        t == FRAME_RUN && decode_run(f.payload)
        t == FRAME_SHUTDOWN && decode_shutdown(f.payload)
        t == FRAME_CANCEL_RUN && token_key(decode_cancel_run(f.payload))
        t == FRAME_ERROR && decode_error(f.payload)
        t == FRAME_INTERRUPT && decode_empty(f.payload)
        t == FRAME_RAW_ACK && decode_flag(f.payload)
        t == FRAME_SIZE && decode_size(f.payload)
        n += 1
    end
    return n
end

function run_precompile_workload()
    try
        replay_frames(precompile_frames())
        token = collect(UInt8, 0x01:0x10)
        encode_hello(; registration=REGISTRATION_FRESH, worker_id="w", secret="s", pid=1,
            julia_version=string(VERSION), capabilities=capabilities(), run_socket="/tmp/w-w.sock", active_runs=0)
        encode_pong(1, 0)
        encode_reply_error(1, ERR_BUSY, "busy")
        encode_run_done(token, EXITKIND_CODE, 0)
        encode_exit(EXITKIND_SIGNAL, 2)
        encode_raw_mode(true)
        encode_size_query()
        encode_read_credit(STDIN_CREDIT_BYTES)
        encode_stream_status(STREAM_STATUS_BAD_TOKEN, "unknown token")
        check_preamble(preamble_bytes(MAGIC_STREAM), MAGIC_STREAM)
        stream_color("auto", true, "xterm-256color")
    catch err
        log_worker("precompile workload failed", err)
    end
    return nothing
end

if ccall(:jl_generating_output, Cint, ()) == 1
    run_precompile_workload()
end
