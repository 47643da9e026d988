// The client's native door: exactly one client file imports bun:ffi;
// liburing is only ever loaded by absolute path and fails with a typed
// error; a ring set up from TypeScript moves bytes and wakes Bun's event loop
// through its eventfd; pump selection honours JULIA_DAEMON_IO.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { DaemonError } from "../../src/shared/errors.ts";
import { alloc, libc, liburing, LIBURING_PATHS, NativeUnavailable } from "../../src/client/ffi.ts";
import { choosePump } from "../../src/client/pump/select.ts";
import { Op } from "../../src/client/pump/uring/abi.ts";
import { Ring } from "../../src/client/pump/uring/ring.ts";
import { sys } from "../../src/client/sys.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(`${dir}/${n}`).isDirectory() ? files(`${dir}/${n}`) : [`${dir}/${n}`]));
}

test("exactly one client file imports bun:ffi", () => {
  const importers = files(`${ROOT}src/client`)
    .filter((f) => f.endsWith(".ts") && /["']bun:ffi["']/.test(readFileSync(f, "utf8").replace(/^\s*\/\/.*$/gm, "")))
    .map((f) => f.slice(ROOT.length));
  expect(importers).toEqual(["src/client/ffi.ts"]);
});

describe("liburing loading", () => {
  test("a bare name is never tried (Bun would retry it in the cwd)", () => {
    expect(() => liburing(["liburing.so.2"])).toThrow(NativeUnavailable);
  });

  test("a missing library is a typed NativeUnavailable naming the paths tried", () => {
    let err: unknown;
    try {
      liburing(["/nonexistent/liburing.so.2"]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NativeUnavailable);
    expect((err as NativeUnavailable).library).toBe("liburing");
    expect((err as Error).message).toContain("/nonexistent/liburing.so.2");
  });

  test("every default path is absolute", () => {
    expect(LIBURING_PATHS.filter((p) => !p.startsWith("/"))).toEqual([]);
  });
});

const haveUring = (() => {
  try {
    Ring.open(liburing()).close();
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!haveUring)("a ring driven from TypeScript", () => {
  test("WRITE then READ through a pipe; completions arrive via the eventfd in Bun's loop", async () => {
    const ring = Ring.open(liburing());
    const fds = alloc(8);
    expect(libc().pipe2(fds.bytes, 0o2000000)).toBe(0);
    const [r, w] = [new DataView(fds.bytes.buffer).getInt32(0, true), new DataView(fds.bytes.buffer).getInt32(4, true)];
    const src = alloc(5);
    src.bytes.set(new TextEncoder().encode("hello"));
    const dst = alloc(16);
    const results = new Map<number, number>();
    const done = new Promise<void>((resolve) =>
      ring.watch(() =>
        ring.reap((ud, res) => {
          results.set(ud, res);
          if (ud === 1) {
            ring.push({ op: Op.READ, fd: r, addr: dst.address, len: 16, userData: 2 });
            ring.submit();
          }
          if (ud === 2) resolve();
        }),
      ),
    );
    ring.push({ op: Op.WRITE, fd: w, addr: src.address, len: 5, userData: 1 });
    ring.submit();
    await done;
    expect(results.get(1)).toBe(5);
    expect(results.get(2)).toBe(5);
    expect(new TextDecoder().decode(dst.bytes.subarray(0, 5))).toBe("hello");
    ring.close();
    libc().close(r);
    libc().close(w);
  });
});

describe("choosing a pump", () => {
  const s = sys();
  test("an unknown JULIA_DAEMON_IO is a CONFIG error (exit 78) with a hint", () => {
    let err: unknown;
    try {
      choosePump({ JULIA_DAEMON_IO: "fast" }, s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as DaemonError).exitCode).toBe(78);
    expect((err as DaemonError).hint).toContain("uring, poll or bun");
  });

  test("forcing uring without liburing fails instead of silently falling back", () => {
    expect(() => choosePump({ JULIA_DAEMON_IO: "uring", JULIA_DAEMON_LIBURING: "/nonexistent/liburing.so.2" }, s)).toThrow(/JULIA_DAEMON_IO=uring, but that pump is unavailable/);
  });

  test("liburing hidden: poll, with the reason", () => {
    const p = choosePump({ JULIA_DAEMON_LIBURING: "/nonexistent/liburing.so.2" }, s);
    expect(p.name).toBe("poll");
    expect(p.description).toStartWith("poll (io_uring unavailable: liburing.so.2 not found");
  });

  test.skipIf(!haveUring)("by default: io_uring, with liburing's version", () => {
    const p = choosePump({}, s);
    expect(p.name).toBe("uring");
    expect(p.description).toMatch(/^io_uring \(liburing \d+\.\d+\)$/);
  });

  test("bun when forced", () => {
    expect(choosePump({ JULIA_DAEMON_IO: "bun" }, s).name).toBe("bun");
  });
});
