// `juliaconductor stop` meeting a conductor of another protocol version: its
// ADMIN is refused with BAD_VERSION, so the running conductor (the pid file's
// process, here a stand-in) is stopped with SIGTERM instead, and the command
// waits for it to exit — the remedy the client's version-mismatch line names.

import { afterEach, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stop } from "../../src/conductor/cli/control.ts";
import { conductorPaths } from "../../src/shared/paths.ts";
import { encodeError, ErrorCode } from "../../src/shared/protocol/index.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanups.splice(0).reverse()) f();
});

test("a conductor that answers BAD_VERSION is stopped with SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "jd-ctl-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const env = { JULIA_DAEMON_RUNTIME: join(dir, "rt") };
  const paths = conductorPaths(env, process.getuid!());
  mkdirSync(paths.runtime);
  chmodSync(paths.runtime, 0o700);
  const old = Bun.spawn(["sleep", "30"]);
  cleanups.push(() => old.kill("SIGKILL"));
  writeFileSync(paths.pidFile, `${old.pid}\n`);
  const server = Bun.listen({
    unix: paths.socket,
    socket: {
      data(s) {
        s.write(encodeError({ code: ErrorCode.BAD_VERSION, exitCode: 76, message: "protocol version 2 is not supported (this side speaks 1)", hint: "" }));
        s.end();
      },
    },
  });
  cleanups.push(() => server.stop(true));
  const log: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => void log.push(a.join(" "));
  try {
    expect(await stop(env)).toBe(0);
  } finally {
    console.log = orig;
  }
  await old.exited;
  expect(old.signalCode).toBe("SIGTERM");
  expect(log).toEqual([`juliaconductor: the running conductor (pid ${old.pid}) speaks another protocol version; stopping it with SIGTERM`]);
});
