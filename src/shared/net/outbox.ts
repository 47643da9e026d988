// Bun's socket.write may accept only part of a buffer; the rest must wait for
// `drain`. Outbox is that queue, shared by every socket in both binaries, so
// no byte is ever dropped and `end()` closes only after the queue is empty.

export interface WritableSocket {
  write(data: Uint8Array): number;
  end(): void;
}

export class Outbox {
  private queue: Uint8Array[] = [];
  private ending = false;
  private idleWaiters: (() => void)[] = [];
  closed = false;

  constructor(private readonly sock: WritableSocket) {}

  write(data: Uint8Array): void {
    if (this.closed || this.ending || data.length === 0) return;
    if (this.queue.length > 0) {
      this.queue.push(data);
      return;
    }
    const n = this.sock.write(data);
    if (n < 0) return this.markClosed();
    if (n < data.length) this.queue.push(data.subarray(n));
  }

  /** Call from the socket's `drain` handler. */
  drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = this.sock.write(head);
      if (n < 0) return this.markClosed();
      if (n < head.length) {
        this.queue[0] = head.subarray(n);
        return;
      }
      this.queue.shift();
    }
    if (this.ending) this.sock.end();
    this.wakeIdle();
  }

  get pending(): number {
    let n = 0;
    for (const c of this.queue) n += c.length;
    return n;
  }

  /** Resolves when everything written so far has been handed to the kernel. */
  idle(): Promise<void> {
    if (this.queue.length === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  end(): void {
    if (this.ending || this.closed) return;
    this.ending = true;
    if (this.queue.length === 0) this.sock.end();
  }

  /** Call from the socket's `close` handler. */
  markClosed(): void {
    this.closed = true;
    this.queue = [];
    this.wakeIdle();
  }

  private wakeIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}
