// Message layouts: one encode and one decode per frame type, each returning
// or taking a whole frame. Field order here is the byte order on the wire and
// is mirrored field for field in docs/protocol.md.

import { Reader, Writer } from "./codec.ts";
import { Frame, TOKEN_BYTES } from "./constants.ts";
import { encodeFrame } from "./frames.ts";

const frame = (type: number, w?: Writer): Uint8Array => encodeFrame(type, w ? w.finish() : undefined);

// ---- client <-> conductor -------------------------------------------------

export interface ClientRequest {
  flags: number;
  pid: number;
  ppid: number;
  cwd: string;
  term: string;
  colorterm: string;
  envHash: bigint;
  argv: string[];
  /** the client's build version, e.g. "0.1.0": a newer client asks an older conductor to hand over */
  version: string;
}
export const encodeRequest = (m: ClientRequest) =>
  frame(Frame.REQUEST, new Writer(512).u32(m.flags).u32(m.pid).u32(m.ppid).str(m.cwd).str(m.term).str(m.colorterm).u64(m.envHash).strs(m.argv).str(m.version));
export function decodeRequest(p: Uint8Array): ClientRequest {
  const r = new Reader(p);
  const m = { flags: r.u32(), pid: r.u32(), ppid: r.u32(), cwd: r.str(), term: r.str(), colorterm: r.str(), envHash: r.u64(), argv: r.strs(), version: r.str() };
  r.end();
  return m;
}

/** HANDOVER: the conductor is older than the client and is stepping down, keeping its workers. */
export interface Handover {
  conductorPid: number;
  conductorVersion: string;
}
export const encodeHandover = (m: Handover) => frame(Frame.HANDOVER, new Writer().u32(m.conductorPid).str(m.conductorVersion));
export function decodeHandover(p: Uint8Array): Handover {
  const r = new Reader(p);
  const m = { conductorPid: r.u32(), conductorVersion: r.str() };
  r.end();
  return m;
}

/** ENV: the client's whole environment as KEY=VALUE entries, sent only after NEED_ENV. */
export const encodeEnv = (entries: readonly string[]) => frame(Frame.ENV, new Writer(4096).strs(entries));
export function decodeEnv(p: Uint8Array): string[] {
  const r = new Reader(p);
  const m = r.strs();
  r.end();
  return m;
}

export interface NotifyMsg {
  event: number;
  value: number;
}
export const encodeNotify = (m: NotifyMsg) => frame(Frame.NOTIFY, new Writer(8).u8(m.event).u32(m.value));
export function decodeNotify(p: Uint8Array): NotifyMsg {
  const r = new Reader(p);
  const m = { event: r.u8(), value: r.u32() };
  r.end();
  return m;
}

/** ADMIN: a conductor command (`status`, `stop`, …) with its arguments. */
export const encodeAdmin = (args: readonly string[]) => frame(Frame.ADMIN, new Writer().strs(args));
export const decodeAdmin = decodeEnv;

export interface Route {
  socketPath: string;
  token: Uint8Array;
  workerPid: number;
  workerId: string;
}
export const encodeRoute = (m: Route) =>
  frame(Frame.ROUTE, new Writer().str(m.socketPath).raw(checkToken(m.token)).u32(m.workerPid).str(m.workerId));
export function decodeRoute(p: Uint8Array): Route {
  const r = new Reader(p);
  const m = { socketPath: r.str(), token: r.raw(TOKEN_BYTES), workerPid: r.u32(), workerId: r.str() };
  r.end();
  return m;
}

export const encodeNeedEnv = () => frame(Frame.NEED_ENV);

export interface Progress {
  phase: number;
  elapsedMs: number;
  message: string;
}
export const encodeProgress = (m: Progress) => frame(Frame.PROGRESS, new Writer().u8(m.phase).u32(m.elapsedMs).str(m.message));
export function decodeProgress(p: Uint8Array): Progress {
  const r = new Reader(p);
  const m = { phase: r.u8(), elapsedMs: r.u32(), message: r.str() };
  r.end();
  return m;
}

