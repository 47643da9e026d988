// The one place that starts worker processes. The pool sees only the
// WorkerLauncher interface, so tests can inject fakes; the real launcher
// keeps the tail of each worker's stderr to explain failed starts.

import { logger } from "../log.ts";

const log = logger("worker");
const TAIL_BYTES = 4096;

export interface LaunchSpec {
  argv: string[];
  env: Record<string, string>;
  /** for log lines */
  name: string;
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

async function drain(stream: ReadableStream<Uint8Array>, onText: (s: string) => void): Promise<void> {
  const dec = new TextDecoder();
  try {
    for await (const chunk of stream) onText(dec.decode(chunk, { stream: true }));
  } catch {
    // the pipe broke because the worker died; its exit is reported elsewhere
  }
}

export const bunLauncher: WorkerLauncher = {
  launch(spec) {
    const proc = Bun.spawn(spec.argv, {
      env: spec.env,
      cwd: "/",
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      // own session: a Ctrl-C aimed at a foreground conductor must not reach workers
      detached: true,
    });
    let tail = "";
    const logLines = (stream: string) => (text: string) => {
      for (const line of text.split("\n")) if (line) log.debug(`${spec.name} ${stream}: ${line}`);
    };
    void drain(proc.stdout, logLines("stdout"));
    void drain(proc.stderr, (t) => {
      tail = (tail + t).slice(-TAIL_BYTES);
      logLines("stderr")(t);
    });
    const exited = proc.exited.then((code) => ({ code: proc.signalCode ? null : code, signal: proc.signalCode ? String(proc.signalCode) : null }));
    return {
      pid: proc.pid,
      exited,
      kill: (signal) => {
        try {
          proc.kill(signal);
        } catch {
          // already gone
        }
      },
      stderrTail: () => tail,
    };
  },
};
