// Framing, apart from message layouts and from sockets: a channel preamble
// (magic + version), then frames of u8 type + u32 length + payload. The
// incremental FrameReader accepts arbitrary chunking (half headers included)
// and enforces MAX_FRAME_BYTES before buffering a payload.

import { ProtocolError } from "./codec.ts";
import { ErrorCode, FRAME_HEADER_BYTES, MAX_FRAME_BYTES, Magic, PREAMBLE_BYTES, PROTOCOL_VERSION, type MagicName } from "./constants.ts";

export interface RawFrame {
  type: number;
  payload: Uint8Array;
}

export function encodePreamble(kind: MagicName, version = PROTOCOL_VERSION): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(PREAMBLE_BYTES));
  for (let i = 0; i < 4; i++) out[i] = Magic[kind].charCodeAt(i);
  new DataView(out.buffer).setUint16(4, version, true);
  return out;
}

/** Identifies the channel kind from a preamble; BAD_MAGIC / BAD_VERSION otherwise. */
export function decodePreamble(bytes: Uint8Array, allowed: readonly MagicName[]): MagicName {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  const kind = allowed.find((k) => Magic[k] === magic);
  if (!kind) throw new ProtocolError(ErrorCode.BAD_MAGIC, "not a julia-daemon peer (bad magic)");
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(4, true);
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError(ErrorCode.BAD_VERSION, `protocol version ${version} is not supported (this side speaks ${PROTOCOL_VERSION})`);
  }
  return kind;
}

export function encodeFrame(type: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (payload.length > MAX_FRAME_BYTES) {
    throw new ProtocolError(ErrorCode.FRAME_TOO_LARGE, `frame payload of ${payload.length} bytes exceeds the ${MAX_FRAME_BYTES}-byte cap`);
  }
  const out = new Uint8Array(new ArrayBuffer(FRAME_HEADER_BYTES + payload.length));
  out[0] = type;
  new DataView(out.buffer).setUint32(1, payload.length, true);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Concatenates chunks without copying when there is only one. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(new ArrayBuffer(n));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Byte accumulator that yields whole frames. `takeBytes` lets a caller read
 * a fixed-size prefix (a preamble, a token) before switching to frames.
 */
export class FrameReader {
  private buf = new Uint8Array(0);
  constructor(private readonly maxPayload = MAX_FRAME_BYTES) {}

  push(chunk: Uint8Array): void {
    if (this.buf.length === 0) {
      this.buf = chunk.slice();
      return;
    }
    const next = new Uint8Array(new ArrayBuffer(this.buf.length + chunk.length));
    next.set(this.buf);
    next.set(chunk, this.buf.length);
    this.buf = next;
  }

  get buffered(): number {
    return this.buf.length;
  }

  takeBytes(n: number): Uint8Array | null {
    if (this.buf.length < n) return null;
    const out = this.buf.slice(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Bytes left after the last frame (e.g. raw stream data after a status byte). */
  rest(): Uint8Array {
    const out = this.buf;
    this.buf = new Uint8Array(0);
    return out;
  }

  next(): RawFrame | null {
    if (this.buf.length < FRAME_HEADER_BYTES) return null;
    const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const type = view.getUint8(0);
    const len = view.getUint32(1, true);
    if (len > this.maxPayload) {
      throw new ProtocolError(ErrorCode.FRAME_TOO_LARGE, `frame of type 0x${type.toString(16)} announces ${len} bytes, over the ${this.maxPayload}-byte cap`);
    }
    if (this.buf.length < FRAME_HEADER_BYTES + len) return null;
    const payload = this.buf.slice(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + len);
    this.buf = this.buf.subarray(FRAME_HEADER_BYTES + len);
    return { type, payload };
  }
}