export interface Output {
  exitCode: number;
  stdout: string;
  stderr: string;
}
export const encodeOutput = (m: Output) => frame(Frame.OUTPUT, new Writer().u8(m.exitCode).str(m.stdout).str(m.stderr));
export function decodeOutput(p: Uint8Array): Output {
  const r = new Reader(p);
  const m = { exitCode: r.u8(), stdout: r.str(), stderr: r.str() };
  r.end();
  return m;
}

export interface Ready {
  pid: number;
  socketPath: string;
}
export const encodeReady = (m: Ready) => frame(Frame.READY, new Writer().u32(m.pid).str(m.socketPath));
export function decodeReady(p: Uint8Array): Ready {
  const r = new Reader(p);
  const m = { pid: r.u32(), socketPath: r.str() };
  r.end();
  return m;
}

export interface ErrorMsg {
  code: number;
  exitCode: number;
  message: string;
  hint: string;
}
export const encodeError = (m: ErrorMsg) => frame(Frame.ERROR, new Writer().u16(m.code).u8(m.exitCode).str(m.message).str(m.hint));
export function decodeError(p: Uint8Array): ErrorMsg {
  const r = new Reader(p);
  const m = { code: r.u16(), exitCode: r.u8(), message: r.str(), hint: r.str() };
  r.end();
  return m;
}

// ---- worker <-> conductor -------------------------------------------------

export interface Hello {
  registration: number;
  workerId: string;
  secret: string;
  pid: number;
  juliaVersion: string;
  capabilities: number;
  runSocket: string;
  activeRuns: number;
}
export const encodeHello = (m: Hello) =>
  frame(Frame.HELLO, new Writer().u8(m.registration).str(m.workerId).str(m.secret).u32(m.pid).str(m.juliaVersion).u32(m.capabilities).str(m.runSocket).u32(m.activeRuns));
export function decodeHello(p: Uint8Array): Hello {
  const r = new Reader(p);
  const m = { registration: r.u8(), workerId: r.str(), secret: r.str(), pid: r.u32(), juliaVersion: r.str(), capabilities: r.u32(), runSocket: r.str(), activeRuns: r.u32() };
  r.end();
  return m;
}
export const encodeWelcome = () => frame(Frame.WELCOME);

/** PING, ACTIVATED, RUN_ACCEPTED carry only a request id. */
export const encodeIdOnly = (type: number, id: number) => frame(type, new Writer(4).u32(id));
export function decodeIdOnly(p: Uint8Array): number {
  const r = new Reader(p);
  const id = r.u32();
  r.end();
  return id;
}

export interface Pong {
  id: number;
  activeRuns: number;
}
export const encodePong = (m: Pong) => frame(Frame.PONG, new Writer(8).u32(m.id).u32(m.activeRuns));
export function decodePong(p: Uint8Array): Pong {
  const r = new Reader(p);
  const m = { id: r.u32(), activeRuns: r.u32() };
  r.end();
  return m;
}

export interface Activate {
  id: number;
  project: string;
}
export const encodeActivate = (m: Activate) => frame(Frame.ACTIVATE, new Writer().u32(m.id).str(m.project));
export function decodeActivate(p: Uint8Array): Activate {
  const r = new Reader(p);
  const m = { id: r.u32(), project: r.str() };
  r.end();
  return m;
}

export interface RunSpec {
  id: number;
  token: Uint8Array;
  flags: number;
  clientPid: number;
  cwd: string;
  env: string[];
  actions: [number, string][];
  programFile: string;
  args: string[];
  switches: [string, string][];
  session: string;
}
export function encodeRun(m: RunSpec): Uint8Array {
  const w = new Writer(4096).u32(m.id).raw(checkToken(m.token)).u32(m.flags).u32(m.clientPid).str(m.cwd).strs(m.env);
  w.u32(m.actions.length);
  for (const [kind, value] of m.actions) w.u8(kind).str(value);
  w.str(m.programFile).strs(m.args).pairs(m.switches).str(m.session);
  return frame(Frame.RUN, w);
}
export function decodeRun(p: Uint8Array): RunSpec {
  const r = new Reader(p);
  const id = r.u32();
  const token = r.raw(TOKEN_BYTES);
  const flags = r.u32();
  const clientPid = r.u32();
  const cwd = r.str();
  const env = r.strs();
  const n = r.u32();
  if (n * 5 > p.length) r.raw(p.length); // forces a MALFORMED error for a hostile count
  const actions: [number, string][] = [];
  for (let i = 0; i < n; i++) actions.push([r.u8(), r.str()]);
  const m = { id, token, flags, clientPid, cwd, env, actions, programFile: r.str(), args: r.strs(), switches: r.pairs(), session: r.str() };
  r.end();
  return m;
}

