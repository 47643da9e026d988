// Checks on the Julia worker that need no Julia: the generated constants are
// fresh, and every .jl file parses cleanly with tree-sitter-julia. When julia
// is on PATH, a smoke test starts the worker against a fake conductor socket
// and waits for its HELLO; otherwise that test is skipped visibly.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Language, type Node, Parser } from "web-tree-sitter";
import { Frame, Magic, PROTOCOL_VERSION } from "../../src/shared/protocol/constants.ts";
import { decodeHello } from "../../src/shared/protocol/index.ts";
import { JULIA_CONSTANTS_PATH, JULIA_GOLDEN_PATH, renderGoldenFrames, renderJuliaConstants } from "../../tools/gen-julia-constants.ts";

const WORKER_DIR = new URL("../../src/worker/", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;
const require = createRequire(import.meta.url);
const hasJulia = Bun.which("julia") !== null;

function juliaFiles(): string[] {
  return readdirSync(WORKER_DIR)
    .filter((f) => f.endsWith(".jl"))
    .sort();
}

/** Every .jl file the parse check covers: the worker and the Julia tests under test/. */
function allJuliaFiles(): string[] {
  const tests = readdirSync(join(ROOT, "test"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".jl"))
    .map((f) => join("test", f));
  return [...juliaFiles().map((f) => join("src/worker", f)), ...tests.sort()];
}

describe("generated Julia constants", () => {
  test("src/worker/protocol_constants.jl matches src/shared/protocol/constants.ts", () => {
    const committed = readFileSync(JULIA_CONSTANTS_PATH, "utf8");
    if (committed !== renderJuliaConstants()) {
      throw new Error("src/worker/protocol_constants.jl is stale: regenerate it with `bun tools/gen-julia-constants.ts` and commit the result");
    }
  });

  test("src/worker/golden_frames.jl matches fixtures/protocol/*.hex", () => {
    const committed = readFileSync(JULIA_GOLDEN_PATH, "utf8");
    if (committed !== renderGoldenFrames()) {
      throw new Error("src/worker/golden_frames.jl is stale: regenerate it with `bun tools/gen-julia-constants.ts` and commit the result");
    }
  });
});

describe("Julia sources parse with tree-sitter-julia", async () => {
  await Parser.init();
  const language = await Language.load(require.resolve("tree-sitter-julia/tree-sitter-julia.wasm"));
  const parser = new Parser();
  parser.setLanguage(language);
  afterAll(() => parser.delete());

  const problems = (node: Node, out: string[]) => {
    if (node.isError || node.isMissing) {
      const where = `${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
      out.push(`${node.isMissing ? "MISSING" : "ERROR"} at ${where}: ${node.text.slice(0, 80)}`);
    }
    if (!node.hasError) return;
    for (const child of node.children) if (child) problems(child, out);
  };

  test("there are worker sources and Julia tests", () => {
    expect(juliaFiles()).toContain("main.jl");
    expect(juliaFiles()).toContain("DaemonWorker.jl");
    expect(allJuliaFiles()).toContain("test/worker/runtests.jl");
  });

  for (const file of allJuliaFiles()) {
    test(file, () => {
      const tree = parser.parse(readFileSync(join(ROOT, file), "utf8"));
      if (!tree) throw new Error(`tree-sitter returned no tree for ${file}`);
      const found: string[] = [];
      problems(tree.rootNode, found);
      tree.delete();
      expect(found).toEqual([]);
    });
  }
});

describe("Julia codec against the golden frames (test/worker/runtests.jl)", () => {
  const name = "julia --startup-file=no test/worker/runtests.jl passes";
  test.skipIf(!hasJulia)(hasJulia ? name : `${name} (skipped: julia not found)`, async () => {
    const proc = Bun.spawn(["julia", "--startup-file=no", join(ROOT, "test/worker/runtests.jl")], { stdout: "pipe", stderr: "pipe" });
    const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    const code = await proc.exited;
    if (code !== 0) throw new Error(`runtests.jl exited ${code}\n${out}\n${err}`);
    expect(out + err).toContain("golden frames");
  }, 300_000);
});

describe("worker smoke test", () => {
  test.skipIf(!hasJulia)(hasJulia ? "julia worker sends HELLO to a fake conductor" : "julia worker sends HELLO (skipped: julia not on PATH)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jdw-"));
    const sockPath = join(dir, "c.sock");
    let received = new Uint8Array(0);
    let resolveHello: (p: Uint8Array) => void = () => {};
    const hello = new Promise<Uint8Array>((r) => (resolveHello = r));
    const server = Bun.listen({
      unix: sockPath,
      socket: {
        data(_s, chunk) {
          const next = new Uint8Array(received.length + chunk.length);
          next.set(received);
          next.set(chunk, received.length);
          received = next;
          if (received.length >= 11) {
            const len = new DataView(received.buffer).getUint32(7, true);
            if (received.length >= 11 + len) resolveHello(received);
          }
        },
      },
    });
    const proc = Bun.spawn(["julia", "--startup-file=no", join(WORKER_DIR, "main.jl"), sockPath], {
      env: { ...process.env, JULIA_DAEMON_WORKER_ID: "smoke", JULIA_DAEMON_WORKER_SECRET: "s3cret" },
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const bytes = await Promise.race([hello, Bun.sleep(120_000).then(() => null)]);
      expect(bytes).not.toBeNull();
      const b = bytes as Uint8Array;
      expect(new TextDecoder().decode(b.subarray(0, 4))).toBe(Magic.WORKER);
      expect(new DataView(b.buffer).getUint16(4, true)).toBe(PROTOCOL_VERSION);
      expect(b[6]).toBe(Frame.HELLO);
      const len = new DataView(b.buffer).getUint32(7, true);
      const m = decodeHello(b.subarray(11, 11 + len));
      expect(m.workerId).toBe("smoke");
      expect(m.secret).toBe("s3cret");
      expect(m.registration).toBe(0);
      expect(m.runSocket).toBe(join(dir, "w-smoke.sock"));
    } finally {
      proc.kill();
      await proc.exited;
      server.stop(true);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
