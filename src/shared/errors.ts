// One error type for both binaries: a stable code, the exit code the user
// sees, a one-line message and a hint. Built here, printed only by `main`.

export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  /** the client could not reach or start a conductor */
  CONDUCTOR_UNAVAILABLE: 69,
  /** a worker could not be started (julia missing, exited early) */
  WORKER_START_FAILED: 70,
  /** the worker died or vanished during the run */
  WORKER_DIED: 71,
  /** a peer spoke something other than our protocol, or another version */
  PROTOCOL: 76,
  /** runtime dir unsafe, foreign owner, wrong mode */
  NO_PERMISSION: 77,
  /** invalid configuration value */
  CONFIG: 78,
  /** a socket path longer than sun_path allows */
  PATH_TOO_LONG: 79,
  /** the conductor refused the request (e.g. shutting down) */
  REFUSED: 75,
} as const;

export type DaemonErrorCode =
  | "CONDUCTOR_UNAVAILABLE"
  | "CONDUCTOR_RUNNING"
  | "WORKER_START_FAILED"
  | "WORKER_DIED"
  | "PROTOCOL"
  | "NO_PERMISSION"
  | "CONFIG"
  | "PATH_TOO_LONG"
  | "REFUSED"
  | "USAGE"
  | "INTERNAL";

const exitFor: Record<DaemonErrorCode, number> = {
  CONDUCTOR_UNAVAILABLE: ExitCode.CONDUCTOR_UNAVAILABLE,
  CONDUCTOR_RUNNING: ExitCode.REFUSED,
  WORKER_START_FAILED: ExitCode.WORKER_START_FAILED,
  WORKER_DIED: ExitCode.WORKER_DIED,
  PROTOCOL: ExitCode.PROTOCOL,
  NO_PERMISSION: ExitCode.NO_PERMISSION,
  CONFIG: ExitCode.CONFIG,
  PATH_TOO_LONG: ExitCode.PATH_TOO_LONG,
  REFUSED: ExitCode.REFUSED,
  USAGE: ExitCode.FAILURE,
  INTERNAL: ExitCode.FAILURE,
};

export class DaemonError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: DaemonErrorCode,
    message: string,
    readonly hint = "",
    options?: { cause?: unknown; exitCode?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DaemonError";
    this.exitCode = options?.exitCode ?? exitFor[code];
  }
}

export function createError(code: DaemonErrorCode, message: string, hint = "", cause?: unknown): DaemonError {
  return new DaemonError(code, message, hint, { cause });
}

/** `prog: error: message` then `  hint: …` — the single place errors are formatted. */
export function formatError(prog: string, err: unknown): string {
  if (err instanceof DaemonError) {
    return `${prog}: error: ${err.message}\n` + (err.hint ? `${prog}: hint: ${err.hint}\n` : "");
  }
  const msg = err instanceof Error ? err.message : String(err);
  return `${prog}: error: internal error: ${msg}\n${prog}: hint: this is a bug in julia-daemon; rerun with JULIA_DAEMON_DEBUG=1 and report it\n`;
}
