// Runs one side of a case (plain julia or juliaclient) and collects stdout
// bytes, stderr bytes and the exit status together. stdin is fed through a
// pipe or a file; `head` closes stdout after N lines as `| head -n N` would;
// `interruptAfter` sends SIGINT only once the marker is on stdout (a
// condition, never a sleep) — once, or every `interruptEveryMs` until the
// process writes to stderr, as a user pressing Ctrl-C again would. A side
// that outlives its timeout, or its grace after the last SIGINT, is SIGKILLed
// and says so in `notes`.

import type { DiffCase, Outcome } from "./case.ts";

const enc = new TextEncoder();
const SIGINT_GRACE_MS = 8_000;
const MAX_SIGINTS = 10;

export async function runSide(argv: string[], c: DiffCase, cwd: string, env: Record<string, string>): Promise<Outcome> {
  const notes: string[] = [];
  const input = typeof c.stdin === "string" ? enc.encode(c.stdin) : c.stdinKind === "open" ? (c.stdin ?? new Uint8Array(0)) : c.stdin;
  const asFile = input !== undefined && input.length > 0 && c.stdinKind === "file";
  const timeoutMs = c.timeoutMs ?? 20_000;
  const proc = Bun.spawn(argv, {
    cwd,
    env,
    // Bun gives a Uint8Array stdin as a memfd: a regular file, as `julia < file` would have
    stdin: input === undefined ? "ignore" : asFile ? input : "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => {
    notes.push(`killed with SIGKILL after ${timeoutMs} ms`);
    proc.kill("SIGKILL");
  }, timeoutMs);

  if (input !== undefined && !asFile) void feed(proc.stdin as import("bun").FileSink, input, c.stdinKind === "open" ? proc.exited : undefined);
  const ctrlC = new CtrlC(proc, c, notes);
  const stderr = collect(proc.stderr, () => ctrlC.stderrSeen());
  const stdout = readStdout(proc, c, ctrlC);
  const [out, err] = await Promise.all([stdout, stderr]);
  await proc.exited;
  clearTimeout(timer);
  ctrlC.done();
  if (ctrlC.pending()) notes.push(`the marker ${JSON.stringify(c.interruptAfter)} never appeared on stdout, so no SIGINT was sent`);
  return { stdout: out, stderr: err, code: proc.signalCode ? null : proc.exitCode, signal: proc.signalCode ? String(proc.signalCode) : null, notes };
}

/** Sends the case's SIGINTs: the first when the marker shows, repeats until stderr shows something; SIGKILL after the grace. */
class CtrlC {
  private sent = 0;
  private repeat: ReturnType<typeof setInterval> | undefined;
  private grace: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly proc: import("bun").Subprocess<"pipe" | "ignore" | Uint8Array, "pipe", "pipe">,
    private readonly c: DiffCase,
    private readonly notes: string[],
  ) {}

  pending(): boolean {
    return this.c.interruptAfter !== undefined && this.sent === 0;
  }

  /** Called with stdout so far. */
  check(stdout: Uint8Array): void {
    if (!this.pending() || indexOf(stdout, enc.encode(this.c.interruptAfter)) < 0) return;
    this.send();
    if (this.c.interruptEveryMs) this.repeat = setInterval(() => (this.sent < MAX_SIGINTS ? this.send() : this.stopRepeating()), this.c.interruptEveryMs);
  }

  stderrSeen(): void {
    this.stopRepeating();
  }

  done(): void {
    this.stopRepeating();
    clearTimeout(this.grace);
  }

  private send(): void {
    this.sent++;
    this.proc.kill("SIGINT");
    // julia answers Ctrl-C within a second or two; a side still running after the grace did not
    clearTimeout(this.grace);
    const graceMs = this.c.interruptGraceMs ?? SIGINT_GRACE_MS;
    this.grace = setTimeout(() => {
      this.notes.push(`still running ${graceMs} ms after SIGINT number ${this.sent}: killed with SIGKILL`);
      this.proc.kill("SIGKILL");
    }, graceMs);
  }

  private stopRepeating(): void {
    clearInterval(this.repeat);
    this.repeat = undefined;
  }
}

async function collect(stream: ReadableStream<Uint8Array>, onData: () => void): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    size += chunk.length;
    onData();
  }
  return concat(chunks, size);
}

/** Writes all of stdin then closes it (or, with `holdUntil`, once that settles); a reader that exits early (EPIPE) is not an error here. */
async function feed(sink: import("bun").FileSink, bytes: Uint8Array, holdUntil?: Promise<unknown>): Promise<void> {
  try {
    for (let at = 0; at < bytes.length; at += 65536) {
      sink.write(bytes.subarray(at, at + 65536));
      await sink.flush();
    }
    if (holdUntil) await holdUntil;
    await sink.end();
  } catch {
    // the process closed its stdin
  }
}

async function readStdout(proc: import("bun").Subprocess<"pipe" | "ignore" | Uint8Array, "pipe", "pipe">, c: DiffCase, ctrlC: CtrlC): Promise<Uint8Array> {
  const reader = proc.stdout.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (ctrlC.pending()) ctrlC.check(concat(chunks, size));
    if (c.head !== undefined) {
      const all = concat(chunks, size);
      const end = nthNewline(all, c.head);
      if (end >= 0) {
        // `head` prints its lines and exits: the pipe's read end closes
        await reader.cancel();
        return all.subarray(0, end + 1);
      }
    }
  }
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(size);
  let at = 0;
  for (const ch of chunks) {
    all.set(ch, at);
    at += ch.length;
  }
  chunks.splice(0, chunks.length, all);
  return all;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function nthNewline(bytes: Uint8Array, n: number): number {
  let seen = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10 && ++seen === n) return i;
  return -1;
}
