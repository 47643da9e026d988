// The state dir (log, state files) is as private as the runtime dir: a
// conductor refuses one another user could write to, and never writes its log
// through a symlink planted there (docs: issue 12, items 1 and 7).

import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { Sandbox } from "./harness.ts";

describe("state directory", () => {
  test("a state dir others can write to: exit 77, one line naming it and a hint", async () => {
    await using sb = new Sandbox();
    mkdirSync(`${sb.dir}/state`, { mode: 0o777 });
    chmodSync(`${sb.dir}/state`, 0o777);
    const r = await sb.run(["-e", "println(1)"]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`state directory ${sb.dir}/state has mode 0777; it must be 0700`);
    expect(r.stderr).toContain("hint: run `chmod 700");
    expect(r.code).toBe(77);
  });

  test("a conductor.log symlink is not followed: exit 77, the target untouched", async () => {
    await using sb = new Sandbox();
    mkdirSync(`${sb.dir}/state`, { mode: 0o700 });
    writeFileSync(`${sb.dir}/victim`, "precious\n");
    symlinkSync(`${sb.dir}/victim`, `${sb.dir}/state/conductor.log`);
    const r = await sb.run(["-e", "println(1)"]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${sb.dir}/state/conductor.log is a symlink`);
    expect(r.code).toBe(77);
    expect(readFileSync(`${sb.dir}/victim`, "utf8")).toBe("precious\n");
  });
});
