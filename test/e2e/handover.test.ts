// Version skew: a newer juliaclient meeting an older conductor asks it to
// hand over. The old conductor steps down keeping its workers, the client
// starts its own (newer) conductor, the warm worker re-registers with it, and
// the run is served by the same worker — no error, no cold start.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { alive, ROOT, Sandbox, waitFor } from "./harness.ts";

let oldDir: string;
let oldClient: string;

beforeAll(() => {
  // Build the same conductor under an older version number.
  oldDir = mkdtempSync("/tmp/jd-old-");
  cpSync(`${ROOT}/src`, `${oldDir}/src`, { recursive: true });
  cpSync(`${ROOT}/fixtures`, `${oldDir}/fixtures`, { recursive: true });
  cpSync(`${ROOT}/systemd`, `${oldDir}/systemd`, { recursive: true });
  const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8"));
  writeFileSync(`${oldDir}/package.json`, JSON.stringify({ ...pkg, version: "0.0.1" }));
  symlinkSync(`${ROOT}/node_modules`, `${oldDir}/node_modules`);
  oldClient = `${oldDir}/juliaclient`;
  for (const [entry, out] of [["src/conductor/main.ts", "juliaconductor"], ["src/client/main.ts", "juliaclient"]]) {
    const r = Bun.spawnSync([process.execPath, "build", "--compile", `${oldDir}/${entry}`, "--outfile", `${oldDir}/${out}`], { cwd: oldDir, stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`building the old ${out} failed: ${r.stderr}`);
  }
}, 60_000);

afterAll(() => rmSync(oldDir, { recursive: true, force: true }));

describe("handover to a newer binary", () => {
  test("the old conductor steps down, the worker re-registers, the run is served warm", async () => {
    await using sb = new Sandbox();
    sb.env.JULIA_DAEMON_STATE_DIR = `${sb.dir}/state`;
    // The old build's client starts the old build's conductor, which starts the worker.
    const first = await sb.run(["--session=h", "-e", "z = 5; println(getpid())"], { client: oldClient });
    expect(first.code).toBe(0);
    const oldPid = sb.conductorPid()!;
    // A client of this (newer) build meets it.
    const second = await sb.run(["--session=h", "-e", 'println(getpid(), " ", z)']);
    expect(second.stderr).toBe("");
    expect(second.stdout).toBe(`${first.stdout.trim()} 5\n`);
    expect(second.code).toBe(0);
    await waitFor(() => !alive(oldPid), 5000, "the old conductor to exit");
    expect(sb.conductorPid()).not.toBe(oldPid);
  }, 30_000);
});
