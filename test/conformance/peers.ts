// The worker's two peers, faked: the conductor end of the control channel
// (accepts HELLO, queues frames) and a client attached to a run's four streams
// (collects stdout, stderr, control frames and EXIT; answers RAW_MODE and
// SIZE_QUERY like a 30x100 terminal). Every wait is on an event (a frame, a
// close, a status byte), never a sleep; RUN_DONE arrivals are recorded so a
// client can tell whether RUN_DONE preceded its EXIT (§4.4).

import { expect } from "bun:test";
import type { Socket } from "bun";
import { dlopen, FFIType, ptr } from "bun:ffi";
import {
  Frame,
  FrameReader,
  StreamStatus,
  concatBytes,
  decodeExit,
  decodeFlag,
  decodeReadCredit,
  encodeFlag,
  encodePreamble,
  encodeSize,
  encodeStreamOpen,
  type ExitMsg,
  type RawFrame,
} from "../../src/shared/protocol/index.ts";

const decoder = new TextDecoder();
let seq = 0;
const stamp = () => ++seq;
const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** RUN_DONE frames seen by any fake conductor, by token: the sequence number of their arrival. */
const runDoneSeen = new Map<string, number>();
/** fds of the live fake-conductor connections, to look at bytes the kernel holds for them. */
const conductorFds = new Set<number>();
const FIONREAD = 0x541b;
const libc = dlopen("libc.so.6", { ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 } });

/** Bytes queued in the kernel for `fd`, not yet read by Bun. */
function pendingBytes(fd: number): number {
  const n = new Uint8Array(new ArrayBuffer(4));
  return libc.symbols.ioctl(fd, BigInt(FIONREAD), ptr(n)) === 0 ? new DataView(n.buffer).getInt32(0, true) : 0;
}

export function withTimeout<T>(p: Promise<T>, what: string, ms: number): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** An async FIFO: push from socket handlers, `next()` from the test. */
export class Queue<T> {
  private items: T[] = [];
  private waiters: ((v: T | null) => void)[] = [];
  private ended = false;
  /** Per-wait limit; lowered after a slow start-up. */
  constructor(public ms: number) {}
  push(v: T): void {
    const w = this.waiters.shift();
    if (w) w(v);
    else this.items.push(v);
  }
  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w(null);
  }
  next(what = "an item"): Promise<T | null> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (this.ended) return Promise.resolve(null);
    return withTimeout(new Promise<T | null>((r) => this.waiters.push(r)), what, this.ms);
  }
}

export interface StampedFrame extends RawFrame {
  seq: number;
}

/** The worker's control channel as the conductor sees it. */
export class ConductorConn {
  readonly frames: Queue<StampedFrame>;
  preamble: Uint8Array | null = null;
  private readonly reader = new FrameReader();
  readonly closed = Promise.withResolvers<void>();
  constructor(
    readonly sock: Socket<unknown>,
    ms: number,
  ) {
    this.frames = new Queue(ms);
    const fd = (sock as unknown as { fd?: number }).fd;
    if (typeof fd === "number") {
      conductorFds.add(fd);
      void this.closed.promise.then(() => conductorFds.delete(fd));
    }
  }
  onData(chunk: Uint8Array): void {
    this.reader.push(chunk);
    if (!this.preamble) this.preamble = this.reader.takeBytes(6);
    if (!this.preamble) return;
    for (let f = this.reader.next(); f; f = this.reader.next()) {
      const n = stamp();
      if (f.type === Frame.RUN_DONE && f.payload.length >= 16) runDoneSeen.set(hexOf(f.payload.subarray(0, 16)), n);
      this.frames.push({ ...f, seq: n });
    }
  }
  send(bytes: Uint8Array): void {
    expect(this.sock.write(bytes)).toBe(bytes.length);
  }
  /** The next frame, which must be of `type`. */
  async expectFrame(type: number): Promise<StampedFrame> {
    const hex = `0x${type.toString(16)}`;
    const f = await this.frames.next(`frame ${hex}`);
    if (!f) throw new Error(`control channel closed while waiting for frame ${hex}`);
    expect(`0x${f.type.toString(16)}`).toBe(hex);
    return f;
  }
  async expect(type: number): Promise<Uint8Array> {
    return (await this.expectFrame(type)).payload;
  }
}

