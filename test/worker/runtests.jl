# The Julia codec (src/worker/protocol.jl) against every golden frame in
# fixtures/protocol/: each file decodes to the field values written below, and
# encoding those values gives the file's bytes exactly. The same files are
# checked by test/unit/protocol.test.ts for the TypeScript codec, so the two
# sides cannot drift apart. Frames the worker never reads or writes (the
# client <-> conductor channel) are checked with the codec's primitives.
#
#     julia --startup-file=no test/worker/runtests.jl

using Test

const ROOT = normpath(joinpath(@__DIR__, "..", ".."))
include(joinpath(ROOT, "src", "worker", "DaemonWorker.jl"))
using .DaemonWorker
const W = DaemonWorker

const FIXTURES = joinpath(ROOT, "fixtures", "protocol")
const TOKEN = collect(UInt8, 0x01:0x10)

golden(name) = hex2bytes(filter(!isspace, read(joinpath(FIXTURES, name * ".hex"), String)))

"""The one frame of a fixture, read with the worker's own frame reader."""
function golden_frame(name, type)
    bytes = golden(name)
    io = IOBuffer(bytes)
    f = W.read_frame(io)
    @test f !== nothing
    @test f.type == type
    @test length(f.payload) == length(bytes) - W.FRAME_HEADER_BYTES
    @test eof(io)
    return bytes, f.payload
end

"""Decodes a payload field by field with `fields(d)`, requiring it to be consumed exactly."""
function decode_with(fields, payload)
    d = W.Decoder(payload)
    v = fields(d)
    W.finish!(d)
    return v
end

# name => (frame type, decode check, encoder of the expected values)
const CASES = Dict{String,Function}()

CASES["ping"] = () -> begin
    bytes, p = golden_frame("ping", W.FRAME_PING)
    @test W.decode_id_only(p) == 9
    @test W.encode_id_only(W.FRAME_PING, 9) == bytes
end
CASES["pong"] = () -> begin
    bytes, p = golden_frame("pong", W.FRAME_PONG)
    @test decode_with(d -> (W.get_u32!(d), W.get_u32!(d)), p) == (9, 2)
    @test W.encode_pong(9, 2) == bytes
end
CASES["activate"] = () -> begin
    bytes, p = golden_frame("activate", W.FRAME_ACTIVATE)
    @test W.decode_activate(p) == (id=UInt32(3), project="/home/u/proj/Project.toml")
    @test W.frame_bytes!(W.put_str!(W.put_u32!(W.Encoder(W.FRAME_ACTIVATE), 3), "/home/u/proj/Project.toml")) == bytes
end
CASES["run"] = () -> begin
    bytes, p = golden_frame("run", W.FRAME_RUN)
    spec = W.decode_run(p)
    @test spec.id == 4
    @test spec.token == TOKEN
    @test spec.flags == W.RUNFLAG_STDOUT_TTY | W.RUNFLAG_HAS_PROGRAM
    @test spec.client_pid == 4242
    @test spec.cwd == "/w"
    @test spec.env == ["A=1"]
    @test spec.actions == [(W.ACTION_EVAL, "x=1"), (W.ACTION_LOAD, "a.jl")]
    @test spec.program_file == "s.jl"
    @test spec.args == ["--", "z"]
    @test spec.switches == ["color" => "yes"]
    @test spec.session == ""
    @test W.encode_run(spec) == bytes
end
CASES["run-done"] = () -> begin
    bytes, p = golden_frame("run-done", W.FRAME_RUN_DONE)
    @test decode_with(d -> (W.get_token!(d), W.get_u8!(d), W.get_i32!(d), W.get_u8!(d)), p) == (TOKEN, W.EXITKIND_SIGNAL, Int32(2), W.RUNDONE_FLAG_RETIRE)
    @test W.encode_run_done(TOKEN, W.EXITKIND_SIGNAL, 2, W.RUNDONE_FLAG_RETIRE) == bytes
end
CASES["reply-error"] = () -> begin
    bytes, p = golden_frame("reply-error", W.FRAME_REPLY_ERROR)
    @test decode_with(d -> (W.get_u32!(d), W.get_u16!(d), W.get_str!(d)), p) == (0, W.ERR_UNEXPECTED, "unknown frame 0x99")
    @test W.encode_reply_error(0, W.ERR_UNEXPECTED, "unknown frame 0x99") == bytes
