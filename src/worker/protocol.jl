# Framing and field codec: with messages.jl, the only Julia code that knows wire bytes.
# Layouts follow docs/protocol.md field for field (field order = byte order,
# little-endian via htol/ltoh). Decoding never reads past a payload and
# rejects short or trailing bytes with a ProtocolError (MALFORMED), which the
# callers turn into REPLY_ERROR / ERROR frames instead of crashing.

"""A protocol violation; `code` is one of the `ERR_*` constants."""
struct ProtocolError <: Exception
    code::UInt16
    msg::String
end
Base.showerror(io::IO, e::ProtocolError) =
    print(io, "protocol error ", get(ERROR_NAMES, e.code, "UNKNOWN"), ": ", e.msg)

# ---- decoding ---------------------------------------------------------------

"""Cursor over one frame payload."""
mutable struct Decoder
    data::Vector{UInt8}
    pos::Int
end
Decoder(data::Vector{UInt8}) = Decoder(data, 1)

remaining(d::Decoder) = length(d.data) - d.pos + 1

function need!(d::Decoder, n::Integer, what::String)
    if n < 0 || remaining(d) < n
        throw(ProtocolError(ERR_MALFORMED,
            "truncated $what: need $n bytes at offset $(d.pos - 1), have $(remaining(d))"))
    end
    return nothing
end

# Fixed-width little-endian integers; unsafe_load with a byte pointer is an
# unaligned load (pointerref with alignment 1), valid on every platform.
function get_int!(d::Decoder, ::Type{T}) where {T<:Union{UInt8,UInt16,UInt32,Int32,UInt64}}
    need!(d, sizeof(T), string(T))
    v = GC.@preserve d begin
        ltoh(unsafe_load(Ptr{T}(pointer(d.data, d.pos))))
    end
    d.pos += sizeof(T)
    return v
end
get_u8!(d::Decoder) = get_int!(d, UInt8)
get_u16!(d::Decoder) = get_int!(d, UInt16)
get_u32!(d::Decoder) = get_int!(d, UInt32)
get_i32!(d::Decoder) = get_int!(d, Int32)
get_u64!(d::Decoder) = get_int!(d, UInt64)

function get_raw!(d::Decoder, n::Integer)
    need!(d, n, "bytes")
    out = d.data[d.pos:d.pos+n-1]
    d.pos += n
    return out
end

get_token!(d::Decoder) = get_raw!(d, TOKEN_BYTES)

function get_str!(d::Decoder)
    n = get_u32!(d)
    need!(d, n, "string")
    s = String(d.data[d.pos:d.pos+Int(n)-1])
    d.pos += Int(n)
    return s
end

# A list count is checked against the bytes left before allocating, so a
# hostile count cannot make the worker allocate gigabytes (each element is at
# least `min_elem` bytes on the wire).
function get_count!(d::Decoder, min_elem::Int, what::String)
    n = get_u32!(d)
    if Int(n) * min_elem > remaining(d)
        throw(ProtocolError(ERR_MALFORMED, "$what count $n exceeds the payload"))
    end
    return Int(n)
end

function get_strs!(d::Decoder)
    n = get_count!(d, 4, "strs")
    out = Vector{String}(undef, n)
    for i in 1:n
        out[i] = get_str!(d)
    end
    return out
end

function get_pairs!(d::Decoder)
    n = get_count!(d, 8, "pairs")
    out = Vector{Pair{String,String}}(undef, n)
    for i in 1:n
        k = get_str!(d)
        out[i] = k => get_str!(d)
    end
    return out
end

"""The payload must be consumed exactly: trailing bytes are MALFORMED."""
function finish!(d::Decoder)
    remaining(d) == 0 ||
        throw(ProtocolError(ERR_MALFORMED, "$(remaining(d)) trailing bytes after the payload"))
    return nothing
end

# ---- encoding ---------------------------------------------------------------

"""Builds one frame: header placeholder, then fields, then `frame_bytes!` patches the length."""
struct Encoder
    io::IOBuffer
end
function Encoder(type::UInt8)
    io = IOBuffer()
    write(io, type)
    write(io, htol(UInt32(0)))
    return Encoder(io)
end

put_u8!(e::Encoder, v::Integer) = (write(e.io, UInt8(v)); e)
put_u16!(e::Encoder, v::Integer) = (write(e.io, htol(UInt16(v))); e)
put_u32!(e::Encoder, v::Integer) = (write(e.io, htol(UInt32(v))); e)
put_i32!(e::Encoder, v::Integer) = (write(e.io, htol(Int32(v))); e)
put_u64!(e::Encoder, v::Integer) = (write(e.io, htol(UInt64(v))); e)
put_raw!(e::Encoder, b::AbstractVector{UInt8}) = (write(e.io, b); e)
function put_str!(e::Encoder, s::AbstractString)
    bytes = codeunits(String(s))
    put_u32!(e, length(bytes))
    write(e.io, bytes)
    return e
end
function put_strs!(e::Encoder, list)
    put_u32!(e, length(list))
    for s in list
        put_str!(e, s)
    end
    return e
end
function put_pairs!(e::Encoder, list)
    put_u32!(e, length(list))
    for (k, v) in list
        put_str!(e, k)
        put_str!(e, v)
    end
    return e
end

function frame_bytes!(e::Encoder)
    bytes = take!(e.io)
    n = length(bytes) - FRAME_HEADER_BYTES
    n <= MAX_FRAME_BYTES || throw(ProtocolError(ERR_FRAME_TOO_LARGE, "outgoing frame of $n bytes"))
    bytes[2:5] = reinterpret(UInt8, [htol(UInt32(n))])
    return bytes
end

preamble_bytes(magic::Vector{UInt8}) = vcat(magic, reinterpret(UInt8, [htol(PROTOCOL_VERSION)]))

# ---- reading frames from a stream -------------------------------------------

"""One received frame."""
struct Frame
    type::UInt8
    payload::Vector{UInt8}
end

"""
    read_frame(io) -> Frame or nothing

`nothing` on a clean EOF before a header. A header announcing more than
MAX_FRAME_BYTES raises ProtocolError(FRAME_TOO_LARGE) without reading the
payload; EOF inside a frame raises EOFError.
"""
function read_frame(io::IO)
    ignoring_interrupts(() -> eof(io)) && return nothing
    hdr = Vector{UInt8}(undef, FRAME_HEADER_BYTES)
    read_exact!(io, hdr)
    d = Decoder(hdr)
    type = get_u8!(d)
    n = get_u32!(d)
    n <= MAX_FRAME_BYTES ||
        throw(ProtocolError(ERR_FRAME_TOO_LARGE, "frame type $(repr(type)) announces $n bytes"))
    payload = Vector{UInt8}(undef, n)
    n > 0 && read_exact!(io, payload)
    return Frame(type, payload)
end

"""
`read!` that a stray InterruptException cannot tear: the wait for the bytes
consumes nothing and is retried; the copy starts only once all are buffered.
"""
function read_exact!(io::IO, buf::Vector{UInt8})
    io isa Base.LibuvStream && ignoring_interrupts(() -> Base.wait_readnb(io, length(buf)))
    read!(io, buf)
    return buf
end

"""Reads and checks a 6-byte preamble; returns nothing or the STREAM_STATUS_* / ERR_* problem."""
function check_preamble(bytes::Vector{UInt8}, magic::Vector{UInt8})
    length(bytes) == PREAMBLE_BYTES || return :short
    bytes[1:4] == magic || return :bad_magic
    ltoh(reinterpret(UInt16, bytes[5:6])[1]) == PROTOCOL_VERSION || return :bad_version
    return :ok
end
