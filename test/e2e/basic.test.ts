// The everyday cases: -e, -E, program files with ARGS, stdin, stdout vs
// stderr, exit codes, cwd and environment per run; with the double and with
// real julia as the worker (lang.ts).

import { afterAll, beforeAll, expect } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { expectText, type Text } from "../conformance/case.ts";
import { Sandbox } from "./harness.ts";
import { eachLang } from "./lang.ts";

eachLang("evaluation", ({ lang, L, test }) => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox({}, lang);
  });
  afterAll(async () => {
    await sb.stop();
  });

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
    writeFileSync(`${sb.dir}/prog.jl`, L({ double: "println(PROGRAM_FILE); println(ARGS.join(','))", julia: 'println(PROGRAM_FILE); println(join(ARGS, ","))' }));
    const r = await sb.run(["prog.jl", "a", "--b", "-e", "c"]);
    expect(r.stdout).toBe("prog.jl\na,--b,-e,c\n");
    expect(r.code).toBe(0);
  });

  test("-e with positional args: all go to ARGS", async () => {
    const r = await sb.run(["-e", L({ double: "println(ARGS.length, ARGS[0])", julia: "println(length(ARGS), ARGS[1])" }), "x", "y"]);
    expect(r.stdout).toBe("2x\n");
  });

  test("stdin piped to the program", async () => {
    const r = await sb.run(["-e", L({ double: "print((await read_all_stdin()).toUpperCase())", julia: "print(uppercase(read(stdin, String)))" })], { stdin: "abc\ndef\n" });
    expect(r.stdout).toBe("ABC\nDEF\n");
    expect(r.code).toBe(0);
  });

  test(
    "`-` reads the program from stdin",
    async () => {
      const r = await sb.run(["-", "q"], { stdin: L({ double: 'println("from stdin", ARGS[0])', julia: 'println("from stdin", ARGS[1])' }) });
      expect(r.stdout).toBe("from stdinq\n");
      expect(r.code).toBe(0);
    },
    { julia: { min: "1.8", why: "older julia opens a file named `-` (JuliaLang/julia#43191)" } },
  );

  test("stdout and stderr stay separate", async () => {
    const r = await sb.run(["-e", L({ double: 'println("out"); write_stderr("err\\n"); print("partial")', julia: 'println("out"); print(stderr, "err\\n"); print("partial")' })]);
    expect(r.stdout).toBe("out\npartial");
    expect(r.stderr).toBe("err\n");
  });

  for (const n of [0, 1, 3, 255]) {
    test(`exit(${n}) is the exit code`, async () => {
      const r = await sb.run(["-e", `exit(${n})`]);
      expect(r.code).toBe(n);
    });
  }

  test("an uncaught error prints ERROR and exits 1", async () => {
    const r = await sb.run(["-e", 'error("boom")']);
    expect(r.stdout).toBe("");
    // julia follows the message with its backtrace
    expectText(r.stderr, L<Text>({ double: "ERROR: boom\n", julia: { prefix: "ERROR: boom\nStacktrace:\n" } }));
    expect(r.code).toBe(1);
  });

  test("cwd and environment are the client's, per run", async () => {
    mkdirSync(`${sb.dir}/sub`, { recursive: true });
    const show = L({ double: 'println(pwd(), " ", ENV.MYVAR)', julia: 'println(pwd(), " ", ENV["MYVAR"])' });
    const a = await sb.run(["-e", show], { cwd: `${sb.dir}/sub`, env: { MYVAR: "one" } });
    expect(a.stdout).toBe(`${sb.dir}/sub one\n`);
    const b = await sb.run(["-e", show], { env: { MYVAR: "two" } });
    expect(b.stdout).toBe(`${sb.dir} two\n`);
  });
});