end
CASES["error"] = () -> begin
    bytes, p = golden_frame("error", W.FRAME_ERROR)
    @test W.decode_error(p) == (code=W.ERR_WORKER_START_FAILED, exit_code=UInt8(70), message="no julia", hint="install it")
    @test W.encode_error(W.ERR_WORKER_START_FAILED, 70, "no julia", "install it") == bytes
end
CASES["hello"] = () -> begin
    bytes, p = golden_frame("hello", W.FRAME_HELLO)
    fields = d -> (W.get_u8!(d), W.get_str!(d), W.get_str!(d), W.get_u32!(d), W.get_str!(d), W.get_u32!(d), W.get_str!(d), W.get_u32!(d))
    @test decode_with(fields, p) == (0, "0a1b2c3d4e5f", "s3cret", 777, "1.11.7", 1, "/tmp/jd/w-0a1b2c3d4e5f.sock", 0)
    @test W.encode_hello(; registration=0, worker_id="0a1b2c3d4e5f", secret="s3cret", pid=777, julia_version="1.11.7",
        capabilities=W.CAPABILITY_CONCURRENT_RUNS, run_socket="/tmp/jd/w-0a1b2c3d4e5f.sock", active_runs=0) == bytes
end
CASES["exit"] = () -> begin
    bytes, p = golden_frame("exit", W.FRAME_EXIT)
    @test decode_with(d -> (W.get_u8!(d), W.get_i32!(d)), p) == (W.EXITKIND_CODE, Int32(255))
    @test W.encode_exit(W.EXITKIND_CODE, 255) == bytes
end
CASES["raw-mode"] = () -> begin
    bytes, p = golden_frame("raw-mode", W.FRAME_RAW_MODE)
    @test W.decode_flag(p) === true
    @test W.encode_raw_mode(true) == bytes
end
CASES["size"] = () -> begin
    bytes, p = golden_frame("size", W.FRAME_SIZE)
    @test W.decode_size(p) == (50, 132)
    @test W.frame_bytes!(W.put_u16!(W.put_u16!(W.Encoder(W.FRAME_SIZE), 50), 132)) == bytes
end
CASES["read-credit"] = () -> begin
    bytes, p = golden_frame("read-credit", W.FRAME_READ_CREDIT)
    @test W.decode_id_only(p) == 65536
    @test W.encode_read_credit(65536) == bytes
end
CASES["read-credit-open"] = () -> begin
    bytes, p = golden_frame("read-credit-open", W.FRAME_READ_CREDIT)
    @test W.decode_id_only(p) == W.READ_CREDIT_OPEN
    @test W.encode_read_credit(W.READ_CREDIT_OPEN) == bytes
end
CASES["interrupt-by-signal"] = () -> begin
    bytes, p = golden_frame("interrupt-by-signal", W.FRAME_INTERRUPT_BY_SIGNAL)
    @test W.decode_empty(p) === nothing
    @test W.encode_interrupt_by_signal() == bytes
end
# ---- the client <-> conductor channel: primitives only ------------------------
CASES["request"] = () -> begin
    bytes, p = golden_frame("request", W.FRAME_REQUEST)
    fields = d -> (W.get_u32!(d), W.get_u32!(d), W.get_u32!(d), W.get_str!(d), W.get_str!(d), W.get_str!(d), W.get_u64!(d), W.get_strs!(d), W.get_str!(d))
    expected = (UInt32(0b1011), 4242, 4000, "/home/u/proj", "xterm-256color", "truecolor", 0x0123456789abcdef,
        ["--project", "-e", "println(\"hé\")", "a"], "0.1.0")
    @test decode_with(fields, p) == expected
    e = W.Encoder(W.FRAME_REQUEST)
    W.put_u32!(e, expected[1]); W.put_u32!(e, expected[2]); W.put_u32!(e, expected[3])
    W.put_str!(e, expected[4]); W.put_str!(e, expected[5]); W.put_str!(e, expected[6])
    W.put_u64!(e, expected[7]); W.put_strs!(e, expected[8]); W.put_str!(e, expected[9])
    @test W.frame_bytes!(e) == bytes
end
CASES["env"] = () -> begin
    bytes, p = golden_frame("env", W.FRAME_ENV)
    @test decode_with(W.get_strs!, p) == ["HOME=/home/u", "EMPTY="]
    @test W.frame_bytes!(W.put_strs!(W.Encoder(W.FRAME_ENV), ["HOME=/home/u", "EMPTY="])) == bytes
