// End-to-end harness: a private runtime dir per test (short enough for
// sun_path), the compiled binaries, the worker (the double, or the real julia
// on PATH: a sandbox's `lang`, see lang.ts), and helpers that
// collect stdout, stderr and the exit status together; `spawn` streams a
// client's stdout line by line, `RawPeer` speaks raw bytes to a socket.
// Conductors started by a test are stopped, and anything left of the sandbox
// (found by its runtime dir in /proc/*/environ) killed, when it is disposed.

import { processAlive } from "../../src/conductor/sys/proc.ts";
import { PROTOCOL_VERSION } from "../../src/shared/protocol/constants.ts";
import { mkdtempSync, readFileSync, readdirSync, rmSync, chmodSync } from "node:fs";
import type { Subprocess } from "bun";
import { JULIA, type Lang, limitFor } from "./lang.ts";

export const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
export const CLIENT = `${ROOT}/dist/juliaclient`;
export const CONDUCTOR = `${ROOT}/dist/juliaconductor`;
export const DOUBLE = `${ROOT}/fixtures/worker-double/julia`;

export interface Result {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

export interface RunOptions {
  /** bytes to feed, or "pipe" to write them while the run goes on (Live.write) */
  stdin?: string | Uint8Array | "pipe";
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** another juliaclient binary (e.g. an older build) */
  client?: string;
}

/**
 * How long a conductor may take to stop after SIGTERM: it drains runs for up
 * to JULIA_DAEMON_STOP_TIMEOUT (10 s), then ends each worker softly, SIGTERM
 * after the kill grace (5 s) and SIGKILL after twice that.
 */
const CONDUCTOR_STOP_MS = 30_000;

export class Sandbox {
  readonly dir: string;
  readonly runtime: string;
  readonly env: Record<string, string>;

  /** `lang` picks the worker executable: the double, or the julia on PATH. */
  constructor(
    extraEnv: Record<string, string> = {},
    readonly lang: Lang = "double",
  ) {
    this.dir = mkdtempSync("/tmp/jdt-");
    chmodSync(this.dir, 0o700);
    this.runtime = `${this.dir}/rt`;
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("JULIA_")) base[k] = v;
    this.env = {
      ...base,
      PATH: `${ROOT}/node_modules/.bin:${process.env.PATH ?? "/usr/bin:/bin"}`,
      JULIA_DAEMON_RUNTIME: this.runtime,
      JULIA_DAEMON_WORKER_EXECUTABLE: lang === "julia" ? (JULIA ?? "julia") : DOUBLE,
      XDG_CACHE_HOME: `${this.dir}/cache`,
      // the user's config.toml and state must not leak into tests
      XDG_CONFIG_HOME: `${this.dir}/config`,
      JULIA_DAEMON_STATE_DIR: `${this.dir}/state`,
      ...extraEnv,
    };
  }

  /** A time limit: `ms` with the double, with julia's start-up and compile slack on top with julia. */
  limit(ms: number): number {
    return limitFor(this.lang, ms);
  }

  run(args: string[], opts: RunOptions = {}): Promise<Result> {
    return this.spawn(args, opts).result();
  }

  conductorPid(): number | null {
    try {
      return Number(readFileSync(`${this.runtime}/conductor.pid`, "utf8").trim()) || null;
    } catch {
      return null;
    }
  }