export const encodeShutdown = (mode: number) => frame(Frame.SHUTDOWN, new Writer(1).u8(mode));
export function decodeShutdown(p: Uint8Array): number {
  const r = new Reader(p);
  const mode = r.u8();
  r.end();
  return mode;
}

export interface RunDone {
  token: Uint8Array;
  kind: number;
  value: number;
}
export const encodeRunDone = (m: RunDone) => frame(Frame.RUN_DONE, new Writer(24).raw(checkToken(m.token)).u8(m.kind).i32(m.value));
export function decodeRunDone(p: Uint8Array): RunDone {
  const r = new Reader(p);
  const m = { token: r.raw(TOKEN_BYTES), kind: r.u8(), value: r.i32() };
  r.end();
  return m;
}

export const encodeCancelRun = (token: Uint8Array) => frame(Frame.CANCEL_RUN, new Writer(16).raw(checkToken(token)));
export function decodeCancelRun(p: Uint8Array): Uint8Array {
  const r = new Reader(p);
  const t = r.raw(TOKEN_BYTES);
  r.end();
  return t;
}

export interface ReplyError {
  id: number;
  code: number;
  message: string;
}
export const encodeReplyError = (m: ReplyError) => frame(Frame.REPLY_ERROR, new Writer().u32(m.id).u16(m.code).str(m.message));
export function decodeReplyError(p: Uint8Array): ReplyError {
  const r = new Reader(p);
  const m = { id: r.u32(), code: r.u16(), message: r.str() };
  r.end();
  return m;
}

// ---- worker <-> client per-run control stream -----------------------------

export interface ExitMsg {
  kind: number;
  value: number;
}
export const encodeExit = (m: ExitMsg) => frame(Frame.EXIT, new Writer(5).u8(m.kind).i32(m.value));
export function decodeExit(p: Uint8Array): ExitMsg {
  const r = new Reader(p);
  const m = { kind: r.u8(), value: r.i32() };
  r.end();
  return m;
}

/** RAW_MODE and RAW_ACK carry one byte: 1 raw, 0 cooked. */
export const encodeFlag = (type: number, on: boolean) => frame(type, new Writer(1).u8(on ? 1 : 0));
export function decodeFlag(p: Uint8Array): boolean {
  const r = new Reader(p);
  const v = r.u8();
  r.end();
  return v !== 0;
}

export const encodeEmpty = (type: number) => frame(type);

export const encodeReadCredit = (bytes: number) => frame(Frame.READ_CREDIT, new Writer(4).u32(bytes));
export const decodeReadCredit = decodeIdOnly;

export interface Size {
  rows: number;
  cols: number;
}
export const encodeSize = (m: Size) => frame(Frame.SIZE, new Writer(4).u16(m.rows).u16(m.cols));
export function decodeSize(p: Uint8Array): Size {
  const r = new Reader(p);
  const m = { rows: r.u16(), cols: r.u16() };
  r.end();
  return m;
}

/** Stream preamble after the channel preamble: the run token and the stream kind. */
export function encodeStreamOpen(token: Uint8Array, kind: number): Uint8Array {
  return new Writer(17).raw(checkToken(token)).u8(kind).finish();
}
export const STREAM_OPEN_BYTES = TOKEN_BYTES + 1;
export function decodeStreamOpen(b: Uint8Array): { token: Uint8Array; kind: number } {
  const r = new Reader(b);
  const m = { token: r.raw(TOKEN_BYTES), kind: r.u8() };
  r.end();
  return m;
}

/** The worker's answer to a stream open: one status byte, plus a message when it is not OK. */
export function encodeStreamStatus(status: number, message = ""): Uint8Array {
  const w = new Writer(8).u8(status);
  if (status !== 0) w.str(message);
  return w.finish();
}

function checkToken(t: Uint8Array): Uint8Array {
  if (t.length !== TOKEN_BYTES) throw new RangeError(`run token must be ${TOKEN_BYTES} bytes, got ${t.length}`);
  return t;
}