end
CASES["need-env"] = () -> begin
    bytes, p = golden_frame("need-env", W.FRAME_NEED_ENV)
    @test W.decode_empty(p) === nothing
    @test W.frame_bytes!(W.Encoder(W.FRAME_NEED_ENV)) == bytes
end
CASES["route"] = () -> begin
    bytes, p = golden_frame("route", W.FRAME_ROUTE)
    sock = "/run/user/1000/julia-daemon/w-0a1b2c3d4e5f.sock"
    @test decode_with(d -> (W.get_str!(d), W.get_token!(d), W.get_u32!(d), W.get_str!(d)), p) == (sock, TOKEN, 31337, "0a1b2c3d4e5f")
    e = W.put_str!(W.put_u32!(W.put_raw!(W.put_str!(W.Encoder(W.FRAME_ROUTE), sock), TOKEN), 31337), "0a1b2c3d4e5f")
    @test W.frame_bytes!(e) == bytes
end
CASES["progress"] = () -> begin
    bytes, p = golden_frame("progress", W.FRAME_PROGRESS)
    @test decode_with(d -> (W.get_u8!(d), W.get_u32!(d), W.get_str!(d)), p) == (W.PHASE_STARTING, 1500, "starting julia")
    @test W.frame_bytes!(W.put_str!(W.put_u32!(W.put_u8!(W.Encoder(W.FRAME_PROGRESS), W.PHASE_STARTING), 1500), "starting julia")) == bytes
end
CASES["handover"] = () -> begin
    bytes, p = golden_frame("handover", W.FRAME_HANDOVER)
    @test decode_with(d -> (W.get_u32!(d), W.get_str!(d)), p) == (777, "0.0.9")
    @test W.frame_bytes!(W.put_str!(W.put_u32!(W.Encoder(W.FRAME_HANDOVER), 777), "0.0.9")) == bytes
end
CASES["output"] = () -> begin
    bytes, p = golden_frame("output", W.FRAME_OUTPUT)
    @test decode_with(d -> (W.get_u8!(d), W.get_str!(d), W.get_str!(d)), p) == (0, "ok\n", "")
    @test W.frame_bytes!(W.put_str!(W.put_str!(W.put_u8!(W.Encoder(W.FRAME_OUTPUT), 0), "ok\n"), "")) == bytes
end

@testset "golden frames" begin
    files = sort([f[1:end-4] for f in readdir(FIXTURES) if endswith(f, ".hex")])
    @testset "every fixture has a case" begin
        @test sort(collect(keys(CASES))) == files
    end
    for name in files
        @testset "$name" begin
            CASES[name]()
        end
    end
    @testset "the embedded copy (golden_frames.jl) is the fixtures" begin
        @test Dict(W.GOLDEN_FRAMES) == Dict(name => bytes2hex(golden(name)) for name in files)
    end
end

@testset "framing errors" begin
    ping = golden("ping")
    @test_throws EOFError W.read_frame(IOBuffer(ping[1:end-1]))
    @test W.read_frame(IOBuffer(UInt8[])) === nothing
    huge = UInt8[W.FRAME_RUN, 0x01, 0x00, 0x00, 0x01]  # 16 MiB + 1
    err = try W.read_frame(IOBuffer(huge)); nothing catch e; e end
    @test err isa W.ProtocolError && err.code == W.ERR_FRAME_TOO_LARGE
    _, p = golden_frame("ping", W.FRAME_PING)
    err = try W.decode_id_only(vcat(p, 0x00)); nothing catch e; e end
    @test err isa W.ProtocolError && err.code == W.ERR_MALFORMED
    err = try W.decode_run(golden("run")[6:end-1]); nothing catch e; e end
    @test err isa W.ProtocolError && err.code == W.ERR_MALFORMED
    hostile = reinterpret(UInt8, [htol(typemax(UInt32))])
    err = try decode_with(W.get_strs!, collect(hostile)); nothing catch e; e end
    @test err isa W.ProtocolError && err.code == W.ERR_MALFORMED
end

@testset "precompile workload replays every golden frame" begin
    @test W.replay_golden_frames() == length(W.GOLDEN_FRAMES)
end
