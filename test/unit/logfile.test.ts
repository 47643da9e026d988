// The conductor's rotating log sink (src/conductor/logfile.ts).

import { describe, expect, test } from "bun:test";
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rotatingSink } from "../../src/conductor/logfile.ts";

const dir = () => mkdtempSync(join(tmpdir(), "jd-log-"));

describe("rotating log sink", () => {
  test("rotates past the cap into conductor.log.1", () => {
    const d = dir();
    const path = join(d, "conductor.log");
    const log = rotatingSink(path, 10);
    log("0123456789ab\n");
    log("next\n");
    expect(readFileSync(`${path}.1`, "utf8")).toBe("0123456789ab\n");
    expect(readFileSync(path, "utf8")).toBe("next\n");
    rmSync(d, { recursive: true });
  });

  test("a log removed under it: rotation reopens, and never closes an fd that is not its own", () => {
    const d = dir();
    const path = join(d, "conductor.log");
    const log = rotatingSink(path, 10);
    log("0123456789ab\n");
    rmSync(path);
    log("after rm\n"); // rotation: the rename fails, a fresh file is opened
    // An fd opened now may reuse any number the sink ever closed.
    const other = openSync(join(d, "other"), "w");
    for (let i = 0; i < 5; i++) log("0123456789ab\n");
    expect(() => fstatSync(other)).not.toThrow();
    closeSync(other);
    expect(existsSync(path)).toBe(true);
    rmSync(d, { recursive: true });
  });

  test("a conductor.log symlink is not followed", () => {
    const d = dir();
    const victim = join(d, "victim");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, join(d, "conductor.log"));
    expect(() => rotatingSink(join(d, "conductor.log"), 1000)).toThrow(/ELOOP|symbolic link/i);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    rmSync(d, { recursive: true });
  });
});
