// Version skew (src/client/skew.ts, docs/protocol.md §3.3) against fake
// conductors on real Unix sockets, through the client's real sendRequest: a
// protocol-1 conductor refuses our preamble with BAD_VERSION, hands over when
// asked behind a version-1 preamble (after NEED_ENV/ENV, as version 1 did),
// and the request goes to the conductor that replaces it; every other answer
// is one line naming both versions and the remedy, exit code 76.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";
import { DaemonError } from "../../src/shared/errors.ts";
import { Link } from "../../src/shared/net/link.ts";
import {
  decodeEnv,
  decodeRequest,
  encodeError,
  encodeHandover,
  encodeNeedEnv,
  encodeRoute,
  ErrorCode,
  Frame,
  FrameReader,
  PREAMBLE_BYTES,
  type ClientRequest,
} from "../../src/shared/protocol/index.ts";
import { sendRequest } from "../../src/client/request.ts";
import { processGone, settleSkew, spokenVersion, type SkewDeps } from "../../src/client/skew.ts";
import { sys } from "../../src/client/sys.ts";

const token = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanups.splice(0).reverse()) f();
});

type Answer = (req: ClientRequest, send: (b: Uint8Array) => void, env: string[] | null) => void;

/** A conductor speaking protocol `speaks`: ERROR BAD_VERSION for any other preamble, else `answer`. */
class FakeConductor {
  readonly seen: { version: number; request?: ClientRequest; env?: string[] }[] = [];
  closes = 0;
  private server;

  constructor(
    readonly path: string,
    speaks: number,
    answer: Answer,
    needEnv = false,
  ) {
    type State = { buf: FrameReader; version: number | null; req: ClientRequest | null; seen: number };
    this.server = Bun.listen<State>({
      unix: path,
      socket: {
        open: (s) => void (s.data = { buf: new FrameReader(), version: null, req: null, seen: -1 }),
        data: (s: Socket<State>, chunk) => {
          const st = s.data;
          st.buf.push(new Uint8Array(chunk));
          if (st.version === null) {
            const pre = st.buf.takeBytes(PREAMBLE_BYTES);
            if (!pre) return;
            st.version = new DataView(pre.buffer, pre.byteOffset).getUint16(4, true);
            st.seen = this.seen.push({ version: st.version }) - 1;
            if (st.version !== speaks) {
              s.write(encodeError({ code: ErrorCode.BAD_VERSION, exitCode: 76, message: `protocol version ${st.version} is not supported (this side speaks ${speaks})`, hint: "run `juliaconductor stop`" }));
              return void s.end();
            }
          }
          for (let f = st.buf.next(); f; f = st.buf.next()) {
            if (f.type === Frame.REQUEST) {
              st.req = decodeRequest(f.payload);
              this.seen[st.seen]!.request = st.req;
              if (needEnv) return void s.write(encodeNeedEnv());
              answer(st.req, (b) => s.write(b), null);
            } else if (f.type === Frame.ENV) {
              const env = decodeEnv(f.payload);
              this.seen[st.seen]!.env = env;
              answer(st.req!, (b) => s.write(b), env);
            }
          }
        },
        close: () => void this.closes++,
      },
    });
    cleanups.push(() => this.server.stop(true));
  }
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "jd-skew-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  let current = join(dir, "c.sock");
  const dials: string[] = [];
  const deps: SkewDeps = {
    connect: () => (dials.push(current), Link.dial(current)),
    ask: (l, version) => sendRequest(l, { argv: ["-e", "1"], env: { A: "1", B: "2" }, cwd: "/w" }, sys(), version),
    gone: processGone,
  };
  return { dir, deps, dials, socket: () => current, move: (p: string) => void (current = p) };
}

async function first(t: ReturnType<typeof setup>) {
  const link = await t.deps.connect();
  return { link, reply: await t.deps.ask(link, 2) };
}

