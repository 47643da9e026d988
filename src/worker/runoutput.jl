# Buffered output to one client stream (stdout or stderr of a run): many tiny
# writes must not become many syscalls, yet a prompt must appear before a read
# and everything must be out before EXIT.

# ---- buffered output to one client stream ------------------------------------

"""
Buffered writer to a client's stdout or stderr socket. Thread-safe; a flusher
task empties the buffer at the next scheduler yield, and a writer that never
yields is flushed once its oldest unflushed byte is OUTPUT_MAX_DELAY_NS old.
When no flusher can run beside the writer (`eager`), every write goes out at once.
"""
mutable struct RunOutput <: IO
    sock::Union{Nothing,IO}
    buf::Vector{UInt8}
    len::Int
    first_ns::UInt64
    lock::ReentrantLock
    kick::Any                                # auto-reset event (compat.jl)
    closed::Bool
    broken::Bool
    color::Bool
    size_fn::Function
    discard::Bool            # after exit() in a REPL: its frontend's drawing goes nowhere
    eager::Bool              # no flusher can run while the writer computes: each write leaves at once
end

function RunOutput(sock::Union{Nothing,IO}; color::Bool, size_fn::Function)
    o = RunOutput(sock, Vector{UInt8}(undef, OUTPUT_BUFFER_BYTES), 0, UInt64(0),
        ReentrantLock(), new_autoreset_event(), false, false, color, size_fn, false, false)
    start_flusher!(o)
    return o
end

# The flusher is infrastructure: on an interactive thread other than the
# writer's when there is one, so output leaves while the writer computes.
function start_flusher!(o::RunOutput)
    return spawn_infra() do
        while !o.closed
            # ignoring_interrupts: an idle flusher is where a SIGINT meant for the run often lands.
            ignoring_interrupts(() -> wait(o.kick))
            o.closed && break
            # Coalesce a burst of small writes into one socket write.
            ignoring_interrupts(() -> sleep(0.001))
            o.closed && break
            try
                flush(o)
            catch err
                # A broken socket is recorded in `o.broken`; the writer sees the error.
                err isa InterruptException && forward_stray_interrupt!()
            end
        end
    end
end

function flush_locked!(o::RunOutput)
    o.len == 0 && return nothing
    n = o.len
    o.len = 0
    o.first_ns = UInt64(0)
    (o.sock === nothing || o.broken) && return nothing
    try
        GC.@preserve o unsafe_write(o.sock, pointer(o.buf), UInt(n))
    catch err
        if err isa InterruptException
            # Ctrl-C while libuv still had the write (julia raises it as the write's wait
            # ends, as for its own stdout): the bytes are queued, and libuv may still read
            # the buffer, so it is left to it and the stream goes on.
            orphan_buffer!(o.buf)
            o.buf = Vector{UInt8}(undef, length(o.buf))
        else
            o.broken = true
        end
        rethrow()
    end
    return nothing
end

"""Buffers of writes interrupted by Ctrl-C, which libuv may still read from: the last few are kept alive."""
const ORPHANED_BUFFERS = Vector{Vector{UInt8}}()
const ORPHANED_LOCK = ReentrantLock()

function orphan_buffer!(buf::Vector{UInt8})
    @lock ORPHANED_LOCK begin
        push!(ORPHANED_BUFFERS, buf)
        length(ORPHANED_BUFFERS) > 16 && popfirst!(ORPHANED_BUFFERS)   # long since written
    end
    return nothing
end

function check_writable(o::RunOutput)
    o.closed && throw(Base.IOError("stream is closed or unusable", 0))
    return nothing
end

function Base.unsafe_write(o::RunOutput, p::Ptr{UInt8}, n::UInt)
    poll_interrupt!()
    (n == 0 || o.discard) && return n
    lock(o.lock)
    try
        check_writable(o)
        if n > length(o.buf) - o.len
            flush_locked!(o)
            if n >= length(o.buf)
                # Too big to be worth copying: straight to the socket.
                (o.sock === nothing || o.broken) || unsafe_write(o.sock, p, n)
                return n
            end
        end
        unsafe_copyto!(pointer(o.buf, o.len + 1), p, n)
        after_append!(o, Int(n))
    finally
        unlock(o.lock)
    end
    return n
end

function Base.write(o::RunOutput, b::UInt8)
    poll_interrupt!()
    o.discard && return 1
    lock(o.lock)
    try
        check_writable(o)
        o.len == length(o.buf) && flush_locked!(o)
        o.buf[o.len+1] = b
        after_append!(o, 1)
    finally
        unlock(o.lock)
    end
    return 1
end

function after_append!(o::RunOutput, n::Int)
    was_empty = o.len == 0
    o.len += n
    if o.eager
        # No thread of ours runs while user code computes: a flusher could not send
        # what a loop that never yields printed first. julia's own stdout writes at
        # once too (a libuv write per call), so this is the same cost.
        flush_locked!(o)
    elseif was_empty
        o.first_ns = time_ns()
        notify(o.kick)
    elseif o.len == length(o.buf) || time_ns() - o.first_ns > OUTPUT_MAX_DELAY_NS
        flush_locked!(o)
    end
    return nothing
end

function Base.flush(o::RunOutput)
    o.closed && return nothing
    lock(o.lock)
    try
        flush_locked!(o)
        o.sock === nothing || o.broken || flush(o.sock)
    finally
        unlock(o.lock)
    end
    return nothing
end

"""Flushes and closes; never throws (the run is ending or the client is gone)."""
function close_output!(o::RunOutput)
    lock(o.lock)
    try
        o.closed && return nothing
        try
            flush_locked!(o)
        catch
        end
        o.closed = true
        notify(o.kick)
        o.sock === nothing || try
            close(o.sock)
        catch
        end
    finally
        unlock(o.lock)
    end
    return nothing
end

# User code calling close(stdout) ends its own output, as in julia.
Base.close(o::RunOutput) = close_output!(o)
Base.isopen(o::RunOutput) = !o.closed
Base.iswritable(o::RunOutput) = !o.closed
Base.isreadable(::RunOutput) = false
Base.lock(o::RunOutput) = lock(o.lock)
Base.unlock(o::RunOutput) = unlock(o.lock)
Base.get(o::RunOutput, key, default) = key === :color ? o.color : default
Base.haskey(o::RunOutput, key) = key === :color
Base.in(kv::Pair, o::RunOutput) = kv.first === :color && kv.second === o.color
Base.displaysize(o::RunOutput) = o.size_fn()::Tuple{Int,Int}
