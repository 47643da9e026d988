# Whether a run's stream gets colour: julia's --color and ttyhascolor rules,
# applied to the client's terminal instead of the worker's.

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

"""
Whether `--color=yes` colours a pipe or file: a julia whose pipes take `:color`
from their own `get` method. Before that (1.5), a pipe's `get(io, :color)` is
the generic `get(::IO, ...)` default: only a tty is coloured.
"""
const PIPES_HONOUR_COLOR_YES = which(get, (Base.PipeEndpoint, Symbol, Bool)).sig != Tuple{typeof(get),IO,Any,Any}

"""Colour for one stream: `--color=yes|no` wins; auto = that stream is a tty with a colour TERM."""
function stream_color(color_switch::AbstractString, is_tty::Bool, term::AbstractString)
    color_switch == "yes" && return is_tty || PIPES_HONOUR_COLOR_YES
    color_switch == "no" && return false
    return is_tty && term_has_color(term)
end