async function refusal(p: Promise<unknown>): Promise<DaemonError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(DaemonError);
  return e as DaemonError;
}

describe("a conductor of protocol 1", () => {
  test("BAD_VERSION, then a version-1 REQUEST it hands over to; the new conductor routes the run", async () => {
    const t = setup();
    const old = Bun.spawn(["sleep", "30"]);
    cleanups.push(() => old.kill());
    const next = new FakeConductor(join(t.dir, "next.sock"), 2, (_req, send) => send(encodeRoute({ socketPath: "/r.sock", token, workerPid: 7, workerId: "w1" })));
    const v1 = new FakeConductor(t.socket(), 1, (req, send) => {
      send(encodeHandover({ conductorPid: old.pid, conductorVersion: "0.1.0" }));
      old.kill(); // the old conductor exits after handing over …
      t.move(next.path); // … and the client's autostart reaches its own
    }, true);
    const settled = await settleSkew(await first(t), t.deps);
    expect(settled.reply).toEqual({ route: { socketPath: "/r.sock", token, workerPid: 7, workerId: "w1" } });
    expect(v1.seen.map((s) => s.version)).toEqual([2, 1]);
    expect(v1.seen[1]!.request!.argv).toEqual(["-e", "1"]);
    expect(v1.seen[1]!.env).toEqual(["A=1", "B=2"]); // NEED_ENV / ENV as version 1 had them
    expect(next.seen.map((s) => s.version)).toEqual([2]);
    expect(t.dials).toEqual([v1.path, v1.path, next.path]);
    settled.link.close();
  });

  const others: [string, Answer][] = [
    ["ROUTE", (_r, send) => send(encodeRoute({ socketPath: "/r.sock", token, workerPid: 7, workerId: "w1" }))],
    ["ERROR", (_r, send) => send(encodeError({ code: ErrorCode.SHUTTING_DOWN, exitCode: 75, message: "shutting down", hint: "" }))],
  ];
  test.each(others)("%s behind version 1: one line naming both versions and the remedy, exit 76", async (_name, answer) => {
    const t = setup();
    const v1 = new FakeConductor(t.socket(), 1, answer);
    const e = await refusal(settleSkew(await first(t), t.deps));
    expect(e.message).toBe("juliaconductor speaks protocol version 1 and this juliaclient version 2: run `juliaconductor restart` with the new binaries");
    expect(e.hint).toBe("");
    expect(e.exitCode).toBe(76);
    expect(v1.seen.map((s) => s.version)).toEqual([2, 1]);
    for (let i = 0; v1.closes < 2 && i < 100; i++) await Bun.sleep(5);
    expect(v1.closes).toBe(2); // the version-1 channel too: a ROUTE's run is cancelled, not left waiting
  });
});

describe("other protocol versions", () => {
  test("a newer conductor (protocol 3): no version-1 retry, the same one line", async () => {
    const t = setup();
    const v3 = new FakeConductor(t.socket(), 3, () => {});
    const e = await refusal(settleSkew(await first(t), t.deps));
    expect(e.message).toStartWith("juliaconductor speaks protocol version 3 and this juliaclient version 2: ");
    expect(e.exitCode).toBe(76);
    expect(v3.seen.map((s) => s.version)).toEqual([2]);
  });

  test("a conductor of our version never sees a retry", async () => {
    const t = setup();
    const v2 = new FakeConductor(t.socket(), 2, (_r, send) => send(encodeRoute({ socketPath: "/r.sock", token, workerPid: 7, workerId: "w1" })));
    const settled = await settleSkew(await first(t), t.deps);
    expect("route" in settled.reply).toBe(true);
    expect(v2.seen.map((s) => s.version)).toEqual([2]);
    settled.link.close();
  });

  test("the version a BAD_VERSION message names", () => {
    expect(spokenVersion("protocol version 2 is not supported (this side speaks 1)")).toBe(1);
    expect(spokenVersion("protocol version mismatch")).toBeNull();
  });
});
