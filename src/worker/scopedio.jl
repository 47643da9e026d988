# Per-run stdio. Base.stdin/stdout/stderr are replaced once, at start-up, by
# proxies that resolve to the current run: through a ScopedValue on Julia >= 1.11
# (so `@async`/`Threads.@spawn` children inherit their run's streams and
# concurrent runs stay apart), and through one global slot on 1.10, which
# therefore runs one run at a time. Output is buffered (many tiny writes must
# not become many syscalls) and flushed on size, age, yield, before a stdin read
# and completely before EXIT.

const OUTPUT_BUFFER_BYTES = 64 * 1024
# A writer that never yields still gets its output out within this delay.
const OUTPUT_MAX_DELAY_NS = UInt64(5_000_000)
# Largest stdin chunk a blocking read asks the client for (READ_CREDIT).
const STDIN_CREDIT_BYTES = 64 * 1024

# ---- which run is this task working for? ------------------------------------

@static if VERSION >= v"1.11"
    # Typed Any: the Run type is defined later, and a ScopedValue's type is fixed.
    const CURRENT_RUN = Base.ScopedValues.ScopedValue{Any}(nothing)
    current_run() = CURRENT_RUN[]
    with_run(f, run) = Base.ScopedValues.with(f, CURRENT_RUN => run)
else
    # Julia 1.10 has no ScopedValues: child tasks could not inherit a
    # task-local value, so the worker serialises runs (capability bit 0 clear)
    # and the single active run lives in a global slot.
    const ACTIVE_RUN = Ref{Any}(nothing)
    current_run() = ACTIVE_RUN[]
    function with_run(f, run)
        ACTIVE_RUN[] = run
        try
            return f()
        finally
            ACTIVE_RUN[] = nothing
        end
    end
end

# ---- buffered output to one client stream ------------------------------------

"""
Buffered writer to a client's stdout or stderr socket. Thread-safe; a flusher
task empties the buffer at the next scheduler yield, and a writer that never
yields is flushed once its oldest unflushed byte is OUTPUT_MAX_DELAY_NS old.
"""
mutable struct RunOutput <: IO
    sock::Union{Nothing,IO}
    buf::Vector{UInt8}
    len::Int
    first_ns::UInt64
    lock::ReentrantLock
    kick::Base.Event
    closed::Bool
    broken::Bool
    color::Bool
    size_fn::Function
end

function RunOutput(sock::Union{Nothing,IO}; color::Bool, size_fn::Function)
    o = RunOutput(sock, Vector{UInt8}(undef, OUTPUT_BUFFER_BYTES), 0, UInt64(0),
        ReentrantLock(), Base.Event(true), false, false, color, size_fn)
    start_flusher!(o)
    return o
end

function start_flusher!(o::RunOutput)
    t = Task() do
        while !o.closed
            wait(o.kick)
            o.closed && break
            # Coalesce a burst of small writes into one socket write.
            sleep(0.001)
            o.closed && break
            try
                flush(o)
            catch
                # A broken socket is recorded in `o.broken`; the writer sees the error.
            end
        end
    end
    # Not sticky: on a multi-threaded worker it may run while the writer spins.
    t.sticky = false
    schedule(t)
    return t
end

function flush_locked!(o::RunOutput)
    o.len == 0 && return nothing
    n = o.len
    o.len = 0
    o.first_ns = UInt64(0)
    (o.sock === nothing || o.broken) && return nothing
    try
        GC.@preserve o unsafe_write(o.sock, pointer(o.buf), UInt(n))
    catch
        o.broken = true
        rethrow()
    end
    return nothing
end

function check_writable(o::RunOutput)
    o.closed && throw(Base.IOError("stream is closed or unusable", 0))
    return nothing
end

function Base.unsafe_write(o::RunOutput, p::Ptr{UInt8}, n::UInt)
    n == 0 && return UInt(0)
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
    if was_empty
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

# ---- the process-wide proxies -------------------------------------------------

"""Base.stdout / Base.stderr after start-up: forwards to the current run's stream."""
struct ScopedOutput <: IO
    which::Int   # 1 stdout, 2 stderr
end

"""Base.stdin after start-up: forwards to the current run's stdin."""
struct ScopedInput <: IO end

# The worker's own stdio (the conductor's log), used outside any run.
const WORKER_STDIN = Ref{IO}(devnull)
const WORKER_STDOUT = Ref{IO}(devnull)
const WORKER_STDERR = Ref{IO}(devnull)

function out_target(p::ScopedOutput)
    run = current_run()
    run === nothing && return p.which == 1 ? WORKER_STDOUT[] : WORKER_STDERR[]
    return p.which == 1 ? run.out::RunOutput : run.err::RunOutput
end

function in_target(::ScopedInput)
    run = current_run()
    run === nothing && return WORKER_STDIN[]
    return run.inp::RunInput
end

Base.unsafe_write(p::ScopedOutput, ptr::Ptr{UInt8}, n::UInt) = unsafe_write(out_target(p), ptr, n)
Base.write(p::ScopedOutput, b::UInt8) = write(out_target(p), b)
Base.flush(p::ScopedOutput) = flush(out_target(p))
Base.close(p::ScopedOutput) = close(out_target(p))
Base.isopen(p::ScopedOutput) = isopen(out_target(p))
Base.iswritable(p::ScopedOutput) = iswritable(out_target(p))
Base.isreadable(::ScopedOutput) = false
Base.lock(p::ScopedOutput) = lock(out_target(p))
Base.unlock(p::ScopedOutput) = unlock(out_target(p))
Base.get(p::ScopedOutput, key, default) = get(out_target(p), key, default)
Base.haskey(p::ScopedOutput, key) = haskey(out_target(p), key)
Base.in(kv::Pair, p::ScopedOutput) = in(kv, out_target(p))
Base.displaysize(p::ScopedOutput) = displaysize(out_target(p))

