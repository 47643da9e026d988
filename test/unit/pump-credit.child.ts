// Child process of pump-credit.test.ts: one pump (argv[2]) moving this
// process's fd 0 (a pipe from the test) into a fake worker's stdin socket,
// with `stdinIsTty` as argv[3] says. The test drives it over IPC —
// { grant: n }, { stop: true }, { end: true } — and hears every chunk the
// worker side receives as { got: text }, each command as { ack }.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";
import { Link } from "../../src/shared/net/link.ts";
import { choosePump } from "../../src/client/pump/select.ts";
import { sys } from "../../src/client/sys.ts";

const [name, tty] = [process.argv[2]!, process.argv[3] === "tty"];
const dir = mkdtempSync(join(tmpdir(), "jd-credit-"));
const path = join(dir, "w.sock");
const accepted: Socket<{ index: number }>[] = [];
const decoder = new TextDecoder();
let waiting: (() => void) | null = null;

const server = Bun.listen<{ index: number }>({
  unix: path,
  socket: {
    open(s) {
      s.data = { index: accepted.length };
      accepted.push(s);
      waiting?.();
    },
    data(s, chunk) {
      if (s.data.index === 1) process.send!({ got: decoder.decode(chunk) });
    },
  },
});

/** Dials one stream and waits until the server side has accepted it, so the order is known. */
async function dial(): Promise<Link> {
  const n = accepted.length;
  const arrived = new Promise<void>((r) => (waiting = r));
  const link = await Link.dial(path);
  if (accepted.length === n) await arrived;
  return link;
}

const control = await dial();
const stdin = await dial();
const stdout = await dial();
const stderr = await dial();
const pump = choosePump({ JULIA_DAEMON_IO: name }, sys());

process.on("disconnect", () => process.exit(1)); // the test is gone: never linger
process.on("message", (m: { grant?: number; stop?: boolean; end?: boolean }) => {
  if (m.grant !== undefined) pump.grantCredit(m.grant);
  if (m.stop) pump.stopInput();
  if (m.end) for (const s of accepted.slice(2)) s.end();
  process.send!({ ack: true });
});

const done = pump.start({ control, stdin, stdout, stderr }, { stdinIsTty: tty });
process.send!({ ready: pump.name });
await done;
server.stop(true);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
