// Codec round trips and golden frames. Each frame in fixtures/protocol/*.hex
// is the exact wire form of one message below; the Julia worker's tests read
// the same files. UPDATE_GOLDEN=1 rewrites them (review the diff by hand).

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as P from "../../src/shared/protocol/index.ts";

const dir = new URL("../../fixtures/protocol/", import.meta.url).pathname;
const token = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

const cases: [string, Uint8Array, (payload: Uint8Array) => unknown, unknown][] = [
  ["request", P.encodeRequest({ flags: 0b1011, pid: 4242, ppid: 4000, cwd: "/home/u/proj", term: "xterm-256color", colorterm: "truecolor", envHash: 0x0123456789abcdefn, argv: ["--project", "-e", 'println("hé")', "a"], version: "0.1.0" }), P.decodeRequest,
    { flags: 0b1011, pid: 4242, ppid: 4000, cwd: "/home/u/proj", term: "xterm-256color", colorterm: "truecolor", envHash: 0x0123456789abcdefn, argv: ["--project", "-e", 'println("hé")', "a"], version: "0.1.0" }],
  ["handover", P.encodeHandover({ conductorPid: 777, conductorVersion: "0.0.9" }), P.decodeHandover, { conductorPid: 777, conductorVersion: "0.0.9" }],
  ["env", P.encodeEnv(["HOME=/home/u", "EMPTY="]), P.decodeEnv, ["HOME=/home/u", "EMPTY="]],
  ["need-env", P.encodeNeedEnv(), () => undefined, undefined],
  ["route", P.encodeRoute({ socketPath: "/run/user/1000/julia-daemon/w-0a1b2c3d4e5f.sock", token, workerPid: 31337, workerId: "0a1b2c3d4e5f" }), P.decodeRoute,
    { socketPath: "/run/user/1000/julia-daemon/w-0a1b2c3d4e5f.sock", token, workerPid: 31337, workerId: "0a1b2c3d4e5f" }],
  ["progress", P.encodeProgress({ phase: P.Phase.STARTING, elapsedMs: 1500, message: "starting julia" }), P.decodeProgress, { phase: 1, elapsedMs: 1500, message: "starting julia" }],
  ["output", P.encodeOutput({ exitCode: 0, stdout: "ok\n", stderr: "" }), P.decodeOutput, { exitCode: 0, stdout: "ok\n", stderr: "" }],
  ["error", P.encodeError({ code: P.ErrorCode.WORKER_START_FAILED, exitCode: 70, message: "no julia", hint: "install it" }), P.decodeError, { code: 7, exitCode: 70, message: "no julia", hint: "install it" }],
  ["hello", P.encodeHello({ registration: 0, workerId: "0a1b2c3d4e5f", secret: "s3cret", pid: 777, juliaVersion: "1.11.7", capabilities: 1, runSocket: "/tmp/jd/w-0a1b2c3d4e5f.sock", activeRuns: 0 }), P.decodeHello,
    { registration: 0, workerId: "0a1b2c3d4e5f", secret: "s3cret", pid: 777, juliaVersion: "1.11.7", capabilities: 1, runSocket: "/tmp/jd/w-0a1b2c3d4e5f.sock", activeRuns: 0 }],
  ["ping", P.encodeIdOnly(P.Frame.PING, 9), P.decodeIdOnly, 9],
  ["pong", P.encodePong({ id: 9, activeRuns: 2 }), P.decodePong, { id: 9, activeRuns: 2 }],
  ["activate", P.encodeActivate({ id: 3, project: "/home/u/proj/Project.toml" }), P.decodeActivate, { id: 3, project: "/home/u/proj/Project.toml" }],
  ["run", P.encodeRun({ id: 4, token, flags: P.RunFlag.STDOUT_TTY | P.RunFlag.HAS_PROGRAM, clientPid: 4242, cwd: "/w", env: ["A=1"], actions: [[P.Action.EVAL, "x=1"], [P.Action.LOAD, "a.jl"]], programFile: "s.jl", args: ["--", "z"], switches: [["color", "yes"]], session: "" }), P.decodeRun,
    { id: 4, token, flags: 0b1000010, clientPid: 4242, cwd: "/w", env: ["A=1"], actions: [[1, "x=1"], [3, "a.jl"]], programFile: "s.jl", args: ["--", "z"], switches: [["color", "yes"]], session: "" }],
  ["run-done", P.encodeRunDone({ token, kind: P.ExitKind.SIGNAL, value: 2, flags: P.RunDoneFlag.RETIRE }), P.decodeRunDone, { token, kind: 1, value: 2, flags: 1 }],
  ["reply-error", P.encodeReplyError({ id: 0, code: P.ErrorCode.UNEXPECTED, message: "unknown frame 0x99" }), P.decodeReplyError, { id: 0, code: 5, message: "unknown frame 0x99" }],
  ["exit", P.encodeExit({ kind: P.ExitKind.CODE, value: 255 }), P.decodeExit, { kind: 0, value: 255 }],
  ["raw-mode", P.encodeFlag(P.Frame.RAW_MODE, true), P.decodeFlag, true],
  ["size", P.encodeSize({ rows: 50, cols: 132 }), P.decodeSize, { rows: 50, cols: 132 }],
  ["read-credit", P.encodeReadCredit(65536), P.decodeReadCredit, 65536],
  ["read-credit-open", P.encodeReadCredit(P.READ_CREDIT_OPEN), P.decodeReadCredit, 0xffffffff],
  ["interrupt-by-signal", P.encodeEmpty(P.Frame.INTERRUPT_BY_SIGNAL), () => undefined, undefined],
];

