// The runtime directory is the security boundary: created 0700 with a 0600
// socket and a pid file; an existing 0755 directory or a symlink is refused
// (exit 77, the conductor's reason in the message); a runtime path too long
// for sun_path fails up front with exit 79 and a hint, before any process.

import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, statSync, symlinkSync } from "node:fs";
import { CONDUCTOR, pidsWithEnv, Sandbox, waitFor } from "./harness.ts";

const mode = (p: string) => (lstatSync(p).mode & 0o777).toString(8).padStart(4, "0");

describe("runtime directory", () => {
  test("created 0700, pid file present", async () => {
    await using sb = new Sandbox();
    const r = await sb.run(["-e", 'println("ok")']);
    expect(r.stdout).toBe("ok\n");
    expect(r.code).toBe(0);
    expect(mode(sb.runtime)).toBe("0700");
    expect(statSync(`${sb.runtime}/conductor.pid`).isFile()).toBe(true);
    expect(sb.conductorPid()).toBe(sb.conductors()[0]!);
  });

  test("every socket in it is 0600", async () => {
    await using sb = new Sandbox();
    await sb.run(["-e", "1"]);
    const sockets = readdirSync(sb.runtime).filter((f) => lstatSync(`${sb.runtime}/${f}`).isSocket());
    expect(sockets).toContain("conductor.sock");
    expect(sockets.some((f) => /^w-.*\.sock$/.test(f))).toBe(true);
    expect(Object.fromEntries(sockets.map((f) => [f, mode(`${sb.runtime}/${f}`)]))).toEqual(Object.fromEntries(sockets.map((f) => [f, "0600"])));
  });

  test("a pre-existing 0755 runtime dir is refused with exit 77 and the reason", async () => {
    await using sb = new Sandbox();
    mkdirSync(sb.runtime, { mode: 0o755 });
    chmodSync(sb.runtime, 0o755);
    const r = await sb.run(["-e", 'println("never")']);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `juliaclient: error: runtime directory ${sb.runtime} has mode 0755; it must be 0700\n` +
        `juliaclient: hint: run \`chmod 700 ${sb.runtime}\`\n`,
    );
    expect(r.code).toBe(77);
    await waitFor(() => sb.conductors().length === 0, 5000, "the refusing conductor to exit");
    expect(mode(sb.runtime)).toBe("0755");
    expect(existsSync(`${sb.runtime}/conductor.sock`)).toBe(false);

    // The conductor itself says the same in the foreground.
    const fg = Bun.spawn([CONDUCTOR, "--foreground"], { env: sb.env, stdout: "pipe", stderr: "pipe", timeout: 10_000 });
    const [out, err] = await Promise.all([new Response(fg.stdout).text(), new Response(fg.stderr).text()]);
    expect(out).toBe("");
    expect(err).toContain(`runtime directory ${sb.runtime} has mode 0755; it must be 0700`);
    expect(await fg.exited).toBe(77);
  });

  test("a runtime path that is a symlink is refused", async () => {
    await using sb = new Sandbox();
    const real = `${sb.dir}/real`;
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, sb.runtime);
    const r = await sb.run(["-e", 'println("never")']);
    expect(r.stdout).toBe("");
    expect(r.stderr).toStartWith(`juliaclient: error: runtime directory ${sb.runtime} is not a directory (it is a symlink)\n`);
    expect(r.stderr).toContain("juliaclient: hint: ");
    expect(r.code).toBe(77);
    await waitFor(() => sb.conductors().length === 0, 5000, "the refusing conductor to exit");
    expect(existsSync(`${real}/conductor.sock`)).toBe(false);
  });

  test("a socket path over 107 bytes: exit 79, one error line and a hint, nothing started", async () => {
    await using sb = new Sandbox();
    const long = `${sb.dir}/${"d".repeat(100)}`;
    const r = await sb.run(["-e", 'println("never")'], { env: { JULIA_DAEMON_RUNTIME: long } });
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBe(2);
    expect(lines[0]).toStartWith("juliaclient: error: socket path is ");
    expect(lines[0]).toContain(`${long}/conductor.sock`);
    expect(lines[1]).toStartWith("juliaclient: hint: ");
    expect(lines[1]).toContain("JULIA_DAEMON_RUNTIME");
    expect(r.code).toBe(79);
    expect(existsSync(long)).toBe(false);
    expect(pidsWithEnv(`JULIA_DAEMON_RUNTIME=${long}`)).toEqual([]);
  });

  // The client dials <runtime>/conductor.sock before anyone checks who owns <runtime>: in a
  // directory someone else controls (e.g. a squatted /tmp/julia-daemon-$UID) an impostor gets
  // the client's whole environment. It should refuse like the conductor does (exit 77).
  test("a runtime dir owned by another user is refused before anything is sent", async () => {
    if (process.getuid?.() !== 0) return; // needs root to make a directory owned by someone else
    await using sb = new Sandbox();
    mkdirSync(sb.runtime, { mode: 0o777 });
    chmodSync(sb.runtime, 0o777);
    chownSync(sb.runtime, 65534, 65534);
    let received = "";
    const impostor = Bun.listen({
      unix: `${sb.runtime}/conductor.sock`,
      socket: {
        data(s, chunk) {
          const first = received === "";
          received += Buffer.from(chunk).toString("latin1");
          if (first) s.write(new Uint8Array([0x81, 0, 0, 0, 0])); // NEED_ENV: please send your environment
          else s.end();
        },
      },
    });
    try {
      const r = await sb.run(["-e", 'println("never")'], { env: { SECRET_TOKEN: "hunter2" }, timeoutMs: 5000 });
      expect(received.includes("hunter2")).toBe(false);
      expect(received).toBe("");
      expect(r.stdout).toBe("");
      expect(r.stderr).toStartWith(`juliaclient: error: runtime directory ${sb.runtime} `);
      expect(r.code).toBe(77);
    } finally {
      impostor.stop(true);
    }
  });
});