  /** Starts a client without waiting for it: for signals, kills and long runs. */
  spawn(args: string[], opts: RunOptions = {}): Live {
    const env = { ...this.env, ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const proc = Bun.spawn([opts.client ?? CLIENT, ...args], {
      cwd: opts.cwd ?? this.dir,
      env: env as Record<string, string>,
      stdin: opts.stdin === undefined ? "ignore" : opts.stdin === "pipe" ? "pipe" : typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin,
      stdout: "pipe",
      stderr: "pipe",
      timeout: opts.timeoutMs ?? this.limit(20_000),
      killSignal: "SIGKILL",
    });
    return new Live(proc, this.limit(10_000));
  }

  /** Every live process started for this sandbox (clients, conductor, workers): they carry its runtime dir in their environment. */
  processes(): number[] {
    return pidsWithEnv(`JULIA_DAEMON_RUNTIME=${this.runtime}`);
  }

  /** The pids of the workers the conductor's status lists (`--status=json`). */
  async workerPids(): Promise<number[]> {
    const r = await this.run(["--status=json"]);
    if (r.code !== 0) throw new Error(`--status=json exited ${r.code}: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { workers: { pid: number }[] }).workers.map((w) => w.pid);
  }

  /** The live `juliaconductor` processes serving this sandbox's runtime dir. */
  conductors(): number[] {
    return this.processes().filter((pid) => cmdline(pid)[0]?.endsWith("/juliaconductor"));
  }

  async stop(): Promise<void> {
    const pid = this.conductorPid();
    if (pid) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
      await waitFor(() => !alive(pid), CONDUCTOR_STOP_MS, () => `conductor ${pid} to stop after SIGTERM; the end of its log:\n${this.logTail()}`);
    }
    // Anything this sandbox started and the conductor did not take down with it.
    for (const p of this.processes()) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The last lines of the conductor's log, for failure messages. */
  logTail(lines = 30): string {
    try {
      return readFileSync(`${this.env.JULIA_DAEMON_STATE_DIR}/conductor.log`, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no conductor log)";
    }
  }
}

/** Whether `pid` is running. A zombie is dead: detached processes are reaped late by this machine's init. */
export const alive = processAlive;

/** Waits on a condition (never a fixed sleep for readiness); throws on timeout. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what: string | (() => string) = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await Bun.sleep(10);
  }
}

/** pids of live processes whose environment holds exactly `entry` (KEY=VALUE). */
export function pidsWithEnv(entry: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(entry) && processAlive(pid)) out.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** A client started with Sandbox.spawn: its stdout is read as it streams. */
export class Live {
  stdout = "";
  private consumed = 0;
  private listeners: (() => void)[] = [];
  private outDone: Promise<void>;
  private errText: Promise<string>;

  constructor(
    readonly proc: Subprocess<"ignore" | "pipe" | Uint8Array, "pipe", "pipe">,
    private readonly lineMs = 10_000,
  ) {
    this.errText = new Response(proc.stderr).text();
    this.outDone = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of proc.stdout) {
        this.stdout += dec.decode(chunk, { stream: true });
        for (const f of this.listeners.splice(0)) f();
      }
      for (const f of this.listeners.splice(0)) f();
    })();
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** The next line of stdout (without its newline), waiting for it to arrive; throws at EOF. */
  async line(timeoutMs = this.lineMs): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const nl = this.stdout.indexOf("\n", this.consumed);
      if (nl >= 0) {
        const text = this.stdout.slice(this.consumed, nl);
        this.consumed = nl + 1;
        return text;
      }
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        await this.outDone;
        if (this.stdout.indexOf("\n", this.consumed) >= 0) continue;
        throw new Error(`client exited before printing a line; stdout so far: ${JSON.stringify(this.stdout)}, stderr: ${JSON.stringify(await this.errText)}`);
      }
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a line; stdout so far: ${JSON.stringify(this.stdout)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.listeners.push(() => (clearTimeout(t), r()));
        void this.proc.exited.then(() => (clearTimeout(t), r()));
      });
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }

  /** Writes to the client's stdin (started with `stdin: "pipe"`). */
  write(text: string): void {
    const sink = this.proc.stdin;
    if (typeof sink !== "object" || sink === null || !("write" in sink)) throw new Error('Live.write needs spawn(..., { stdin: "pipe" })');
    sink.write(text);
    void sink.flush();
  }

  async result(): Promise<Result> {
    const [, stderr] = await Promise.all([this.outDone, this.errText]);
    await this.proc.exited;
    return { stdout: this.stdout, stderr, code: this.proc.signalCode ? null : this.proc.exitCode, signal: this.proc.signalCode ? String(this.proc.signalCode) : null };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
    await this.proc.exited;
  }
}

/** A raw connection to a unix socket, collecting whatever comes back until the peer closes. */
export class RawPeer {
  received = new Uint8Array(0);
  readonly closed: Promise<void>;
  private markClosed!: () => void;
  private sock!: Awaited<ReturnType<typeof Bun.connect>>;

  private constructor() {
    this.closed = new Promise((r) => (this.markClosed = r));
  }

  static async connect(path: string): Promise<RawPeer> {
    const peer = new RawPeer();
    peer.sock = await Bun.connect({
      unix: path,
      socket: {
        data(_s, chunk) {
          const next = new Uint8Array(peer.received.length + chunk.length);
          next.set(peer.received);
          next.set(chunk, peer.received.length);
          peer.received = next;
        },
        close() {
          peer.markClosed();
        },
        error() {
          peer.markClosed();
        },
      },
    });
    return peer;
  }

  write(bytes: Uint8Array | string): void {
    this.sock.write(bytes);
  }

  end(): void {
    this.sock.end();
  }

  /** Resolves true when the peer closed within `ms`, false otherwise. */
  closedWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), Bun.sleep(ms).then(() => false)]);
  }
}

/** A channel preamble: 4-byte magic then u16 LE version (this build's, unless given). */
export function preamble(magic: string, version = PROTOCOL_VERSION): Uint8Array {
  const b = new Uint8Array(6);
  b.set(new TextEncoder().encode(magic));
  new DataView(b.buffer).setUint16(4, version, true);
  return b;
}

/** Decodes an ERROR frame (type 0xE0) from the start of `bytes`, or null when it is not one. */
export function decodeErrorFrame(bytes: Uint8Array): { code: number; exitCode: number; message: string; hint: string } | null {
  if (bytes.length < 5 || bytes[0] !== 0xe0) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = v.getUint32(1, true);
  if (bytes.length < 5 + len) return null;
  const dec = new TextDecoder();
  let at = 5;
  const code = v.getUint16(at, true);
  const exitCode = v.getUint8(at + 2);
  at += 3;
  const str = () => {
    const n = v.getUint32(at, true);
    const s = dec.decode(bytes.subarray(at + 4, at + 4 + n));
    at += 4 + n;
    return s;
  };
  const message = str();
  return { code, exitCode, message, hint: str() };
}

/** Whether this machine lets us set up an io_uring (seccomp or kernel.io_uring_disabled may not). */
export const IO_URING_AVAILABLE: boolean = await (async () => {
  try {
    const { liburing } = await import("../../src/client/ffi.ts");
    const { Ring } = await import("../../src/client/pump/uring/ring.ts");
    Ring.open(liburing()).close();
    return true;
  } catch {
    return false;
  }
})();
