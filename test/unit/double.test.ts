// Drives the worker double (fixtures/worker-double/julia) directly, without
// the conductor: a fake conductor listens on a unix socket, checks HELLO,
// sends requests, and a fake client opens the four per-run streams. Every
// wait is on an event (a frame, a close, a status byte), never a sleep.

import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { FakeConductor as PeerFakeConductor, openStream as peerOpenStream, withTimeout as peerWithTimeout, type ConductorConn, type StreamEndpoint } from "../conformance/peers.ts";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Socket, Subprocess } from "bun";
import {
  Action,
  ErrorCode,
  ExitKind,
  Frame,
  FrameReader,
  RunFlag,
  Shutdown,
  Stream,
  StreamStatus,
  concatBytes,
  decodeExit,
  decodeFlag,
  decodeHello,
  decodeIdOnly,
  decodePong,
  decodeReadCredit,
  decodeReplyError,
  decodeRunDone,
  encodeActivate,
  encodeError,
  encodeEmpty,
  encodeFlag,
  encodeFrame,
  encodeIdOnly,
  encodePreamble,
  encodeRun,
  encodeShutdown,
  encodeSize,
  encodeStreamOpen,
  encodeWelcome,
  type ExitMsg,
  type RawFrame,
  type RunSpec,
} from "../../src/shared/protocol/index.ts";

const JULIA = resolve(import.meta.dir, "../../fixtures/worker-double/julia");
const decoder = new TextDecoder();
const WAIT_MS = 4_000; // per wait, so a hang names what it waited for
// bunfig.toml's `[test] timeout` is not a key bun honours (the default 5 s applies); set it here.
setDefaultTimeout(20_000);

// ---- fake conductor and helpers: shared with the conformance suite ----------

const withTimeout = <T>(p: Promise<T>, what: string, ms = WAIT_MS) => peerWithTimeout(p, what, ms);
class FakeConductor extends PeerFakeConductor {
  constructor(path: string) {
    super(path, WAIT_MS);
  }
}

// ---- fake client: the four per-run streams ----------------------------------

/** One per-run stream, opened by the conformance suite's fake client (test/conformance/peers.ts). */
const openStream = (path: string, token: Uint8Array, kind: number, onBytes?: (b: Uint8Array) => void) => peerOpenStream(path, token, kind, 10_000, onBytes);

interface RunOutcome {
  stdout: string;
  stderr: string;
  exit: ExitMsg;
  controlFrames: number[];
}

/** A client attached to a run: answers RAW_MODE and SIZE_QUERY like a non-tty client would. */
class RunClient {
  stdout = "";
  stderr = "";
  readonly controlFrames: number[] = [];
  private readonly exit = Promise.withResolvers<ExitMsg>();
  private readonly stdoutWatchers: (() => void)[] = [];
  private readonly creditWatchers: (() => void)[] = [];
  private credits = 0;
  private streams = new Map<number, StreamEndpoint>();
  private controlSock: Socket<unknown> | undefined;

  static async open(path: string, token: Uint8Array): Promise<RunClient> {
    const c = new RunClient();
    const reader = new FrameReader();
    const control = await openStream(path, token, Stream.CONTROL, (b) => {
      reader.push(b);
      for (let f = reader.next(); f; f = reader.next()) c.onFrame(f);
    });
    c.controlSock = control.sock;
    const stdin = await openStream(path, token, Stream.STDIN);
    const stdout = await openStream(path, token, Stream.STDOUT, (b) => {
      c.stdout += decoder.decode(b);
      for (const w of c.stdoutWatchers.splice(0)) w();
    });
    const stderr = await openStream(path, token, Stream.STDERR, (b) => (c.stderr += decoder.decode(b)));
    c.streams = new Map([
      [Stream.CONTROL, control],
      [Stream.STDIN, stdin],
      [Stream.STDOUT, stdout],
      [Stream.STDERR, stderr],
    ]);
    for (const s of c.streams.values()) expect((await s.status).status).toBe(StreamStatus.OK);
    return c;
  }