export class FakeConductor {
  readonly connections: Queue<ConductorConn>;
  private readonly listener;
  constructor(
    readonly path: string,
    ms: number,
  ) {
    this.connections = new Queue(ms);
    const conns = new Map<Socket<unknown>, ConductorConn>();
    this.listener = Bun.listen<unknown>({
      unix: path,
      socket: {
        binaryType: "uint8array",
        open: (s) => {
          const c = new ConductorConn(s, ms);
          conns.set(s, c);
          this.connections.push(c);
        },
        data: (s, chunk) => conns.get(s)!.onData(chunk),
        close: (s) => {
          const c = conns.get(s)!;
          c.frames.end();
          c.closed.resolve();
        },
      },
    });
  }
  stop(): void {
    this.listener.stop(true);
  }
}

export interface StreamEndpoint {
  sock: Socket<unknown>;
  status: Promise<{ status: number; message: string }>;
  closed: Promise<void>;
}

/** Opens one per-run stream (§5); `onBytes` gets everything after an OK status byte. */
export async function openStream(path: string, token: Uint8Array, kind: number, ms: number, onBytes: (b: Uint8Array) => void = () => {}, preamble = encodePreamble("STREAM")): Promise<StreamEndpoint> {
  const reader = new FrameReader();
  const status = Promise.withResolvers<{ status: number; message: string }>();
  const closed = Promise.withResolvers<void>();
  let code = -1;
  const sock = await Bun.connect<unknown>({
    unix: path,
    socket: {
      binaryType: "uint8array",
      data(_s, chunk) {
        if (code === 0) return onBytes(chunk);
        reader.push(chunk);
        if (code < 0) code = reader.takeBytes(1)?.[0] ?? -1;
        if (code === 0) {
          status.resolve({ status: 0, message: "" });
          const rest = reader.rest();
          if (rest.length > 0) onBytes(rest);
          return;
        }
        if (code > 0 && reader.buffered >= 4) {
          const len = new DataView(reader.takeBytes(4)!.slice().buffer).getUint32(0, true);
          const msg = reader.takeBytes(len);
          if (msg) status.resolve({ status: code, message: decoder.decode(msg) });
        }
      },
      close() {
        status.resolve({ status: code, message: "" });
        closed.resolve();
      },
    },
  });
  sock.write(concatBytes([preamble, encodeStreamOpen(token, kind)]));
  return { sock, status: withTimeout(status.promise, `status of stream ${kind}`, ms), closed: closed.promise };
}

export interface RunOutcome {
  stdout: string;
  stderr: string;
  exit: ExitMsg;
  exitSeq: number;
  runDoneFirst: boolean;
  controlFrames: number[];
  credits: number[];
  rawModes: boolean[];
}

/** A client attached to a run: answers RAW_MODE and SIZE_QUERY like a 30x100 terminal. */
export class RunClient {
  stdout = "";
  stderr = "";
  readonly controlFrames: number[] = [];
  readonly credits: number[] = [];
  readonly rawModes: boolean[] = [];
  exitSeq = 0;
  /**
   * Whether RUN_DONE had reached the fake conductor when EXIT reached the
   * client. A unix-socket write lands in the peer's receive queue before the
   * call returns, so a worker that wrote RUN_DONE first has it either already
   * dispatched or still queued in the kernel (FIONREAD > 0) at the moment EXIT
   * is dispatched — whatever order the event loop serves the two sockets in.
   */
  runDoneFirst: Promise<boolean> | undefined;
  private readonly exit = Promise.withResolvers<ExitMsg>();
  private watchers: (() => void)[] = [];
  private streams: StreamEndpoint[] = [];
  private control!: Socket<unknown>;
  constructor(
    private readonly ms: number,
    private readonly token: Uint8Array,
  ) {}

