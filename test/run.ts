// The test command's last mile: run `bun test`, show its output as it comes,
// then print the plain `N passed, N failed, N skipped` line the CI reads,
// and exit with bun's own exit code.

export {};

const args = process.argv.slice(2);
const proc = Bun.spawn([process.execPath, "test", "--timeout=30000", ...args], { stdout: "pipe", stderr: "pipe", env: process.env });
let text = "";
const dec = new TextDecoder();
async function relay(stream: ReadableStream<Uint8Array>, fd: 1 | 2): Promise<void> {
  for await (const chunk of stream) {
    text += dec.decode(chunk, { stream: true });
    await Bun.write(fd === 1 ? Bun.stdout : Bun.stderr, chunk);
  }
}
await Promise.all([relay(proc.stdout, 1), relay(proc.stderr, 2)]);
const code = await proc.exited;
const count = (word: string) => Number(text.match(new RegExp(`^\\s*(\\d+) ${word}$`, "m"))?.[1] ?? 0);
console.log(`${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped`);
// CI installs julia: a real-Julia tier that skipped for want of it is a failure there.
if (process.env.JULIA_DAEMON_TEST_REQUIRE_JULIA === "1" && /julia not (found|on PATH)/.test(text)) {
  console.log("error: real-Julia tests were skipped although JULIA_DAEMON_TEST_REQUIRE_JULIA=1 (hint: is julia on PATH?)");
  process.exit(code || 1);
}
process.exit(code);
