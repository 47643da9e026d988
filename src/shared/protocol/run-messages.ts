// Messages of a run's control stream and the stream handshake (worker <->
// client, docs/protocol.md §5); field order is byte order.

import { Reader, Writer } from "./codec.ts";
import { Frame, TOKEN_BYTES } from "./constants.ts";
import { checkToken, frame } from "./message-util.ts";
import { decodeIdOnly } from "./worker-messages.ts";

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
