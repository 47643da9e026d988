// Every phase of a client's request channel has a deadline (issue 12, item
// 11): a client that never answers NEED_ENV must not hold a conductor fd.

import { describe, expect, test } from "bun:test";
import { encodePreamble, encodeRequest, Frame } from "../../src/shared/protocol/index.ts";
import { Sandbox } from "./harness.ts";

describe("request channel deadlines", () => {
  test("a client silent after NEED_ENV is dropped at the handshake deadline (30 s)", async () => {
    await using sb = new Sandbox();
    expect((await sb.run(["-e", "println(1)"])).code).toBe(0); // a conductor is up
    let received = new Uint8Array(0);
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const sock = await Bun.connect({
      unix: `${sb.runtime}/conductor.sock`,
      socket: {
        data(_s, chunk) {
          received = new Uint8Array([...received, ...chunk]);
        },
        close() {
          closed();
        },
      },
    });
    // An environment hash the conductor has never seen: it asks for the environment.
    sock.write(encodePreamble("CLIENT"));
    sock.write(encodeRequest({ flags: 0, pid: process.pid, ppid: process.ppid, cwd: "/", term: "", colorterm: "", envHash: 0x5eedn, argv: ["-e", "1"], version: "0.2.0" }));
    await gone; // bun's test timeout fails this if the conductor never lets go
    expect(received.includes(Frame.NEED_ENV)).toBe(true);
  }, 60_000);
});
