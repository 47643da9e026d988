// Many clients at once and hostile peers on the conductor socket: 16
// concurrent runs each get exactly their own output; garbage, a 2 GB frame
// header, a stalled half header and a wrong protocol version each get an
// ERROR frame or a close, and never hold up the normal runs around them.
// With the double and with real julia as the worker (lang.ts).

import { afterAll, beforeAll, expect } from "bun:test";
import { mkdirSync } from "node:fs";
import { decodeErrorFrame, preamble, RawPeer, Sandbox } from "./harness.ts";
import { eachLang } from "./lang.ts";

eachLang("concurrent clients and hostile peers", ({ lang, L, test }) => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox({}, lang);
  });
  afterAll(async () => {
    await sb.stop();
  });

  const PROG = L({
    double: 'await sleep(0.05); println(ARGS.join(" "), "|", pwd()); write_stderr("err " + ARGS[0] + "\\n")',
    julia: 'sleep(0.05); println(join(ARGS, " "), "|", pwd()); print(stderr, "err ", ARGS[1], "\\n")',
  });

  async function normalRuns(n: number, tag: string) {
    const runs = Array.from({ length: n }, (_, i) => {
      const cwd = `${sb.dir}/${tag}-${i}`;
      mkdirSync(cwd, { recursive: true });
      return sb.run(["-e", PROG, `${tag}${i}`, `arg-${i}`], { cwd }).then((r) => ({ r, i, cwd }));
    });
    for (const { r, i, cwd } of await Promise.all(runs)) {
      expect(r.stdout).toBe(`${tag}${i} arg-${i}|${cwd}\n`);
      expect(r.stderr).toBe(`err ${tag}${i}\n`);
      expect(r.code).toBe(0);
    }
  }

  test("16 clients with distinct ARGS and cwd: each output is exactly its own", async () => {
    await normalRuns(16, "c");
  }, 20_000);

  const ERROR = { BAD_MAGIC: 1, BAD_VERSION: 2, FRAME_TOO_LARGE: 4 };

  test("bad peers get an ERROR and a close while normal runs keep working", async () => {
    await sb.run(["-e", "1"]); // the conductor is up
    const socket = `${sb.runtime}/conductor.sock`;
    // A run in progress all along: it ends when it reads a line, after everything else.
    await using long = sb.spawn(["-e", L({ double: 'println("long started"); await readline(); println("long done")', julia: 'println("long started"); readline(); println("long done")' })], { stdin: "pipe" });
    expect(await long.line()).toBe("long started");

    const garbage = await RawPeer.connect(socket);
    garbage.write(new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff)));

    const huge = await RawPeer.connect(socket);
    const header = new Uint8Array(5);
    header[0] = 0x01; // REQUEST
    new DataView(header.buffer).setUint32(1, 2 ** 31, true); // 2 GB
    huge.write(preamble("JDcl"));
    huge.write(header);

    const half = await RawPeer.connect(socket);
    half.write(preamble("JDcl"));
    half.write(new Uint8Array([0x01, 0x10])); // half a frame header, then nothing

    const v99 = await RawPeer.connect(socket);
    v99.write(preamble("JDcl", 99));

    // Normal runs complete while all four are connected.
    await normalRuns(4, "g");

    for (const [peer, code] of [
      [garbage, ERROR.BAD_MAGIC],
      [huge, ERROR.FRAME_TOO_LARGE],
      [v99, ERROR.BAD_VERSION],
    ] as const) {
      expect(await peer.closedWithin(5000)).toBe(true);
      const err = decodeErrorFrame(peer.received);
      expect(err).not.toBeNull();
      expect(err!.code).toBe(code);
      expect(err!.message).not.toBe("");
    }
    // The stalled peer is still connected (its handshake timeout is long) and harms nobody.
    expect(await half.closedWithin(0)).toBe(false);
    await normalRuns(2, "h");
    half.end();

    long.write("\n");
    const r = await long.result();
    expect(r.stdout).toBe("long started\nlong done\n");
    expect(r.code).toBe(0);
  }, 20_000);
});
