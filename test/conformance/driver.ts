// Drives one worker (the double or the real Julia worker) directly, without
// the conductor: starts it as the conductor would, registers it with a fake
// conductor (peers.ts), and runs requests through a fake client. `World.run`
// checks on every run that RUN_DONE matches EXIT and was sent before it.

import { expect } from "bun:test";
import { chmodSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { Frame, decodeHello, decodeIdOnly, decodeRunDone, encodeRun, encodeWelcome, type Hello, type RunSpec } from "../../src/shared/protocol/index.ts";
import { encodeSpawnEnv } from "../../src/conductor/pool/spawn.ts";
import { type ConductorConn, FakeConductor, RunClient, type RunOutcome, type StreamEndpoint, openStream, withTimeout } from "./peers.ts";

export { withTimeout };
export type { RunClient, RunOutcome };
export type Lang = "double" | "julia";
const ROOT = resolve(import.meta.dir, "../..");
export const DOUBLE = join(ROOT, "fixtures/worker-double/julia");
export const JULIA_ENTRY = join(ROOT, "src/worker/main.jl");
export const JULIA = Bun.which("julia");
/** The julia on PATH's version ("1.5.3"), read once; "" without julia. */
export const JULIA_VERSION = JULIA ? (new TextDecoder().decode(Bun.spawnSync([JULIA, "--startup-file=no", "--version"]).stdout).match(/(\d+\.\d+\.\d+\S*)/)?.[1] ?? "") : "";

/** Per-wait limits: the real worker compiles on first use, so its waits are longer. */
export const WAIT_MS: Record<Lang, number> = { double: 4_000, julia: 60_000 };
const BOOT_MS: Record<Lang, number> = { double: 10_000, julia: 180_000 };
const decoder = new TextDecoder();

// ---- a worker under test ------------------------------------------------------

export interface Proc {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  log: () => string;
}

/** Starts `<exe> --startup-file=no <entry> <sock>` as the conductor would for a client without -t (§4.1). */
export function spawnWorker(lang: Lang, sock: string, env: Record<string, string> = {}): Proc {
  const argv = lang === "julia" ? [JULIA!, "--startup-file=no", JULIA_ENTRY, sock] : [DOUBLE, "--startup-file=no", "/fake/main.jl", sock];
  const given: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) given[k] = v;
  const proc = Bun.spawn(argv, {
    // As the conductor does (§4.1): the spawn environment lets the worker learn what a julia wrapper adds.
    env: { ...given, JULIA_DAEMON_SPAWN_ENV: encodeSpawnEnv(given), JULIA_DAEMON_WORKER_ID: "w1", JULIA_DAEMON_WORKER_SECRET: "s3cret" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let log = "";
  void (async () => {
    for await (const chunk of proc.stderr) log += decoder.decode(chunk);
  })().catch(() => {});
  return { proc, log: () => log };
}

export class World {
  readonly dir: string;
  readonly conductor: FakeConductor;
  conn!: ConductorConn;
  hello!: Hello;
  worker!: Proc;
  readonly ms: number;
  private nextId = 100;

  constructor(readonly lang: Lang) {
    this.ms = WAIT_MS[lang];
    this.dir = realpathSync(mkdtempSync(join(tmpdir(), "jd-conf-")));
    chmodSync(this.dir, 0o700);
    this.conductor = new FakeConductor(join(this.dir, "c.sock"), BOOT_MS[lang]);
  }

  /** Starts the worker, reads its preamble + HELLO, answers WELCOME. */
  static async boot(lang: Lang, env: Record<string, string> = {}): Promise<World> {
    const w = new World(lang);
    w.worker = spawnWorker(lang, w.conductor.path, env);
    // A worker that dies at start fails the boot at once, with its log, instead of a silent timeout.
    const died = w.worker.proc.exited.then((code) => {
      throw new Error(`the ${lang} worker exited (${code ?? w.worker.proc.signalCode}) before connecting; worker log:\n${w.worker.log()}`);
    });
    const conn = await Promise.race([w.conductor.connections.next("the worker's control connection"), died]).catch((err) => {
      w.dispose();
      throw err;
    });
    if (!conn) throw new Error(`no control connection; worker log:\n${w.worker.log()}`);
    w.conn = conn;
    w.hello = decodeHello(await conn.expect(Frame.HELLO));
    conn.frames.ms = w.ms;
    conn.send(encodeWelcome());
    return w;
  }

  get pid(): number {
    return this.worker.proc.pid;
  }
  get runSocket(): string {
    return this.hello.runSocket;
  }
  get juliaVersion(): string {
    return this.hello.juliaVersion;
  }
  /** Julia 1.10 runs one run at a time (capability bit 0 clear). */
  get concurrent(): boolean {
    return (this.hello.capabilities & 1) !== 0;
  }

  token(): Uint8Array {
    return crypto.getRandomValues(new Uint8Array(16));
  }
  spec(over: Partial<RunSpec> = {}): RunSpec {
    return { id: this.nextId++, token: this.token(), flags: 0, clientPid: process.pid, cwd: this.dir, env: ["HOME=/home/nobody", "GREETING=hello"], actions: [], programFile: "", args: [], switches: [], session: "", ...over };
  }
  openStream(token: Uint8Array, kind: number, preamble?: Uint8Array): Promise<StreamEndpoint> {
    return openStream(this.runSocket, token, kind, this.ms, () => {}, preamble);
  }

  /** RUN → RUN_ACCEPTED, then the four streams attached. */
  async startRun(over: Partial<RunSpec> = {}): Promise<{ spec: RunSpec; client: RunClient }> {
    const spec = this.spec(over);
    this.conn.send(encodeRun(spec));
    expect(decodeIdOnly(await this.conn.expect(Frame.RUN_ACCEPTED))).toBe(spec.id);
    return { spec, client: await RunClient.open(this.runSocket, spec.token, this.ms) };
  }

  /** A whole run; checks RUN_DONE matches EXIT and was sent before it (§4.4). */
  async run(over: Partial<RunSpec> = {}, drive?: (c: RunClient) => Promise<void> | void): Promise<RunOutcome> {
    const { spec, client } = await this.startRun(over);
    await drive?.(client);
    const outcome = await client.done();
    const doneFrame = await this.conn.expectFrame(Frame.RUN_DONE);
    expect(decodeRunDone(doneFrame.payload)).toEqual({ token: spec.token, kind: outcome.exit.kind, value: outcome.exit.value, flags: 0 });
    expect({ runDoneBeforeExit: outcome.runDoneFirst }).toEqual({ runDoneBeforeExit: true });
    return outcome;
  }

  exited(): Promise<number> {
    return withTimeout(this.worker.proc.exited, "the worker to exit", this.ms);
  }

  dispose(): void {
    this.worker?.proc.kill("SIGKILL");
    this.conductor.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