  private onFrame(f: RawFrame): void {
    this.controlFrames.push(f.type);
    const control = this.controlSock!;
    if (f.type === Frame.EXIT) this.exit.resolve(decodeExit(f.payload));
    else if (f.type === Frame.RAW_MODE) control.write(encodeFlag(Frame.RAW_ACK, decodeFlag(f.payload)));
    else if (f.type === Frame.SIZE_QUERY) control.write(encodeSize({ rows: 30, cols: 100 }));
    else if (f.type === Frame.READ_CREDIT) {
      expect(decodeReadCredit(f.payload)).toBe(65536);
      this.credits++;
      for (const w of this.creditWatchers.splice(0)) w();
    }
  }

  writeStdin(text: string | Uint8Array): void {
    this.streams.get(Stream.STDIN)!.sock.write(text);
  }
  closeStdin(): void {
    this.streams.get(Stream.STDIN)!.sock.end();
  }
  closeStream(kind: number): void {
    this.streams.get(kind)!.sock.end();
  }
  sendControl(frame: Uint8Array): void {
    this.streams.get(Stream.CONTROL)!.sock.write(frame);
  }

  /** Resolves once stdout contains `text`. */
  async waitStdout(text: string): Promise<void> {
    while (!this.stdout.includes(text)) await withTimeout(new Promise<void>((r) => this.stdoutWatchers.push(r)), `stdout containing ${JSON.stringify(text)}`);
  }
  /** Resolves once `n` READ_CREDITs have arrived (the worker blocked on stdin). */
  async credited(n = 1): Promise<void> {
    while (this.credits < n) await withTimeout(new Promise<void>((r) => this.creditWatchers.push(r)), "READ_CREDIT");
  }

  /** EXIT plus EOF on stdout and stderr, as a real client waits. */
  async done(): Promise<RunOutcome> {
    const exit = await withTimeout(this.exit.promise, "EXIT");
    await withTimeout(Promise.all([this.streams.get(Stream.STDOUT)!.closed, this.streams.get(Stream.STDERR)!.closed]), "stdout/stderr EOF");
    return { stdout: this.stdout, stderr: this.stderr, exit, controlFrames: this.controlFrames };
  }
}

