// The conductor's listening socket: created 0600 (umask 0177) inside the
// 0700 runtime dir, every peer's uid checked with SO_PEERCRED before a byte
// is read. A peer that stalls before finishing its first frame is dropped
// after HANDSHAKE_TIMEOUT_S; it never holds anyone else up.

import type { Socket, UnixSocketListener } from "bun";
import { peerCred } from "../sys/peercred.ts";
import { logger } from "../log.ts";
import { Peer, type ChannelFactory } from "./peer.ts";

const log = logger("listen");
const HANDSHAKE_TIMEOUT_S = 30;

export function listen(path: string, factory: ChannelFactory, uid: number): UnixSocketListener<Peer> {
  const old = process.umask(0o177);
  try {
    return Bun.listen<Peer>({
      unix: path,
      socket: {
        open(s: Socket<Peer>) {
          const cred = peerCred((s as unknown as { fd?: number }).fd);
          if (!cred || cred.uid !== uid) {
            log.warn(`refused a connection from uid ${cred?.uid ?? "unknown"} (pid ${cred?.pid ?? "?"})`);
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
