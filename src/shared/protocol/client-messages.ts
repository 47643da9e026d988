// Messages of the request channel (client <-> conductor, docs/protocol.md §3):
// one encode and one decode per frame; field order is byte order.

import { Reader, Writer } from "./codec.ts";
import { Frame, TOKEN_BYTES } from "./constants.ts";
import { checkToken, frame } from "./message-util.ts";

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