// ---- per-test world ---------------------------------------------------------

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      c();
    } catch {
      // best effort
    }
  }
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "jd-double-"));
  chmodSync(dir, 0o700);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function spawnDouble(sock: string, extraArgs: string[] = [], env: Record<string, string> = {}): Subprocess<"ignore", "pipe", "pipe"> {
  const proc = Bun.spawn([JULIA, ...extraArgs, "--startup-file=no", "/fake/main.jl", sock], {
    env: { ...process.env, JULIA_DAEMON_WORKER_ID: "w1", JULIA_DAEMON_WORKER_SECRET: "s3cret", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  cleanups.push(() => proc.kill("SIGKILL"));
  return proc;
}

interface World {
  dir: string;
  conductor: FakeConductor;
  conn: ConductorConn;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  runSocket: string;
}

/** A double registered with a fake conductor (HELLO checked, WELCOME sent). */
async function boot(extraArgs: string[] = [], env: Record<string, string> = {}): Promise<World> {
  const dir = tempDir();
  const conductor = new FakeConductor(join(dir, "c.sock"));
  cleanups.push(() => conductor.stop());
  const proc = spawnDouble(conductor.path, extraArgs, env);
  const conn = (await conductor.connections.next("the worker's control connection"))!;
  const hello = decodeHello(await conn.expect(Frame.HELLO));
  expect(decoder.decode(conn.preamble!)).toBe("JDwk\x02\x00");
  expect(hello).toEqual({
    registration: 0,
    workerId: "w1",
    secret: "s3cret",
    pid: proc.pid,
    juliaVersion: env.JULIA_DOUBLE_VERSION ?? "1.11.7",
    capabilities: env.JULIA_DOUBLE_VERSION?.startsWith("1.10") ? 0 : 1,
    runSocket: join(dir, "w-w1.sock"),
    activeRuns: 0,
  });
  conn.send(encodeWelcome());
  return { dir, conductor, conn, proc, runSocket: hello.runSocket };
}

let nextId = 100;
function token(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

function runSpec(w: World, over: Partial<RunSpec>): RunSpec {
  return {
    id: nextId++,
    token: token(),
    flags: 0,
    clientPid: process.pid,
    cwd: w.dir,
    env: ["HOME=/home/nobody", "GREETING=hello"],
    actions: [],
    programFile: "",
    args: [],
    switches: [],
    session: "",
    ...over,
  };
}

/** RUN → RUN_ACCEPTED, then the four streams attached. */
async function startRun(w: World, over: Partial<RunSpec>): Promise<{ spec: RunSpec; client: RunClient }> {
  const spec = runSpec(w, over);
  w.conn.send(encodeRun(spec));
  expect(decodeIdOnly(await w.conn.expect(Frame.RUN_ACCEPTED))).toBe(spec.id);
  return { spec, client: await RunClient.open(w.runSocket, spec.token) };
}

/** A whole run: its outcome, after checking the RUN_DONE that follows it. */
async function run(w: World, over: Partial<RunSpec>, drive?: (c: RunClient) => Promise<void> | void): Promise<RunOutcome> {
  const { spec, client } = await startRun(w, over);
  await drive?.(client);
  const outcome = await client.done();
  const done = decodeRunDone(await w.conn.expect(Frame.RUN_DONE));
  expect(done).toEqual({ token: spec.token, kind: outcome.exit.kind, value: outcome.exit.value, flags: 0 });
  return outcome;
}

const e = (code: string): [number, string][] => [[Action.EVAL, code]];
const E = (code: string): [number, string][] => [[Action.PRINT, code]];

// ---- tests ------------------------------------------------------------------

describe("worker double: start-up", () => {
  test("--version answers without starting", async () => {
    const out = await Bun.$`${JULIA} --version`.text();
    expect(out).toBe("julia version 1.11.7\n");
    const pinned = await Bun.$`${JULIA} +lts --version`.env({ ...process.env, JULIA_DOUBLE_VERSION: "1.10.9" }).text();
    expect(pinned).toBe("julia version 1.10.9\n");
  });

  test("JULIA_DOUBLE_FAIL_START exits 3 with the text on stderr", async () => {
    const dir = tempDir();
    const proc = spawnDouble(join(dir, "c.sock"), [], { JULIA_DOUBLE_FAIL_START: "julia: broken install" });
    expect(await new Response(proc.stderr).text()).toBe("julia: broken install\n");
    expect(await proc.exited).toBe(3);
  });

  test("HELLO, a 0600 run socket, argv logged, version 1.10 has no concurrency capability", async () => {
    const log = join(tempDir(), "argv.jsonl");
    const w = await boot(["+release", "--threads=3"], { JULIA_DOUBLE_ARGV_LOG: log, JULIA_DOUBLE_VERSION: "1.10.5" });
    expect(statSync(w.runSocket).mode & 0o777).toBe(0o600);
    const entry = JSON.parse(readFileSync(log, "utf8").trim());
    expect(entry).toEqual({ pid: w.proc.pid, argv: ["+release", "--threads=3", "--startup-file=no", "/fake/main.jl", w.conductor.path] });
  });

  test("an ERROR instead of WELCOME makes the worker exit 1", async () => {
    const dir = tempDir();
    const conductor = new FakeConductor(join(dir, "c.sock"));
    cleanups.push(() => conductor.stop());
    const proc = spawnDouble(conductor.path);
    const conn = (await conductor.connections.next())!;
    await conn.expect(Frame.HELLO);
    conn.send(encodeError({ code: ErrorCode.UNKNOWN_WORKER, exitCode: 75, message: "who are you", hint: "" }));
    expect(await proc.exited).toBe(1);
  });
});

describe("worker double: runs", () => {
  test("-e println(\"hi\"): stdout, empty stderr, EXIT 0, RUN_DONE", async () => {
    const w = await boot();
    w.conn.send(encodeActivate({ id: 1, project: "/proj" }));
    expect(decodeIdOnly(await w.conn.expect(Frame.ACTIVATED))).toBe(1);
    const out = await run(w, { actions: e('println("hi")'), flags: RunFlag.STDOUT_TTY });
    expect(out.stdout).toBe("hi\n");
    expect(out.stderr).toBe("");
    expect(out.exit).toEqual({ kind: ExitKind.CODE, value: 0 });
    expect(out.controlFrames).toEqual([Frame.EXIT]);
  });

  test("exit(3) and error(\"boom\")", async () => {
    const w = await boot();
    expect((await run(w, { actions: e('println("a"); exit(3); println("b")') })).exit).toEqual({ kind: 0, value: 3 });
    const boom = await run(w, { actions: e('error("boom")') });
    expect(boom.stderr).toBe("ERROR: boom\n");
    expect(boom.stdout).toBe("");
    expect(boom.exit).toEqual({ kind: 0, value: 1 });
  });

  test("merge flag: stderr goes into stdout in write order", async () => {
    const w = await boot();
    const out = await run(w, { flags: RunFlag.MERGE_STDERR, actions: e('println("a"); write_stderr("b\\n"); println("c"); error("d")') });
    expect(out.stdout).toBe("a\nb\nc\nERROR: d\n");
    expect(out.stderr).toBe("");
    expect(out.exit.value).toBe(1);
  });

  test("session runs share globals; other runs start fresh", async () => {
    const w = await boot();
    await run(w, { flags: RunFlag.SESSION, session: "s", actions: e("x = 41") });
    expect((await run(w, { flags: RunFlag.SESSION, session: "s", actions: E("x + 1") })).stdout).toBe("42\n");
    await run(w, { actions: e("y = 1") });
    expect((await run(w, { actions: E("[typeof x, typeof y]") })).stdout).toBe('["undefined", "undefined"]\n');
  });

  test("prelude: ARGS, PROGRAM_FILE, cwd, ENV, project, threads, pid, -L and the program file", async () => {
    const w = await boot(["--threads=3"]);
    w.conn.send(encodeActivate({ id: 2, project: "/some/project" }));
    await w.conn.expect(Frame.ACTIVATED);
    writeFileSync(join(w.dir, "lib.js"), "double = (n) => 2 * n\n");
    writeFileSync(join(w.dir, "prog.jl"), "println(PROGRAM_FILE, ' ', ARGS.join(','), ' ', double(21))\n");
    const out = await run(w, {
      flags: RunFlag.HAS_PROGRAM,
      actions: [
        [Action.LOAD, "lib.js"],
        [Action.PRINT, "[pwd() === ENV.PWD_CHECK, ENV.GREETING, ENV.JULIA_DAEMON_WORKER_SECRET, active_project(), nthreads(), getpid(), isinteractive()]"],
      ],
      env: [`PWD_CHECK=${w.dir}`, "GREETING=hello"],
      programFile: "prog.jl",
      args: ["a", "b"],
    });
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe(`[true, "hello", nothing, "/some/project", 3, ${w.proc.pid}, false]\nprog.jl a,b 42\n`);
  });

  test("stdin: readline after READ_CREDIT, read_all_stdin, and `-` as the program", async () => {
    const w = await boot();
    const out = await run(w, { actions: e("const a = await readline(); const rest = await read_all_stdin(); println(a.toUpperCase(), '|', rest)") }, async (c) => {
      await c.credited();
      c.writeStdin("one\r\ntwo\nthree");
      c.closeStdin();
    });
    expect(out.stdout).toBe("ONE|two\nthree\n");
    expect(out.controlFrames[0]).toBe(Frame.READ_CREDIT);
    const prog = await run(w, { flags: RunFlag.HAS_PROGRAM, programFile: "-" }, (c) => {
      c.writeStdin('println("from stdin", PROGRAM_FILE)');
      c.closeStdin();
    });
    expect(prog.stdout).toBe("from stdin-\n");
  });

  test("fallback loop: no program and no -e evaluates stdin lines and shows values", async () => {
    const w = await boot();
    const out = await run(w, {}, (c) => {
      c.writeStdin('1 + 1\nprintln("x")\nerror("bad")\n"s"\n');
      c.closeStdin();
    });
    expect(out.stdout).toBe('2\nx\n"s"\n');
    expect(out.stderr).toBe("ERROR: bad\n");
    expect(out.exit.value).toBe(0);
  });

  test("interrupt: a program file dies by SIGINT, -e code gets InterruptException, the worker lives", async () => {
    const w = await boot();
    writeFileSync(join(w.dir, "slow.jl"), 'println("ready"); await sleep(60)\n');
    const prog = await run(w, { flags: RunFlag.HAS_PROGRAM, programFile: "slow.jl" }, async (c) => {
      await c.waitStdout("ready\n");
      c.sendControl(encodeEmpty(Frame.INTERRUPT));
    });
    expect(prog.exit).toEqual({ kind: ExitKind.SIGNAL, value: 2 });
    const code = await run(w, { actions: e('println("ready"); await sleep(60)') }, async (c) => {
      await c.waitStdout("ready\n");
      c.sendControl(encodeEmpty(Frame.INTERRUPT));
    });
    expect(code.stderr).toBe("ERROR: InterruptException:\n");
    expect(code.exit).toEqual({ kind: 0, value: 1 });
    const { spec, client } = await startRun(w, { actions: e('println("ready"); try { await sleep(60) } catch (err) { println(err.name) }') });
    await client.waitStdout("ready\n");
    w.conn.send(encodeFrame(Frame.CANCEL_RUN, spec.token));
    expect((await client.done()).stdout).toBe("ready\nInterruptException\n");
    await w.conn.expect(Frame.RUN_DONE);
    w.conn.send(encodeIdOnly(Frame.PING, 9));
    expect(decodePong(await w.conn.expect(Frame.PONG))).toEqual({ id: 9, activeRuns: 0 });
  });

  test("a closed stdout fails the next write with EPIPE, like julia", async () => {
    const w = await boot();
    const out = await run(w, { actions: e('for (;;) { println("tick"); await sleep(0.01) }') }, async (c) => {
      await c.waitStdout("tick\n");
      c.closeStream(Stream.STDOUT);
    });
    expect(out.stderr).toBe("ERROR: IOError: write: broken pipe (EPIPE)\n");
    expect(out.exit).toEqual({ kind: 0, value: 1 });
  });

  test("two runs at once keep their own streams", async () => {
    const w = await boot();
    const a = await startRun(w, { actions: e('println("A1"); println(await readline()); println("A2")') });
    await a.client.waitStdout("A1\n");
    const b = await run(w, { actions: e('println("B")') });
    expect(b.stdout).toBe("B\n");
    a.client.writeStdin("from A\n");
    const outA = await a.client.done();
    expect(outA.stdout).toBe("A1\nfrom A\nA2\n");
    expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE)).token).toEqual(a.spec.token);
  });

  test("large output is complete (backpressure) before EXIT; displaysize asks the client", async () => {
    const w = await boot();
    const out = await run(w, { actions: e('const [r, c] = await displaysize(); write_stdout("x".repeat(4 << 20)); write_stderr(`${r}x${c}`)') });
    expect(out.stdout.length).toBe(4 << 20);
    expect(out.stderr).toBe("30x100");
    expect(out.controlFrames).toEqual([Frame.SIZE_QUERY, Frame.EXIT]);
  });

  test("a client that dies mid-run: the run is interrupted, RUN_DONE abandoned, the worker serves on", async () => {
    const w = await boot();
    const { spec, client } = await startRun(w, { actions: e('println("ready"); await sleep(60)') });
    await client.waitStdout("ready\n");
    client.closeStream(Stream.CONTROL);
    expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE))).toEqual({ token: spec.token, kind: ExitKind.ABANDONED, value: 0, flags: 0 });
    expect((await run(w, { actions: e('println("next")') })).stdout).toBe("next\n");
  });

  test("REPL: raw mode, echo, evaluation, ^C, ^D", async () => {
    const w = await boot();
    const out = await run(w, { flags: RunFlag.INTERACTIVE | RunFlag.STDIN_TTY, switches: [["banner", "no"]], actions: E("isinteractive()") }, async (c) => {
      await c.waitStdout("julia> ");
      c.writeStdin("1 +x\x7f 2\r");
      await c.waitStdout("3\r\n");
      c.writeStdin("zz\x03");
      await c.waitStdout("^C\r\n");
      c.writeStdin('error("no")\r\x04');
    });
    expect(out.stdout).toBe("true\njulia> 1 +x\b \b 2\r\n3\r\njulia> zz^C\r\njulia> error(\"no\")\r\njulia> \r\n");
    expect(out.stderr).toBe("ERROR: no\r\n");
    expect(out.exit).toEqual({ kind: 0, value: 0 });
    expect(out.controlFrames.filter((f) => f === Frame.RAW_MODE).length).toBe(2);
  });
});

