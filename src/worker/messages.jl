# Message layouts of the control channel and the per-run control stream, on
# top of protocol.jl's Decoder/Encoder. Field order is byte order, exactly as
# docs/protocol.md §4–§5 (and src/shared/protocol/*-messages.ts) lay them out.

# ---- messages: worker <-> conductor -----------------------------------------

function encode_hello(; registration, worker_id, secret, pid, julia_version, capabilities, run_socket, active_runs)
    e = Encoder(FRAME_HELLO)
    put_u8!(e, registration)
    put_str!(e, worker_id)
    put_str!(e, secret)
    put_u32!(e, pid)
    put_str!(e, julia_version)
    put_u32!(e, capabilities)
    put_str!(e, run_socket)
    put_u32!(e, active_runs)
    return frame_bytes!(e)
end

encode_id_only(type::UInt8, id::Integer) = frame_bytes!(put_u32!(Encoder(type), id))
encode_pong(id::Integer, active_runs::Integer) = frame_bytes!(put_u32!(put_u32!(Encoder(FRAME_PONG), id), active_runs))
encode_reply_error(id::Integer, code::Integer, msg::AbstractString) =
    frame_bytes!(put_str!(put_u16!(put_u32!(Encoder(FRAME_REPLY_ERROR), id), code), one_line(msg)))
encode_run_done(token::Vector{UInt8}, kind::Integer, value::Integer, flags::Integer=0) =
    frame_bytes!(put_u8!(put_i32!(put_u8!(put_raw!(Encoder(FRAME_RUN_DONE), token), kind), value), flags))
encode_error(code::Integer, exit_code::Integer, msg::AbstractString, hint::AbstractString="") =
    frame_bytes!(put_str!(put_str!(put_u8!(put_u16!(Encoder(FRAME_ERROR), code), exit_code), one_line(msg)), one_line(hint)))

"""ERROR and REPLY_ERROR messages are one line without a trailing newline."""
one_line(s::AbstractString) = replace(rstrip(String(s)), r"\r?\n" => " | ")

function decode_error(p::Vector{UInt8})
    d = Decoder(p)
    m = (code=get_u16!(d), exit_code=get_u8!(d), message=get_str!(d), hint=get_str!(d))
    finish!(d)
    return m
end

function decode_id_only(p::Vector{UInt8})
    d = Decoder(p)
    id = get_u32!(d)
    finish!(d)
    return id
end

function decode_activate(p::Vector{UInt8})
    d = Decoder(p)
    m = (id=get_u32!(d), project=get_str!(d))
    finish!(d)
    return m
end

function decode_shutdown(p::Vector{UInt8})
    d = Decoder(p)
    mode = get_u8!(d)
    finish!(d)
    return mode
end

function decode_cancel_run(p::Vector{UInt8})
    d = Decoder(p)
    token = get_token!(d)
    finish!(d)
    return token
end

"""A decoded RUN request (docs/protocol.md §4.3)."""
struct RunSpec
    id::UInt32
    token::Vector{UInt8}
    flags::UInt32
    client_pid::UInt32
    cwd::String
    env::Vector{String}
    actions::Vector{Tuple{UInt8,String}}
    program_file::String
    args::Vector{String}
    switches::Vector{Pair{String,String}}
    session::String
end

function decode_run(p::Vector{UInt8})
    d = Decoder(p)
    id = get_u32!(d)
    token = get_token!(d)
    flags = get_u32!(d)
    client_pid = get_u32!(d)
    cwd = get_str!(d)
    env = get_strs!(d)
    n = get_count!(d, 5, "actions")
    actions = Vector{Tuple{UInt8,String}}(undef, n)
    for i in 1:n
        kind = get_u8!(d)
        actions[i] = (kind, get_str!(d))
    end
    program_file = get_str!(d)
    args = get_strs!(d)
    switches = get_pairs!(d)
    session = get_str!(d)
    finish!(d)
    return RunSpec(id, token, flags, client_pid, cwd, env, actions, program_file, args, switches, session)
end

"""Only used by tests and the precompile workload: the conductor side of RUN."""
function encode_run(m::RunSpec)
    e = Encoder(FRAME_RUN)
    put_u32!(e, m.id); put_raw!(e, m.token); put_u32!(e, m.flags); put_u32!(e, m.client_pid)
    put_str!(e, m.cwd); put_strs!(e, m.env)
    put_u32!(e, length(m.actions))
    for (kind, value) in m.actions
        put_u8!(e, kind); put_str!(e, value)
    end
    put_str!(e, m.program_file); put_strs!(e, m.args); put_pairs!(e, m.switches); put_str!(e, m.session)
    return frame_bytes!(e)
end

# ---- messages: worker <-> client per-run control stream ---------------------

encode_exit(kind::Integer, value::Integer) = frame_bytes!(put_i32!(put_u8!(Encoder(FRAME_EXIT), kind), value))
encode_raw_mode(on::Bool) = frame_bytes!(put_u8!(Encoder(FRAME_RAW_MODE), on ? 1 : 0))
encode_size_query() = frame_bytes!(Encoder(FRAME_SIZE_QUERY))
encode_read_credit(n::Integer) = frame_bytes!(put_u32!(Encoder(FRAME_READ_CREDIT), n))
encode_interrupt_by_signal() = frame_bytes!(Encoder(FRAME_INTERRUPT_BY_SIGNAL))

function decode_flag(p::Vector{UInt8})
    d = Decoder(p)
    v = get_u8!(d)
    finish!(d)
    return v != 0
end

function decode_size(p::Vector{UInt8})
    d = Decoder(p)
    rows = get_u16!(d)
    cols = get_u16!(d)
    finish!(d)
    return (Int(rows), Int(cols))
end

function decode_empty(p::Vector{UInt8})
    isempty(p) || throw(ProtocolError(ERR_MALFORMED, "$(length(p)) bytes in an empty frame"))
    return nothing
end

"""Stream status reply (§5): status byte, then `str message` unless OK."""
function encode_stream_status(status::UInt8, msg::AbstractString="")
    io = IOBuffer()
    write(io, status)
    if status != STREAM_STATUS_OK
        bytes = codeunits(String(msg))
        write(io, htol(UInt32(length(bytes))))
        write(io, bytes)
    end
    return take!(io)
end

token_key(token::Vector{UInt8}) = bytes2hex(token)
