// The everyday cases: -e, -E, program files with ARGS, stdin, stdout vs
// stderr, exit codes, cwd and environment per run.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { Sandbox } from "./harness.ts";

let sb: Sandbox;
beforeAll(() => {
  sb = new Sandbox();
});
afterAll(async () => {
  await sb.stop();
});

describe("evaluation", () => {
  test("-e prints", async () => {
    const r = await sb.run(["-e", 'println("hello")']);
    expect(r.stdout).toBe("hello\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("-E shows the value", async () => {
    const r = await sb.run(["-E", "1+1"]);
    expect(r.stdout).toBe("2\n");
    expect(r.code).toBe(0);
  });

  test("program file with ARGS and PROGRAM_FILE", async () => {
    writeFileSync(`${sb.dir}/prog.jl`, "println(PROGRAM_FILE); println(ARGS.join(','))");
    const r = await sb.run(["prog.jl", "a", "--b", "-e", "c"]);
    expect(r.stdout).toBe("prog.jl\na,--b,-e,c\n");
    expect(r.code).toBe(0);
  });

  test("-e with positional args: all go to ARGS", async () => {
    const r = await sb.run(["-e", "println(ARGS.length, ARGS[0])", "x", "y"]);
    expect(r.stdout).toBe("2x\n");
  });

  test("stdin piped to the program", async () => {
    const r = await sb.run(["-e", "print((await read_all_stdin()).toUpperCase())"], { stdin: "abc\ndef\n" });
    expect(r.stdout).toBe("ABC\nDEF\n");
    expect(r.code).toBe(0);
  });

  test("`-` reads the program from stdin", async () => {
    const r = await sb.run(["-", "q"], { stdin: 'println("from stdin", ARGS[0])' });
    expect(r.stdout).toBe("from stdinq\n");
    expect(r.code).toBe(0);
  });

  test("stdout and stderr stay separate", async () => {
    const r = await sb.run(["-e", 'println("out"); write_stderr("err\\n"); print("partial")']);
    expect(r.stdout).toBe("out\npartial");
    expect(r.stderr).toBe("err\n");
  });

  test.each([0, 1, 3, 255])("exit(%d) is the exit code", async (n) => {
    const r = await sb.run(["-e", `exit(${n})`]);
    expect(r.code).toBe(n);
  });

  test("an uncaught error prints ERROR and exits 1", async () => {
    const r = await sb.run(["-e", 'error("boom")']);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("ERROR: boom\n");
    expect(r.code).toBe(1);
  });

  test("cwd and environment are the client's, per run", async () => {
    mkdirSync(`${sb.dir}/sub`, { recursive: true });
    const a = await sb.run(["-e", 'println(pwd(), " ", ENV.MYVAR)'], { cwd: `${sb.dir}/sub`, env: { MYVAR: "one" } });
    expect(a.stdout).toBe(`${sb.dir}/sub one\n`);
    const b = await sb.run(["-e", 'println(pwd(), " ", ENV.MYVAR)'], { env: { MYVAR: "two" } });
    expect(b.stdout).toBe(`${sb.dir} two\n`);
  });
});