const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex").replace(/(.{2})/g, "$1 ").replace(/((?:.. ){16})/g, "$1\n").trim() + "\n";
const fromHex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("golden frames", () => {
  for (const [name, bytes, decode, expected] of cases) {
    test(name, () => {
      const file = `${dir}${name}.hex`;
      if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) writeFileSync(file, toHex(bytes));
      const golden = fromHex(readFileSync(file, "utf8"));
      expect(Buffer.from(bytes).toString("hex")).toBe(Buffer.from(golden).toString("hex"));
      const r = new P.FrameReader();
      r.push(golden);
      const f = r.next()!;
      expect(f.payload.length).toBe(golden.length - P.FRAME_HEADER_BYTES);
      if (expected !== undefined) expect(decode(f.payload)).toEqual(expected);
    });
  }
});

describe("framing", () => {
  test("a frame split at every byte boundary is reassembled", () => {
    const frame = P.encodeProgress({ phase: 2, elapsedMs: 7, message: "waiting" });
    for (let cut = 0; cut <= frame.length; cut++) {
      const r = new P.FrameReader();
      r.push(frame.subarray(0, cut));
      const early = r.next();
      r.push(frame.subarray(cut));
      const f = early ?? r.next();
      expect(f?.type).toBe(P.Frame.PROGRESS);
      expect(P.decodeProgress(f!.payload).message).toBe("waiting");
    }
  });

  test("an oversized length is refused before its payload is buffered", () => {
    const r = new P.FrameReader();
    r.push(Uint8Array.from([0x01, 0xff, 0xff, 0xff, 0x7f]));
    expect(() => r.next()).toThrow(/over the/);
  });

  test("truncated and trailing payloads are MALFORMED", () => {
    const f = P.encodeExit({ kind: 0, value: 1 });
    const payload = f.subarray(P.FRAME_HEADER_BYTES);
    expect(() => P.decodeExit(payload.subarray(0, 3))).toThrow(P.ProtocolError);
    expect(() => P.decodeExit(Uint8Array.from([...payload, 0]))).toThrow(/trailing/);
  });

  test("a hostile list count cannot allocate", () => {
    const w = new P.Writer().u32(0xffffffff);
    expect(() => P.decodeEnv(w.finish())).toThrow(/cannot fit/);
  });

  test("preamble: magic and version are checked", () => {
    expect(P.decodePreamble(P.encodePreamble("WORKER"), ["CLIENT", "WORKER"])).toBe("WORKER");
    expect(() => P.decodePreamble(new TextEncoder().encode("GET / "), ["CLIENT"])).toThrow(/bad magic/);
    expect(() => P.decodePreamble(P.encodePreamble("CLIENT", 99), ["CLIENT"])).toThrow(/version 99/);
  });

  test("unknown error codes decode to UNKNOWN", () => {
    expect(P.errorCodeName(4242)).toBe("UNKNOWN");
    expect(P.errorCodeName(P.ErrorCode.BUSY)).toBe("BUSY");
  });
});
