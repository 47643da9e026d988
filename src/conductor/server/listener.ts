// The conductor's listening socket: created 0600 (umask 0177) inside the
// 0700 runtime dir, every peer's uid checked with SO_PEERCRED before a byte
// is read. A peer that stalls before finishing its first frame is dropped
// after HANDSHAKE_TIMEOUT_S; it never holds anyone else up.

import { createServer, type Socket as NodeSocket } from "node:net";
import type { Socket } from "bun";
import { peerCred } from "../sys/peercred.ts";
import { logger } from "../log.ts";
import { Peer, type ChannelFactory } from "./peer.ts";

const log = logger("listen");
const HANDSHAKE_TIMEOUT_S = 30;

export interface Listener {
  /** Stops accepting; connections already open stay open. */
  stop(): void;
}

function admit(fd: number | undefined, uid: number): { pid: number } | null {
  const cred = peerCred(fd);
  if (!cred || cred.uid !== uid) {
    log.warn(`refused a connection from uid ${cred?.uid ?? "unknown"} (pid ${cred?.pid ?? "?"})`);
    return null;
  }
  return cred;
}

export function listen(path: string, factory: ChannelFactory, uid: number): Listener {
  const old = process.umask(0o177);
  try {
    return Bun.listen<Peer>({
      unix: path,
      socket: {
        open(s: Socket<Peer>) {
          const cred = admit((s as unknown as { fd?: number }).fd, uid);
          if (!cred) {
            s.end();
            return;
          }
          s.data = new Peer(s, factory, cred.pid);
          s.timeout(HANDSHAKE_TIMEOUT_S);
        },
        data(s, chunk) {
          s.data?.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        },
        drain(s) {
          s.data?.out.drain();
        },
        close(s) {
          s.data?.closed();
        },
        error(s, err) {
          log.debug(`socket error: ${err.message}`);
          s.data?.closed();
        },
        timeout(s) {
          log.debug(`dropping a peer (pid ${s.data?.pid}) that stalled during its handshake`);
          s.data?.close();
          s.end();
        },
      },
    });
  } finally {
    process.umask(old);
  }
}

/**
 * A listening socket inherited from systemd (LISTEN_FDS): Bun.listen cannot
 * adopt an fd, node:net can. Its sockets are adapted to the Peer's Transport;
 * node buffers writes itself, so a write always "takes" every byte.
 */
export function listenInherited(fd: number, factory: ChannelFactory, uid: number): Listener {
  const server = createServer((sock: NodeSocket) => {
    const cred = admit((sock as unknown as { _handle?: { fd?: number } })._handle?.fd, uid);
    if (!cred) return void sock.destroy();
    const transport = {
      write: (d: Uint8Array) => (sock.write(d), d.length),
      end: () => void sock.end(),
      timeout: (seconds: number) => void sock.setTimeout(seconds * 1000),
    };
    const peer = new Peer(transport, factory, cred.pid);
    transport.timeout(HANDSHAKE_TIMEOUT_S);
    sock.on("data", (chunk: Buffer) => peer.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    sock.on("timeout", () => {
      peer.close();
      sock.end();
    });
    sock.on("error", () => peer.closed());
    sock.on("close", () => peer.closed());
  });
  server.listen({ fd });
  return { stop: () => void server.close() };
}
