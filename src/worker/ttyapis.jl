# Terminal APIs user code calls on its own stdin/stdout, answered with the
# client's terminal: `raw!` on a `TTYTerminal(TERM, stdin, stdout, stderr)`
# (TerminalMenus builds one on every request), `Base.getpass` (LibGit2's
# credential prompts) and `displaysize` (through the proxies, runoutput.jl).

"""`raw!(::TTYTerminal)` for a terminal over the run's stdio: a RAW_MODE round trip to the client."""
function tty_raw!(t, raw::Bool)
    if t.in_stream isa ScopedInput
        run = current_run()
        (run isa Run && hasflag(run, RUNFLAG_STDIN_TTY)) || return false
        return request_raw_mode!(run, raw)
    end
    # REPL.Terminals' own method (Unix), for a terminal over some other stream.
    REPL.Terminals.check_open(t.in_stream)
    return ccall(:jl_tty_set_mode, Int32, (Ptr{Cvoid}, Int32), t.in_stream.handle, raw) != -1
end

function install_tty_raw!()
    Sys.iswindows() && return nothing
    Core.eval(REPL.Terminals, :(raw!(t::TTYTerminal, raw::Bool) = $(tty_raw!)(t, raw)))
    return nothing
end

"""
`Base.getpass(prompt)` with the run's stdin and stdout (Base leaves this method
to custom streams): the prompt, then the client's terminal in raw mode so
nothing is echoed, until Enter. As julia on a non-terminal stdin, it refuses
to read a secret from a pipe.
"""
function Base.getpass(input::ScopedInput, output::ScopedOutput, prompt::AbstractString)
    run = current_run()
    (run isa Run && hasflag(run, RUNFLAG_STDIN_TTY)) ||
        throw(ArgumentError("getpass only works for a terminal stdin"))
    print(output, prompt, ": ")
    flush(output)
    bytes = UInt8[]
    request_raw_mode!(run, true)
    try
        while !eof(input)
            c = read(input, UInt8)
            (c == UInt8('\r') || c == UInt8('\n') || c == 0x04) && break
            c == 0x03 && throw(InterruptException())
            if c == 0x7f || c == 0x08
                isempty(bytes) || (bytes[end] = 0x00; pop!(bytes))
            else
                push!(bytes, c)
            end
        end
    finally
        request_raw_mode!(run, false)
        println(output)
    end
    return Base.SecretBuffer!(bytes)
end
