// The one place that starts worker processes. The pool sees only the
// WorkerLauncher interface, so tests can inject fakes. A worker's stdout and
// stderr go to its own log file, not to a pipe into the conductor: a worker
// outlives a conductor that crashes or hands over, and must not get EPIPE
// on its next log line. The file's tail explains a failed start.

import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from "node:fs";

const TAIL_BYTES = 4096;

export interface LaunchSpec {
  argv: string[];
  env: Record<string, string>;
  /** for log lines */
  name: string;
  /** where the worker's stdout and stderr go */
  logFile: string;
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

export interface LaunchedWorker {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  kill(signal: NodeJS.Signals): void;
  stderrTail(): string;
}

export interface WorkerLauncher {
  /** Throws (code ENOENT/EACCES) when the executable cannot be started at all. */
  launch(spec: LaunchSpec): LaunchedWorker;
}

/** The last few KiB of a worker's log, for error messages. */
export function logTail(path: string): string {
  if (!existsSync(path)) return "";
  const size = statSync(path).size;
  const n = Math.min(size, TAIL_BYTES);
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(n);
    readSync(fd, buf, 0, n, size - n);
    return new TextDecoder().decode(buf);
  } finally {
    closeSync(fd);
  }
}

export function removeLog(path: string): void {
  rmSync(path, { force: true });
}

export const bunLauncher: WorkerLauncher = {
  launch(spec) {
    mkdirSync(spec.logFile.slice(0, spec.logFile.lastIndexOf("/")), { recursive: true, mode: 0o700 });
    const fd = openSync(spec.logFile, "a", 0o600);
    let proc;
    try {
      proc = Bun.spawn(spec.argv, {
        env: spec.env,
        cwd: "/",
        stdin: "ignore",
        stdout: fd,
        stderr: fd,
        // own session: a Ctrl-C aimed at a foreground conductor must not reach workers
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    const p = proc;
    const exited = p.exited.then((code) => ({ code: p.signalCode ? null : code, signal: p.signalCode ? String(p.signalCode) : null }));
    return {
      pid: p.pid,
      exited,
      kill: (signal) => {
        try {
          p.kill(signal);
        } catch {
          // already gone
        }
      },
      stderrTail: () => logTail(spec.logFile),
    };
  },
};

/**
 * A LaunchedWorker whose process starts later (once the executable's julia
 * version is known). Until then its pid is 0; killing it cancels the start
 * and settles `exited`, so retiring a worker works the same in both phases.
 */
export class LaterProcess implements LaunchedWorker {
  private real: LaunchedWorker | null = null;
  private done = false;
  private settle!: (s: ExitStatus) => void;
  readonly exited: Promise<ExitStatus> = new Promise((r) => (this.settle = r));

  get pid(): number {
    return this.real?.pid ?? 0;
  }

  /** The process is started; if this was cancelled meanwhile, it is killed at once. */
  attach(real: LaunchedWorker): void {
    if (this.done) return real.kill("SIGKILL");
    this.real = real;
    void real.exited.then((s) => this.end(s));
  }

  kill(signal: NodeJS.Signals): void {
    if (this.real) this.real.kill(signal);
    else this.end({ code: null, signal });
  }

  stderrTail(): string {
    return this.real?.stderrTail() ?? "";
  }

  private end(s: ExitStatus): void {
    if (this.done) return;
    this.done = true;
    this.settle(s);
  }
}
