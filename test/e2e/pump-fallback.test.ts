// io_uring refused by the kernel (seccomp's EPERM, an old kernel's ENOSYS),
// simulated with strace's syscall fault injection: the client falls back to
// the poll pump, says so in --status, and runs stay byte-exact. Forcing
// JULIA_DAEMON_IO=uring then is an error with a hint, not a silent fallback.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLIENT, Sandbox } from "./harness.ts";

/** strace, if present and allowed to trace here (containers may forbid ptrace). */
const STRACE = (() => {
  const path = Bun.which("strace");
  if (!path) return null;
  return Bun.spawnSync([path, "-f", "-qq", "-o", "/dev/null", "true"]).exitCode === 0 ? path : null;
})();

let sb: Sandbox;
beforeAll(async () => {
  sb = new Sandbox();
  // Start the conductor outside strace: `strace -f` would follow the daemon and never exit.
  expect((await sb.run(["-e", "0"])).code).toBe(0);
});
afterAll(async () => {
  await sb.stop();
});

async function refused(errno: string, args: string[], env: Record<string, string> = {}) {
  const cmd = [STRACE!, "-f", "-qq", "-o", "/dev/null", "-e", "trace=io_uring_setup", "-e", `inject=io_uring_setup:error=${errno}`, CLIENT, ...args];
  const proc = Bun.spawn(cmd, { env: { ...sb.env, ...env }, cwd: sb.dir, stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { stdout, stderr, code: await proc.exited };
}

describe.skipIf(!STRACE).each([["EPERM", 1], ["ENOSYS", 38]])("io_uring_setup fails with %s", (errno, n) => {
  test("--status reports the poll pump and why", async () => {
    const r = await refused(errno as string, ["--status"]);
    expect(r.stdout.split("\n")[0]).toBe(`client stdio: poll (io_uring unavailable: io_uring_queue_init failed (errno ${n}))`);
    expect(r.code).toBe(0);
  });

  test("a run still moves every byte", async () => {
    const r = await refused(errno as string, ["-e", 'for (let i = 0; i < 50000; i++) println("row ", i); write_stderr("done\\n")']);
    expect(r.stdout).toBe(Array.from({ length: 50000 }, (_, i) => `row ${i}\n`).join(""));
    expect(r.stderr).toBe("done\n");
    expect(r.code).toBe(0);
  });

  test("JULIA_DAEMON_IO=uring: exit 78 with a hint instead of a silent fallback", async () => {
    const r = await refused(errno as string, ["-e", "println(1)"], { JULIA_DAEMON_IO: "uring" });
    expect(r.stdout).toBe("");
    expect(r.stderr).toStartWith(`juliaclient: error: JULIA_DAEMON_IO=uring, but that pump is unavailable here: io_uring_queue_init failed (errno ${n})\n`);
    expect(r.stderr).toContain("juliaclient: hint: ");
    expect(r.code).toBe(78);
  });
});
