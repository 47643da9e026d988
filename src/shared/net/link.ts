// A client-side Unix socket with a write queue and a swappable data sink.
// Bytes that arrive before a sink is attached are held, so a handshake
// reader can hand the remainder of a chunk to the pump without losing it.

import type { Socket } from "bun";
import { Outbox } from "./outbox.ts";
import { FrameReader, type RawFrame } from "../protocol/index.ts";

export class Link {
  readonly out: Outbox;
  private held: Uint8Array[] = [];
  private sink: ((b: Uint8Array) => void) | null = null;
  private closeWaiters: (() => void)[] = [];
  isClosed = false;

  private constructor(readonly sock: Socket<Link>) {
    this.out = new Outbox(sock);
  }

  /** The socket's fd (Bun's undocumented `fd`), for SO_PEERCRED; undefined when Bun does not say. */
  get fd(): number | undefined {
    const fd = (this.sock as unknown as { fd?: number }).fd;
    return typeof fd === "number" && fd >= 0 ? fd : undefined;
  }

  static async dial(path: string): Promise<Link> {
    let link: Link | undefined;
    const sock = await Bun.connect<Link>({
      unix: path,
      socket: {
        open(s) {
          link = new Link(s);
          s.data = link;
        },
        data(s, chunk) {
          s.data.deliver(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        },
        drain(s) {
          s.data.out.drain();
        },
        close(s) {
          s.data.closedByPeer();
        },
        error(s) {
          s.data.closedByPeer();
        },
      },
    });
    return link ?? (sock.data as Link);
  }

  private deliver(chunk: Uint8Array): void {
    if (this.sink) this.sink(chunk);
    else this.held.push(chunk.slice());
  }

  setSink(sink: ((b: Uint8Array) => void) | null): void {
    this.sink = sink;
    if (!sink) return;
    const held = this.held;
    this.held = [];
    for (const c of held) sink(c);
  }

  /** Reads exactly `n` bytes (a handshake reply); later bytes stay held for the next sink. */
  takeBytes(n: number): Promise<Uint8Array | null> {
    return new Promise((resolve) => {
      let got = new Uint8Array(0);
      const done = (v: Uint8Array | null) => {
        this.sink = null;
        resolve(v);
      };
      this.setSink((chunk) => {
        const next = new Uint8Array(got.length + chunk.length);
        next.set(got);
        next.set(chunk, got.length);
        got = next;
        if (got.length < n) return;
        if (got.length > n) this.held.push(got.slice(n));
        done(got.slice(0, n));
      });
      void this.closed().then(() => {
        if (this.sink) done(null);
      });
    });
  }

  private closedByPeer(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.out.markClosed();
    for (const f of this.closeWaiters.splice(0)) f();
  }

  closed(): Promise<void> {
    return this.isClosed ? Promise.resolve() : new Promise((r) => this.closeWaiters.push(r));
  }

  write(b: Uint8Array): void {
    this.out.write(b);
  }

  close(): void {
    this.sock.end();
  }
}

/** Pulls whole frames off a Link; `next()` resolves null once the link is closed and drained. */
export class FrameStream {
  private reader = new FrameReader();
  private waiters: ((f: RawFrame | null) => void)[] = [];
  private ready: RawFrame[] = [];
  private error: unknown = null;

  constructor(private readonly link: Link) {
    link.setSink((chunk) => {
      this.reader.push(chunk);
      try {
        for (let f = this.reader.next(); f; f = this.reader.next()) this.ready.push(f);
      } catch (e) {
        this.error = e;
      }
      this.wake();
    });
    void link.closed().then(() => this.wake());
  }

  private wake(): void {
    while (this.waiters.length > 0 && (this.ready.length > 0 || this.link.isClosed || this.error)) {
      const w = this.waiters.shift()!;
      w(this.ready.shift() ?? null);
    }
  }

  async next(): Promise<RawFrame | null> {
    if (this.error) throw this.error;
    const f = this.ready.shift();
    if (f) return f;
    if (this.link.isClosed) return null;
    const got = await new Promise<RawFrame | null>((r) => {
      this.waiters.push(r);
    });
    if (!got && this.error) throw this.error;
    return got;
  }
}
