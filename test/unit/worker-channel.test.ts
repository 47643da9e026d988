// The conductor's end of a worker's control channel (src/conductor/server/worker-channel.ts).

import { describe, expect, test } from "bun:test";
import { WorkerChannel } from "../../src/conductor/server/worker-channel.ts";
import type { Peer } from "../../src/conductor/server/peer.ts";
import { MAX_FRAME_BYTES } from "../../src/shared/protocol/index.ts";
import { DaemonError } from "../../src/shared/errors.ts";

function fakePeer() {
  const sent: Uint8Array[] = [];
  const peer = { send: (b: Uint8Array) => void sent.push(b), close() {}, isClosed: false, sock: { timeout() {} } } as unknown as Peer;
  return { peer, sent };
}

describe("RUN over the frame limit", () => {
  test("is refused before it reaches the worker (exit 75): the worker is kept", async () => {
    const { peer, sent } = fakePeer();
    const ch = new WorkerChannel(peer, {} as never);
    const env = Array.from({ length: 180 }, (_, i) => `V${i}=${"x".repeat(100_000)}`); // ~18 MB
    expect(env.join("").length).toBeGreaterThan(MAX_FRAME_BYTES);
    const spec = { token: new Uint8Array(16), flags: 0, clientPid: 1, cwd: "/", env, actions: [] as [number, string][], programFile: "", args: [], switches: [] as [string, string][], session: "" };
    const err = await ch.run(spec, 1000).catch((e) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect([(err as DaemonError).code, (err as DaemonError).exitCode]).toEqual(["REFUSED", 75]);
    expect((err as DaemonError).message).toContain("over the 16777216-byte frame limit");
    expect(sent.length).toBe(0);
  });
});