  static async open(path: string, token: Uint8Array, ms: number): Promise<RunClient> {
    const c = new RunClient(ms, token);
    const reader = new FrameReader();
    const wake = () => {
      for (const w of c.watchers.splice(0)) w();
    };
    const control = await openStream(path, token, 1, ms, (b) => {
      reader.push(b);
      for (let f = reader.next(); f; f = reader.next()) c.onFrame(f);
      wake();
    });
    c.control = control.sock;
    const stdin = await openStream(path, token, 2, ms);
    const stdout = await openStream(path, token, 3, ms, (b) => ((c.stdout += decoder.decode(b, { stream: true })), wake()));
    const stderr = await openStream(path, token, 4, ms, (b) => ((c.stderr += decoder.decode(b, { stream: true })), wake()));
    c.streams = [control, stdin, stdout, stderr];
    for (const s of c.streams) expect((await s.status).status).toBe(StreamStatus.OK);
    return c;
  }

  /** Set when the worker announced INTERRUPT_BY_SIGNAL (§5.1). */
  interruptBySignal = false;

  private onFrame(f: RawFrame): void {
    if (f.type === Frame.INTERRUPT_BY_SIGNAL) {
      // An announcement, kept apart so cases about the frame sequence stay worker-neutral.
      this.interruptBySignal = true;
      for (const w of this.watchers.splice(0)) w();
      return;
    }
    this.controlFrames.push(f.type);
    if (f.type === Frame.EXIT) {
      this.exitSeq = stamp();
      const key = hexOf(this.token);
      const queued = [...conductorFds].some((fd) => pendingBytes(fd) > 0);
      this.runDoneFirst = Promise.resolve(runDoneSeen.has(key) || queued);
      this.exit.resolve(decodeExit(f.payload));
    } else if (f.type === Frame.RAW_MODE) {
      this.rawModes.push(decodeFlag(f.payload));
      this.control.write(encodeFlag(Frame.RAW_ACK, decodeFlag(f.payload)));
    }
    else if (f.type === Frame.SIZE_QUERY) this.control.write(encodeSize({ rows: 30, cols: 100 }));
    else if (f.type === Frame.READ_CREDIT) this.credits.push(decodeReadCredit(f.payload));
  }

  writeStdin(text: string | Uint8Array): void {
    this.streams[1]!.sock.write(text);
  }
  closeStream(kind: 1 | 2 | 3 | 4): void {
    this.streams[kind - 1]!.sock.end();
  }
  sendControl(frame: Uint8Array): void {
    this.control.write(frame);
  }
  /** Stops reading a stream, so the worker's writes to it block (a client whose reader stalled). */
  pauseStream(kind: 3 | 4): void {
    this.streams[kind - 1]!.sock.pause();
  }
  resumeStream(kind: 3 | 4): void {
    this.streams[kind - 1]!.sock.resume();
  }

  /** Waits until `cond` holds; re-checked whenever bytes or frames arrive. */
  async until(cond: (c: RunClient) => boolean, what: string): Promise<void> {
    while (!cond(this)) await withTimeout(new Promise<void>((r) => this.watchers.push(r)), what, this.ms);
  }
  waitStdout(text: string): Promise<void> {
    return this.until((c) => c.stdout.includes(text), `stdout containing ${JSON.stringify(text)}`);
  }
  credited(n = 1): Promise<void> {
    return this.until((c) => c.credits.length >= n, "READ_CREDIT");
  }

  /** EXIT plus EOF on stdout and stderr, as a real client waits. */
  async done(): Promise<RunOutcome> {
    const exit = await withTimeout(this.exit.promise, "EXIT", this.ms);
    await withTimeout(Promise.all([this.streams[2]!.closed, this.streams[3]!.closed]), "stdout/stderr EOF", this.ms);
    const runDoneFirst = await this.runDoneFirst!;
    const { stdout, stderr, controlFrames, credits, rawModes, exitSeq } = this;
    return { stdout, stderr, exit, exitSeq, runDoneFirst, controlFrames, credits, rawModes };
  }
}
