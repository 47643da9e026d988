// The conductor's end of a worker's control channel: HELLO/WELCOME, then
// request/reply pairs matched by id (so replies may arrive in any order and
// a slow reply never blocks another), plus RUN_DONE events. Policy lives in
// the pool; this file only turns frames into calls.

import {
  decodeHello,
  decodeIdOnly,
  decodePong,
  decodeReplyError,
  decodeRunDone,
  encodeActivate,
  encodeCancelRun,
  encodeIdOnly,
  encodeRun,
  encodeShutdown,
  encodeWelcome,
  ErrorCode,
  Frame,
  MAX_FRAME_BYTES,
  ProtocolError,
  type Hello,
  type RawFrame,
  type RunDone,
  type RunSpec,
} from "../../shared/protocol/index.ts";
import { createError } from "../../shared/errors.ts";
import type { ChannelHandler, Peer } from "./peer.ts";

export interface WorkerEvents {
  /** Returns null to accept the worker, or a refusal message. */
  onHello(hello: Hello, channel: WorkerChannel): string | null;
  onRunDone(channel: WorkerChannel, done: RunDone): void;
  onClose(channel: WorkerChannel): void;
}

export class ReplyError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  resolve: (f: RawFrame) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class WorkerChannel implements ChannelHandler {
  hello: Hello | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  closed = false;

  constructor(
    private readonly peer: Peer,
    private readonly events: WorkerEvents,
  ) {}

  onFrame(f: RawFrame): void {
    if (!this.hello) {
      if (f.type !== Frame.HELLO) throw new ProtocolError(ErrorCode.UNEXPECTED, "a worker must send HELLO first");
      const hello = decodeHello(f.payload);
      const refusal = this.events.onHello(hello, this);
      if (refusal) return this.peer.fail(ErrorCode.UNKNOWN_WORKER, refusal);
      this.hello = hello;
      this.peer.sock.timeout(0);
      this.peer.send(encodeWelcome());
      return;
    }
    switch (f.type) {
      case Frame.PONG:
        return this.settle(decodePong(f.payload).id, f);
      case Frame.ACTIVATED:
      case Frame.RUN_ACCEPTED:
        return this.settle(decodeIdOnly(f.payload), f);
      case Frame.REPLY_ERROR: {
        const e = decodeReplyError(f.payload);
        const p = this.pending.get(e.id);
        if (!p) return; // id 0: the worker complained about something we sent; nothing waits on it
        this.pending.delete(e.id);
        clearTimeout(p.timer);
        return p.reject(new ReplyError(e.code, e.message));
      }
      case Frame.RUN_DONE:
        return this.events.onRunDone(this, decodeRunDone(f.payload));
      default:
        throw new ProtocolError(ErrorCode.UNEXPECTED, `unexpected frame 0x${f.type.toString(16)} on a control channel`);
    }
  }

  private settle(id: number, f: RawFrame): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(f);
  }

  private request(build: (id: number) => Uint8Array, timeoutMs: number, what: string): Promise<RawFrame> {
    if (this.closed) return Promise.reject(new ReplyError(ErrorCode.WORKER_DIED, "the worker's control channel is closed"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ReplyError(ErrorCode.WORKER_DIED, `the worker did not answer ${what} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.peer.send(build(id));
    });
  }

  async ping(timeoutMs: number): Promise<number> {
    const f = await this.request((id) => encodeIdOnly(Frame.PING, id), timeoutMs, "PING");
    return decodePong(f.payload).activeRuns;
  }

  async activate(project: string, timeoutMs: number): Promise<void> {
    await this.request((id) => encodeActivate({ id, project }), timeoutMs, "ACTIVATE");
  }

  /**
   * A RUN over the frame limit would make the worker drop its control channel
   * (and be retired): such a request is refused here, the worker kept (exit 75).
   */
  async run(spec: Omit<RunSpec, "id">, timeoutMs: number): Promise<void> {
    try {
      encodeRun({ ...spec, id: 0 });
    } catch (e) {
      if (!(e instanceof ProtocolError && e.code === ErrorCode.FRAME_TOO_LARGE)) throw e;
      throw createError("REFUSED", `the run is too large to forward: its environment, arguments and paths are over the ${MAX_FRAME_BYTES}-byte frame limit`, "start juliaclient with a smaller environment (env -u …) or fewer arguments");
    }
    await this.request((id) => encodeRun({ ...spec, id }), timeoutMs, "RUN");
  }

  cancelRun(token: Uint8Array): void {
    this.peer.send(encodeCancelRun(token));
  }

  shutdown(mode: number): void {
    this.peer.send(encodeShutdown(mode));
  }

  close(): void {
    this.peer.close();
  }

  onClose(): void {
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ReplyError(ErrorCode.WORKER_DIED, "the worker's control channel closed"));
    }
    this.pending.clear();
    if (this.hello) this.events.onClose(this);
  }
}
