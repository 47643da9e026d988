# The client's stdin for one run, with read credit (docs/protocol.md §5.1).

# ---- stdin from the client, with read credit ---------------------------------

"""
Client stdin. Every read that would block first flushes the run's output (so a
prompt appears before the read) and sends READ_CREDIT, because a client reads a
tty only while it holds credit (typeahead stays with the shell otherwise).
"""
mutable struct RunInput <: IO
    sock::Union{Nothing,IO}
    data::Vector{UInt8}
    pos::Int
    at_eof::Bool
    lock::ReentrantLock
    before_block::Function   # (wanted::Int) -> nothing: flush outputs, send credit
end

RunInput(sock, before_block::Function) = RunInput(sock, UInt8[], 1, sock === nothing, ReentrantLock(), before_block)

buffered(i::RunInput) = length(i.data) - i.pos + 1

"""Ensures at least one buffered byte; false at EOF."""
function fill_input!(i::RunInput, wanted::Int=STDIN_CREDIT_BYTES)
    buffered(i) > 0 && return true
    poll_interrupt!()
    i.at_eof && return false
    lock(i.lock)
    try
        buffered(i) > 0 && return true
        i.at_eof && return false
        sock = i.sock::IO
        if bytesavailable(sock) == 0
            i.before_block(clamp(wanted, 1, STDIN_CREDIT_BYTES))
        end
        chunk = try
            readavailable(sock)
        catch err
            # A reset connection is end of input for the program, as a closed pipe is.
            err isa Base.IOError || err isa EOFError || rethrow()
            UInt8[]
        end
        if isempty(chunk)
            i.at_eof = true
            return false
        end
        if i.pos > length(i.data)
            i.data = chunk
        else
            i.data = append!(i.data[i.pos:end], chunk)
        end
        i.pos = 1
        return true
    finally
        unlock(i.lock)
    end
end

"""Makes every later read see EOF (used by exit() inside the REPL, and at run end)."""
function force_eof!(i::RunInput)
    i.at_eof = true
    i.data = UInt8[]
    i.pos = 1
    i.sock === nothing || try
        close(i.sock)
    catch
    end
    return nothing
end

Base.eof(i::RunInput) = !fill_input!(i)
Base.bytesavailable(i::RunInput) = buffered(i)
Base.isopen(i::RunInput) = buffered(i) > 0 || !i.at_eof
Base.isreadable(i::RunInput) = isopen(i)
Base.iswritable(::RunInput) = false
Base.close(i::RunInput) = force_eof!(i)
Base.reseteof(::RunInput) = nothing

function Base.read(i::RunInput, ::Type{UInt8})
    fill_input!(i, 1) || throw(EOFError())
    b = i.data[i.pos]
    i.pos += 1
    return b
end

function Base.peek(i::RunInput, ::Type{UInt8})
    fill_input!(i, 1) || throw(EOFError())
    return i.data[i.pos]
end

function Base.unsafe_read(i::RunInput, p::Ptr{UInt8}, n::UInt)
    done = 0
    while done < n
        fill_input!(i, Int(n) - done) || throw(EOFError())
        k = min(Int(n) - done, buffered(i))
        GC.@preserve i unsafe_copyto!(p + done, pointer(i.data, i.pos), k)
        i.pos += k
        done += k
    end
    return nothing
end

function Base.readavailable(i::RunInput)
    fill_input!(i) || return UInt8[]
    out = i.data[i.pos:end]
    i.data = UInt8[]
    i.pos = 1
    return out
end

function Base.readbytes!(i::RunInput, b::AbstractVector{UInt8}, nb=length(b))
    nr = 0
    while nr < nb && fill_input!(i, nb - nr)
        k = min(nb - nr, buffered(i))
        if nr + k > length(b)
            resize!(b, nr + k)
        end
        copyto!(b, nr + 1, i.data, i.pos, k)
        i.pos += k
        nr += k
    end
    return nr
end

function Base.read(i::RunInput)
    out = UInt8[]
    while fill_input!(i)
        append!(out, view(i.data, i.pos:length(i.data)))
        i.data = UInt8[]
        i.pos = 1
    end
    return out
end

function Base.read(i::RunInput, nb::Integer)
    b = Vector{UInt8}(undef, 0)
    readbytes!(i, b, Int(nb))
    return b
end

function Base.readuntil(i::RunInput, delim::UInt8; keep::Bool=false)
    out = UInt8[]
    while fill_input!(i)
        j = findnext(==(delim), i.data, i.pos)
        if j === nothing
            append!(out, view(i.data, i.pos:length(i.data)))
            i.data = UInt8[]
            i.pos = 1
        else
            append!(out, view(i.data, i.pos:(keep ? j : j - 1)))
            i.pos = j + 1
            return out
        end
    end
    return out
end