Base.eof(p::ScopedInput) = eof(in_target(p))
Base.bytesavailable(p::ScopedInput) = bytesavailable(in_target(p))
Base.isopen(p::ScopedInput) = isopen(in_target(p))
Base.isreadable(p::ScopedInput) = isreadable(in_target(p))
Base.iswritable(::ScopedInput) = false
Base.close(p::ScopedInput) = close(in_target(p))
Base.reseteof(p::ScopedInput) = Base.reseteof(in_target(p))
Base.read(p::ScopedInput, ::Type{UInt8}) = read(in_target(p), UInt8)
Base.peek(p::ScopedInput, ::Type{UInt8}) = peek(in_target(p), UInt8)
Base.unsafe_read(p::ScopedInput, ptr::Ptr{UInt8}, n::UInt) = unsafe_read(in_target(p), ptr, n)
Base.readavailable(p::ScopedInput) = readavailable(in_target(p))
Base.readbytes!(p::ScopedInput, b::AbstractVector{UInt8}, nb=length(b)) = readbytes!(in_target(p), b, nb)
Base.read(p::ScopedInput) = read(in_target(p))
Base.read(p::ScopedInput, nb::Integer) = read(in_target(p), nb)
Base.readuntil(p::ScopedInput, delim::UInt8; keep::Bool=false) = readuntil(in_target(p), delim; keep=keep)

const STDOUT_PROXY = ScopedOutput(1)
const STDERR_PROXY = ScopedOutput(2)
const STDIN_PROXY = ScopedInput()

# File descriptors 0-2 as the worker started, restored after a run in case user
# code redirected them (redirect_stdout(pipe) dup2s onto fd 1).
const SAVED_FDS = Cint[-1, -1, -1]

"""
Installs the proxies as Base.stdin/stdout/stderr, points the display stack and
the global logger at them. Runtime only (never while generating a cache).
"""
function install_stdio_proxies!()
    WORKER_STDIN[] = stdin
    WORKER_STDOUT[] = stdout
    WORKER_STDERR[] = stderr
    for fd in 0:2
        SAVED_FDS[fd+1] = ccall(:dup, Cint, (Cint,), fd)
    end
    setglobal!(Base, :stdin, STDIN_PROXY)
    setglobal!(Base, :stdout, STDOUT_PROXY)
    setglobal!(Base, :stderr, STDERR_PROXY)
    # TextDisplay(stdout) captured the real stdout at boot; rebuild it on the proxy.
    Base.Multimedia.reinit_displays()
    Logging.global_logger(Logging.ConsoleLogger(STDERR_PROXY))
    return nothing
end

"""Puts the proxies (and fds 0-2) back after user code redirected them; no run may be active."""
function restore_stdio!()
    Base.stdin === STDIN_PROXY || setglobal!(Base, :stdin, STDIN_PROXY)
    Base.stdout === STDOUT_PROXY || setglobal!(Base, :stdout, STDOUT_PROXY)
    Base.stderr === STDERR_PROXY || setglobal!(Base, :stderr, STDERR_PROXY)
    for fd in 0:2
        SAVED_FDS[fd+1] >= 0 && ccall(:dup2, Cint, (Cint, Cint), SAVED_FDS[fd+1], fd)
    end
    return nothing
end

# `redirect_stdout(f, io)` restores the previous stream when f returns; that
# previous stream is our proxy, which Base's redirect machinery does not know.
@static if isdefined(Base, :RedirectStdStream)
    function (f::Base.RedirectStdStream)(p::Union{ScopedOutput,ScopedInput})
        fd = f.unix_fd
        SAVED_FDS[fd+1] >= 0 && ccall(:dup2, Cint, (Cint, Cint), SAVED_FDS[fd+1], fd)
        setglobal!(Base, fd == 0 ? :stdin : fd == 1 ? :stdout : :stderr, p)
        return p
    end
end

# ---- colour ---------------------------------------------------------------------

# Terminal types known to support colour when terminfo cannot be consulted.
const COLOR_TERM_PREFIXES = ("xterm", "screen", "tmux", "rxvt", "linux", "vt220", "ansi", "cygwin",
    "putty", "konsole", "gnome", "alacritty", "kitty", "foot", "wezterm", "st-", "contour", "iterm")

"""
julia's `ttyhascolor`: TERM starting with xterm, else the terminfo `setaf`
capability (>= 1.11 reads terminfo; we read it for the client's TERM).
"""
function term_has_color(term::AbstractString)
    (isempty(term) || term == "dumb") && return false
    startswith(term, "xterm") && return true
    if isdefined(Base, :load_terminfo)
        try
            ti = Base.load_terminfo(String(term))
            return haskey(ti, :setaf)
        catch
        end
    end
    return any(p -> startswith(term, p), COLOR_TERM_PREFIXES)
end

"""Colour for one stream: `--color=yes|no` wins; auto = that stream is a tty with a colour TERM."""
function stream_color(color_switch::AbstractString, is_tty::Bool, term::AbstractString)
    color_switch == "yes" && return true
    color_switch == "no" && return false
    return is_tty && term_has_color(term)
end
