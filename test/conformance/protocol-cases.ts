// Conformance cases for the wire protocol (docs/protocol.md §4 control channel,
// §5 per-run streams), identical for every worker: only the code strings that
// make a run block, print or read differ per language.

import { expect } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  ErrorCode,
  ExitKind,
  Frame,
  RunFlag,
  Shutdown,
  StreamStatus,
  decodeIdOnly,
  decodePong,
  decodeReplyError,
  decodeRunDone,
  encodeActivate,
  encodeEmpty,
  encodeFrame,
  encodeIdOnly,
  encodePreamble,
  encodeRun,
  encodeShutdown,
} from "../../src/shared/protocol/index.ts";
import { type ConformanceCase, E, atLeast, e, expectOutcome } from "./case.ts";
import { type RunClient, withTimeout } from "./driver.ts";

const blockOnStdin = { double: "println(await readline())", julia: "println(readline())" };
const readySleep = { double: 'println("ready"); await sleep(60)', julia: 'println("ready"); sleep(60)' };

export const protocolCases: ConformanceCase[] = [
  {
    name: "HELLO: JDwk preamble, id, secret, pid, version, capabilities, run socket 0600",
    body: async (w) => {
      expect(new TextDecoder().decode(w.conn.preamble!)).toBe("JDwk\x02\x00");
      expect(w.hello).toMatchObject({ registration: 0, workerId: "w1", secret: "s3cret", pid: w.pid, runSocket: join(w.dir, "w-w1.sock"), activeRuns: 0 });
      expect(w.hello.juliaVersion).toMatch(/^\d+\.\d+\.\d+/);
      // Concurrent runs need task-scoped stdio: ScopedValues, Julia 1.11 (the double always has it).
      expect(w.hello.capabilities).toBe(w.lang === "double" || atLeast(w.hello.juliaVersion, "1.11") ? 1 : 0);
      expect(statSync(w.runSocket).mode & 0o777).toBe(0o600);
    },
  },
  {
    name: "ACTIVATE → ACTIVATED with the request id",
    body: async (w) => {
      w.conn.send(encodeActivate({ id: 41, project: "" }));
      expect(decodeIdOnly(await w.conn.expect(Frame.ACTIVATED))).toBe(41);
    },
  },
  {
    name: "PING → PONG with the active-run count, idle and while a run blocks",
    body: async (w, L) => {
      w.conn.send(encodeIdOnly(Frame.PING, 9));
      expect(decodePong(await w.conn.expect(Frame.PONG))).toEqual({ id: 9, activeRuns: 0 });
      const { spec, client } = await w.startRun({ actions: e(L(blockOnStdin)) });
      await client.credited();
      w.conn.send(encodeIdOnly(Frame.PING, 10));
      expect(decodePong(await w.conn.expect(Frame.PONG))).toEqual({ id: 10, activeRuns: 1 });
      client.writeStdin("x\n");
      expectOutcome(await client.done(), { stdout: "x\n", stderr: "", code: 0 });
      expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE)).token).toEqual(spec.token);
    },
  },
  {
    name: "unknown frame → REPLY_ERROR id 0 UNEXPECTED; malformed ACTIVATE → MALFORMED with its id; still alive",
    body: async (w) => {
      w.conn.send(encodeFrame(0x7e, new Uint8Array([1, 2, 3])));
      expect(decodeReplyError(await w.conn.expect(Frame.REPLY_ERROR))).toMatchObject({ id: 0, code: ErrorCode.UNEXPECTED });
      w.conn.send(encodeFrame(Frame.ACTIVATE, new Uint8Array([5, 0, 0, 0, 9])));
      expect(decodeReplyError(await w.conn.expect(Frame.REPLY_ERROR))).toMatchObject({ id: 5, code: ErrorCode.MALFORMED });
      w.conn.send(encodeFrame(Frame.PING, new Uint8Array([1, 2])));
      expect(decodeReplyError(await w.conn.expect(Frame.REPLY_ERROR))).toMatchObject({ id: 0, code: ErrorCode.MALFORMED });
      w.conn.send(encodeIdOnly(Frame.PING, 7));
      expect(decodePong(await w.conn.expect(Frame.PONG))).toEqual({ id: 7, activeRuns: 0 });
    },
  },
  {
    name: "SHUTDOWN with an unknown mode → REPLY_ERROR id 0 BAD_REQUEST; the worker keeps serving",
    body: async (w) => {
      w.conn.send(encodeShutdown(7));
      expect(decodeReplyError(await w.conn.expect(Frame.REPLY_ERROR))).toMatchObject({ id: 0, code: ErrorCode.BAD_REQUEST });
      expectOutcome(await w.run({ actions: e('println("still here")') }), { stdout: "still here\n", code: 0 });
    },
  },
  {
    name: "stream handshake: bad magic 1, bad version 2, bad token 3, bad kind 5, each with a message and a close",
    body: async (w) => {
      const magic = Uint8Array.from([...new TextEncoder().encode("JDzz"), 1, 0]);
      const cases: [Uint8Array | undefined, number, number][] = [
        [magic, 3, StreamStatus.BAD_MAGIC],
        [encodePreamble("STREAM", 99), 3, StreamStatus.BAD_VERSION],
        [undefined, 3, StreamStatus.BAD_TOKEN],
        [undefined, 9, StreamStatus.BAD_KIND],
      ];
      for (const [preamble, kind, status] of cases) {
        const s = await w.openStream(w.token(), kind, preamble);
        const st = await s.status;
        expect(st.status).toBe(status);
        expect(st.message.length).toBeGreaterThan(0);
        await withTimeout(s.closed, `the refused stream (status ${status}) to close`, w.ms);
      }
    },
  },
  {
    name: "a second stream of one kind → DUPLICATE (4); CANCEL_RUN of a pending run → RUN_DONE kind 2",
    body: async (w) => {
      const spec = w.spec({ actions: e("1") });
      w.conn.send(encodeRun(spec));
      await w.conn.expect(Frame.RUN_ACCEPTED);
      const first = await w.openStream(spec.token, 2);
      expect((await first.status).status).toBe(StreamStatus.OK);
      const second = await w.openStream(spec.token, 2);
      expect((await second.status).status).toBe(StreamStatus.DUPLICATE);
      w.conn.send(encodeFrame(Frame.CANCEL_RUN, spec.token));
      expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE))).toEqual({ token: spec.token, kind: ExitKind.ABANDONED, value: 0, flags: 0 });
      const late = await w.openStream(spec.token, 3);
      expect((await late.status).status).toBe(StreamStatus.BAD_TOKEN);
    },
  },
  {
    name: "RUN_DONE (conductor) is sent before EXIT (client), with the same kind and value (§4.4)",
    body: async (w) => {
      const { spec, client } = await w.startRun({ actions: e("exit(5)") });
      const out = await client.done();
      const done = await w.conn.expectFrame(Frame.RUN_DONE);
      expect(decodeRunDone(done.payload)).toEqual({ token: spec.token, kind: ExitKind.CODE, value: out.exit.value, flags: 0 });
      expect(out.exit.value & 0xff).toBe(5);
      expect(out.runDoneFirst).toBe(true);
      expect(out.controlFrames.at(-1)).toBe(Frame.EXIT);
    },
  },
  {
    name: "CANCEL_RUN interrupts a started run (InterruptException in -e code)",
    body: async (w, L) => {
      const code = L({ double: 'println("ready"); try { await sleep(60) } catch (err) { println(err.name) }', julia: 'println("ready"); try; sleep(60); catch err; println(typeof(err)); end' });
      const { spec, client } = await w.startRun({ actions: e(code) });
      await client.waitStdout("ready\n");
      w.conn.send(encodeFrame(Frame.CANCEL_RUN, spec.token));
      const out = await client.done();
      expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE))).toEqual({ token: spec.token, kind: ExitKind.CODE, value: out.exit.value, flags: 0 });
      expectOutcome(out, { stdout: "ready\nInterruptException\n", stderr: "", code: 0 });
    },
  },
  {
    name: "INTERRUPT: a program file dies of it as julia's does; output before it is kept",
    fresh: true,
    body: async (w, L) => {
      await Bun.write(join(w.dir, "slow.jl"), L(readySleep) + "\n");
      const ctrlC = async (c: RunClient) => {
        await c.waitStdout("ready\n");
        c.sendControl(encodeEmpty(Frame.INTERRUPT));
      };
      if (w.lang === "double") {
        const out = await w.run({ flags: RunFlag.HAS_PROGRAM, programFile: "slow.jl" }, ctrlC);
        expectOutcome(out, { stdout: "ready\n", stderr: "", kind: ExitKind.SIGNAL, code: 2 });
        return;
      }
      const { client } = await w.startRun({ flags: RunFlag.HAS_PROGRAM, programFile: "slow.jl" });
      await ctrlC(client);
      const out = await client.done();
      // The Julia worker takes julia's own death (exit_on_sigint): its report on the run's
      // stderr, exit 130, and EXIT sent on the way out; the process is gone after.
      expectOutcome(out, { stdout: "ready\n", stderr: { prefix: `\nsignal (2): Interrupt\nin expression starting at ${join(w.dir, "slow.jl")}:1\n` }, code: 130 });
      expect(await w.exited()).toBe(130);
    },
  },
  {
    name: "INTERRUPT in -e code: InterruptException is reported, exit 1",
    body: async (w, L) => {
      const out = await w.run({ actions: e(L(readySleep)) }, async (c) => {
        await c.waitStdout("ready\n");
        c.sendControl(encodeEmpty(Frame.INTERRUPT));
      });
      expectOutcome(out, { stdout: "ready\n", stderr: { prefix: "ERROR: InterruptException:" }, code: 1 });
    },
  },
  {
    name: "merge flag: stderr goes into the stdout stream in write order; the stderr stream stays empty",
    body: async (w, L) => {
      const code = L({ double: 'println("a"); write_stderr("b\\n"); println("c"); error("d")', julia: 'println("a"); println(stderr, "b"); println("c"); error("d")' });
      const out = await w.run({ flags: RunFlag.MERGE_STDERR, actions: e(code) });
      expectOutcome(out, { stdout: { prefix: "a\nb\nc\nERROR: d\n" }, stderr: "", code: 1 });
    },
  },
  {
    name: "READ_CREDIT precedes a blocking stdin read",
    body: async (w, L) => {
      const out = await w.run({ actions: e(L(blockOnStdin)) }, async (c) => {
        await c.credited();
        expect(c.stdout).toBe("");
        c.writeStdin("typed\n");
      });
      expectOutcome(out, { stdout: "typed\n", stderr: "", code: 0 });
      expect(out.controlFrames[0]).toBe(Frame.READ_CREDIT);
      expect(out.credits[0]).toBeGreaterThan(0);
      expect(out.credits[0]).toBeLessThanOrEqual(65536);
    },
  },
  {
    name: "RAW_MODE/RAW_ACK round trip: the REPL on a tty turns raw mode on, ^D ends it with raw mode off",
    body: async (w) => {
      const out = await w.run(
        { flags: RunFlag.INTERACTIVE | RunFlag.STDIN_TTY | RunFlag.STDOUT_TTY | RunFlag.STDERR_TTY, env: ["HOME=" + w.dir, "TERM=xterm"], switches: [["banner", "no"], ["history-file", "no"], ["startup-file", "no"]] },
        async (c) => {
          await c.until((x) => x.rawModes.includes(true) && x.stdout.includes("julia> "), "raw mode on and a prompt");
          c.writeStdin("\x04");
        },
      );
      expectOutcome(out, { stdout: /julia> /, code: 0 });
      expect(out.rawModes[0]).toBe(true);
      expect(out.rawModes.at(-1)).toBe(false);
    },
  },
  {
    name: "SIZE_QUERY → SIZE: displaysize of a tty stdout is the client's",
    body: async (w, L) => {
      const code = L({ double: "const [r, c] = await displaysize(); println(r, 'x', c)", julia: 'r, c = displaysize(stdout); println(r, "x", c)' });
      const out = await w.run({ flags: RunFlag.STDOUT_TTY, actions: e(code) });
      expectOutcome(out, { stdout: "30x100\n", stderr: "", code: 0 });
      expect(out.controlFrames).toEqual([Frame.SIZE_QUERY, Frame.EXIT]);
    },
  },
  {
    name: "a client that dies mid-run: RUN_DONE abandoned (kind 2), the worker serves on",
    body: async (w, L) => {
      const { spec, client } = await w.startRun({ actions: e(L(readySleep)) });
      await client.waitStdout("ready\n");
      client.closeStream(1);
      expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE))).toEqual({ token: spec.token, kind: ExitKind.ABANDONED, value: 0, flags: 0 });
      expectOutcome(await w.run({ actions: e('println("next")') }), { stdout: "next\n", code: 0 });
    },
  },
  {
    name: "large output (4 MiB) is complete before EXIT",
    body: async (w, L) => {
      const out = await w.run({ actions: e(L({ double: 'write_stdout("x".repeat(4 << 20))', julia: 'write(stdout, "x"^(4 << 20))' })) });
      expect(out.stdout.length).toBe(4 << 20);
      expectOutcome(out, { stderr: "", code: 0 });
    },
  },
  {
    name: "two runs at once keep their own streams (capability bit 0)",
    body: async (w, L) => {
      if (!w.concurrent) return;
      const a = await w.startRun({ actions: e(L({ double: 'println("A1"); println(await readline()); println("A2")', julia: 'println("A1"); println(readline()); println("A2")' })) });
      await a.client.waitStdout("A1\n");
      expectOutcome(await w.run({ actions: e('println("B")') }), { stdout: "B\n", code: 0 });
      a.client.writeStdin("from A\n");
      expectOutcome(await a.client.done(), { stdout: "A1\nfrom A\nA2\n", stderr: "", code: 0 });
      expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE)).token).toEqual(a.spec.token);
    },
  },
  {
    name: "SHUTDOWN soft: RUN refused with SHUTTING_DOWN, exit 0 after the last run, run socket removed",
    fresh: true,
    body: async (w, L) => {
      const { spec, client } = await w.startRun({ actions: e(L(blockOnStdin)) });
      await client.credited();
      w.conn.send(encodeShutdown(Shutdown.SOFT));
      w.conn.send(encodeRun(w.spec({ id: 77 })));
      expect(decodeReplyError(await w.conn.expect(Frame.REPLY_ERROR))).toMatchObject({ id: 77, code: ErrorCode.SHUTTING_DOWN });
      client.closeStream(2);
      expectOutcome(await client.done(), { stdout: "\n", code: 0 });
      expect(decodeRunDone(await w.conn.expect(Frame.RUN_DONE)).token).toEqual(spec.token);
      expect(await w.exited()).toBe(0);
      expect(existsSync(w.runSocket)).toBe(false);
    },
  },
  {
    name: "SHUTDOWN now: exit 0 at once, even with a run in progress; run socket removed",
    fresh: true,
    body: async (w, L) => {
      const { client } = await w.startRun({ actions: e(L(readySleep)) });
      await client.waitStdout("ready\n");
      w.conn.send(encodeShutdown(Shutdown.NOW));
      expect(await w.exited()).toBe(0);
      expect(existsSync(w.runSocket)).toBe(false);
    },
  },
  {
    // The user's thread spec has an interactive thread besides thread 1, where the run computes.
    name: "PING is answered while user code computes without yielding (-t 1,2: control loop beside thread 1)",
    only: "julia",
    julia: { min: "1.9", why: "no interactive thread pool before 1.9: PING is read when user code yields" },
    fresh: true,
    env: { JULIA_NUM_THREADS: "1,2" },
    body: async (w) => {
      // `let`: a top-level `while` assigning a global is an error outside the REPL (soft scope).
      const code = 'println("go"); flush(stdout); let t0 = time(), n = 0; while time() - t0 < 8; n += 1; end; end; println("done")';
      const { client } = await w.startRun({ actions: e(code) });
      await client.waitStdout("go\n");
      w.conn.send(encodeIdOnly(Frame.PING, 12));
      expect(decodePong(await withTimeout(w.conn.expect(Frame.PONG), "PONG during computation", 4_000))).toEqual({ id: 12, activeRuns: 1 });
      expect(client.stdout).toBe("go\n");
      expectOutcome(await client.done(), { stdout: "go\ndone\n", code: 0 });
      await w.conn.expect(Frame.RUN_DONE);
    },
  },
  {
    name: "-E prints show(value) and a newline",
    body: async (w) => {
      expectOutcome(await w.run({ actions: E("1+1") }), { stdout: "2\n", stderr: "", code: 0 });
    },
  },
];