describe("worker double: control channel", () => {
  test("unknown and malformed frames get REPLY_ERROR; the worker still answers PING", async () => {
    const w = await boot();
    w.conn.send(encodeFrame(0x7e, new Uint8Array([1, 2, 3])));
    expect(decodeReplyError(await w.conn.expect(Frame.REPLY_ERROR))).toMatchObject({ id: 0, code: ErrorCode.UNEXPECTED });
    w.conn.send(encodeFrame(Frame.ACTIVATE, new Uint8Array([5, 0, 0, 0, 9])));
    expect(decodeReplyError(await w.conn.expect(Frame.REPLY_ERROR))).toMatchObject({ id: 5, code: ErrorCode.MALFORMED });
    w.conn.send(encodeIdOnly(Frame.PING, 7));
    expect(decodePong(await w.conn.expect(Frame.PONG))).toEqual({ id: 7, activeRuns: 0 });
  });

  test("a bad token gets status 3 and a message; a second stream of one kind gets 4", async () => {
    const w = await boot();
    const bad = await openStream(w.runSocket, token(), Stream.STDOUT);
    const st = await bad.status;
    expect(st.status).toBe(StreamStatus.BAD_TOKEN);
    expect(st.message).toContain("token");
    await withTimeout(bad.closed, "the refused stream to close");

    const spec = runSpec(w, { actions: e("1") });
    w.conn.send(encodeRun(spec));
    await w.conn.expect(Frame.RUN_ACCEPTED);
    const first = await openStream(w.runSocket, spec.token, Stream.STDIN);
    expect((await first.status).status).toBe(StreamStatus.OK);
    const second = await openStream(w.runSocket, spec.token, Stream.STDIN);
    expect((await second.status).status).toBe(StreamStatus.DUPLICATE);
    w.conn.send(encodeFrame(Frame.CANCEL_RUN, spec.token));
    expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE))).toEqual({ token: spec.token, kind: ExitKind.ABANDONED, value: 0, flags: 0 });
  });

  test("streams that never connect: RUN_DONE abandoned", async () => {
    const w = await boot([], { JULIA_DOUBLE_ATTACH_MS: "200" });
    const spec = runSpec(w, { actions: e("1") });
    w.conn.send(encodeRun(spec));
    await w.conn.expect(Frame.RUN_ACCEPTED);
    expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE))).toEqual({ token: spec.token, kind: ExitKind.ABANDONED, value: 0, flags: 0 });
  });

  test("re-registers with the same id and secret after the control channel closes", async () => {
    const w = await boot();
    w.conn.sock.end();
    await w.conn.closed.promise;
    const again = (await w.conductor.connections.next("a re-registration"))!;
    const hello = decodeHello(await again.expect(Frame.HELLO));
    expect(hello).toMatchObject({ registration: 1, workerId: "w1", secret: "s3cret", pid: w.proc.pid, runSocket: w.runSocket, activeRuns: 0 });
    again.send(encodeWelcome());
    again.send(encodeIdOnly(Frame.PING, 3));
    expect(decodePong(await again.expect(Frame.PONG))).toEqual({ id: 3, activeRuns: 0 });
  });

  test("re-registration gives up when the grace period ends", async () => {
    const w = await boot([], { JULIA_DAEMON_WORKER_GRACE: "0.3" });
    w.conductor.stop();
    w.conn.sock.end();
    expect(await withTimeout(w.proc.exited, "the worker to exit")).toBe(0);
    expect(existsSync(w.runSocket)).toBe(false);
  });

  test("SHUTDOWN now exits at once and removes the run socket", async () => {
    const w = await boot();
    await startRun(w, { actions: e("await sleep(60)") });
    w.conn.send(encodeShutdown(Shutdown.NOW));
    expect(await withTimeout(w.proc.exited, "the worker to exit")).toBe(0);
    expect(existsSync(w.runSocket)).toBe(false);
  });

  test("SHUTDOWN soft waits for the run; RUN is refused meanwhile", async () => {
    const w = await boot();
    const { spec, client } = await startRun(w, { actions: e('println("ready"); await readline()') });
    await client.waitStdout("ready\n");
    w.conn.send(encodeShutdown(Shutdown.SOFT));
    w.conn.send(encodeRun(runSpec(w, { id: 77 })));
    expect(decodeReplyError(await w.conn.expect(Frame.REPLY_ERROR))).toMatchObject({ id: 77, code: ErrorCode.SHUTTING_DOWN });
    client.closeStdin();
    expect((await client.done()).exit).toEqual({ kind: 0, value: 0 });
    expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE)).token).toEqual(spec.token);
    expect(await withTimeout(w.proc.exited, "the worker to exit")).toBe(0);
    expect(existsSync(w.runSocket)).toBe(false);
  });
});
