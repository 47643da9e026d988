// Field-level encoding shared by every message: little-endian integers,
// u32-length-prefixed strings and lists. The Reader never reads past its
// slice; a short or inconsistent payload raises ProtocolError (MALFORMED),
// which the connection turns into an ERROR frame instead of a crash.

import { ErrorCode, type ErrorCodeValue } from "./constants.ts";

export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCodeValue,
    message: string,
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(new ArrayBuffer(initial));
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(new ArrayBuffer(size));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }
  i32(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
    return this;
  }
  u64(v: bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    this.pos += 8;
    return this;
  }
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }
  bytes(bytes: Uint8Array): this {
    return this.u32(bytes.length).raw(bytes);
  }
  str(s: string): this {
    return this.bytes(encoder.encode(s));
  }
  strs(list: readonly string[]): this {
    this.u32(list.length);
    for (const s of list) this.str(s);
    return this;
  }
  pairs(list: readonly (readonly [string, string])[]): this {
    this.u32(list.length);
    for (const [k, v] of list) this.str(k).str(v);
    return this;
  }
  get length(): number {
    return this.pos;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new ProtocolError(ErrorCode.MALFORMED, `truncated ${what}: need ${n} bytes at offset ${this.pos}, have ${this.buf.length - this.pos}`);
    }
  }
  u8(): number {
    this.need(1, "u8");
    return this.view.getUint8(this.pos++);
  }
  u16(): number {
    this.need(2, "u16");
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4, "u32");
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4, "i32");
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8, "u64");
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  raw(n: number): Uint8Array {
    this.need(n, "bytes");
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  bytes(): Uint8Array {
    return this.raw(this.u32());
  }
  str(): string {
    return decoder.decode(this.bytes());
  }
  /** A list count, checked against the remaining bytes so a hostile count cannot allocate. */
  count(minItemBytes: number): number {
    const n = this.u32();
    if (n * minItemBytes > this.buf.length - this.pos) {
      throw new ProtocolError(ErrorCode.MALFORMED, `list of ${n} items cannot fit in ${this.buf.length - this.pos} bytes`);
    }
    return n;
  }
  strs(): string[] {
    const n = this.count(4);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.str());
    return out;
  }
  pairs(): [string, string][] {
    const n = this.count(8);
    const out: [string, string][] = [];
    for (let i = 0; i < n; i++) out.push([this.str(), this.str()]);
    return out;
  }
  /** Messages must consume their whole payload; trailing bytes mean a peer speaks another layout. */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new ProtocolError(ErrorCode.MALFORMED, `${this.buf.length - this.pos} unexpected trailing bytes`);
    }
  }
}
