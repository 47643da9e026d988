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
  if (bytes.length < PREAMBLE_BYTES) throw new ProtocolError(ErrorCode.MALFORMED, `a preamble is ${PREAMBLE_BYTES} bytes, got ${bytes.length}`);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  const kind = allowed.find((k) => Magic[k] === magic);
  if (!kind) throw new ProtocolError(ErrorCode.BAD_MAGIC, "not a julia-daemon peer (bad magic)");
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(4, true);
  if (version !== PROTOCOL_VERSION) {
    // Keep "this side speaks N": a newer client reads the conductor's version from it (client/skew.ts).
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
  // Chunks are kept as a list and joined only when a frame needs them, so a
  // large frame arriving in many small chunks costs O(size), not O(size·chunks).
  private chunks: Uint8Array[] = [];
  private total = 0;
  constructor(private readonly maxPayload = MAX_FRAME_BYTES) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk.slice());
    this.total += chunk.length;
  }

  get buffered(): number {
    return this.total;
  }

  /** Makes the first `n` buffered bytes contiguous in chunks[0]. */
  private gather(n: number): Uint8Array {
    const head = this.chunks[0]!;
    if (head.length >= n) return head;
    const out = new Uint8Array(new ArrayBuffer(this.total));
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    this.chunks = [out];
    return out;
  }

  private consume(n: number): void {
    const head = this.chunks[0]!;
    this.total -= n;
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
  }

  takeBytes(n: number): Uint8Array | null {
    if (this.total < n) return null;
    const out = this.gather(n).slice(0, n);
    this.consume(n);
    return out;
  }

  /** Bytes left after the last frame (e.g. raw stream data after a status byte). */
  rest(): Uint8Array {
    const out = this.total ? this.gather(this.total).slice(0, this.total) : new Uint8Array(0);
    this.chunks = [];
    this.total = 0;
    return out;
  }

  next(): RawFrame | null {
    if (this.total < FRAME_HEADER_BYTES) return null;
    const head = this.gather(FRAME_HEADER_BYTES);
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const type = view.getUint8(0);
    const len = view.getUint32(1, true);
    if (len > this.maxPayload) {
      throw new ProtocolError(ErrorCode.FRAME_TOO_LARGE, `frame of type 0x${type.toString(16)} announces ${len} bytes, over the ${this.maxPayload}-byte cap`);
    }
    if (this.total < FRAME_HEADER_BYTES + len) return null;
    const whole = this.gather(FRAME_HEADER_BYTES + len);
    const payload = whole.slice(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + len);
    this.consume(FRAME_HEADER_BYTES + len);
    return { type, payload };
  }
}
