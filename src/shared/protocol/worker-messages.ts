// Messages of the control channel (worker <-> conductor, docs/protocol.md §4):
// one encode and one decode per frame; field order is byte order.

import { Reader, Writer } from "./codec.ts";
import { Frame, TOKEN_BYTES } from "./constants.ts";
import { checkToken, frame } from "./message-util.ts";

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
  const n = r.count(5); // u8 kind + str length, at least
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
  /** RunDoneFlag bits (version 2); RETIRE: retire this worker */
  flags: number;
}
export const encodeRunDone = (m: RunDone) => frame(Frame.RUN_DONE, new Writer(24).raw(checkToken(m.token)).u8(m.kind).i32(m.value).u8(m.flags));
export function decodeRunDone(p: Uint8Array): RunDone {
  const r = new Reader(p);
  const m = { token: r.raw(TOKEN_BYTES), kind: r.u8(), value: r.i32(), flags: r.u8() };
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
