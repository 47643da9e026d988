// One accepted connection on the conductor socket: reads the preamble to
// learn what kind of peer it is (client or worker), then feeds whole frames
// to that channel's handler. Garbage, bad versions and oversized frames get
// an ERROR frame and a close; nothing a peer sends can throw past here.

import { ExitCode } from "../../shared/errors.ts";
import { Outbox } from "../../shared/net/outbox.ts";
import {
  decodePreamble,
  encodeError,
  ErrorCode,
  FrameReader,
  PREAMBLE_BYTES,
  ProtocolError,
  type MagicName,
  type RawFrame,
} from "../../shared/protocol/index.ts";

export interface ChannelHandler {
  onFrame(f: RawFrame): void;
  onClose(): void;
}

export type ChannelFactory = (kind: MagicName, peer: Peer) => ChannelHandler;

/** What a Peer needs from a connection: a Bun socket, or an adapted node:net socket (socket activation). */
export interface Transport {
  write(data: Uint8Array): number;
  end(): void;
  timeout(seconds: number): void;
}

export class Peer {
  readonly out: Outbox;
  private readonly reader = new FrameReader();
  private handler: ChannelHandler | null = null;
  private done = false;

  constructor(
    readonly sock: Transport,
    private readonly factory: ChannelFactory,
    readonly pid: number,
  ) {
    this.out = new Outbox(sock);
  }

  receive(chunk: Uint8Array): void {
    if (this.done) return;
    this.reader.push(chunk);
    try {
      if (!this.handler) {
        const pre = this.reader.takeBytes(PREAMBLE_BYTES);
        if (!pre) return;
        const kind = decodePreamble(pre, ["CLIENT", "WORKER"]);
        this.handler = this.factory(kind, this);
      }
      for (let f = this.reader.next(); f && !this.done; f = this.reader.next()) this.handler.onFrame(f);
    } catch (e) {
      const pe = e instanceof ProtocolError ? e : new ProtocolError(ErrorCode.INTERNAL, (e as Error).message);
      const hint =
        pe.code === ErrorCode.INTERNAL
          ? "this is a bug in juliaconductor; see its log"
          : pe.code === ErrorCode.BAD_VERSION
            ? "juliaclient and juliaconductor are different releases: run `juliaconductor restart` with the new binaries"
            : "is this peer a juliaclient or worker of the same release?";
      this.fail(pe.code, pe.message, hint);
    }
  }

  send(frame: Uint8Array): void {
    if (!this.done) this.out.write(frame);
  }

  /** Sends an ERROR frame and closes once it is written. */
  fail(code: number, message: string, hint = "", exitCode: number = ExitCode.PROTOCOL): void {
    if (this.done) return;
    this.out.write(encodeError({ code, exitCode, message, hint }));
    this.close();
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.out.end();
  }

  closed(): void {
    this.done = true;
    this.out.markClosed();
    const h = this.handler;
    this.handler = null;
    h?.onClose();
  }

  get isClosed(): boolean {
    return this.done;
  }
}
