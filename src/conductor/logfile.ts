// The background conductor's log: a file in the state dir, rotated to
// `conductor.log.1` when it passes its size cap, so a daemon that runs for
// months never fills a disk. Under systemd (JOURNAL_STREAM set) the
// conductor logs to stderr and the journal keeps it instead.

import { closeSync, constants, fstatSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";

// O_NOFOLLOW: a `conductor.log` symlink planted in the state dir must not make us append to its target.
const LOG_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

export function logFilePath(stateDir: string): string {
  return `${stateDir}/conductor.log`;
}

export function underJournal(env: Record<string, string | undefined>): boolean {
  return !!env.JOURNAL_STREAM;
}

/**
 * Returns a line sink appending to `path`, rotating once past `maxBytes`.
 * The old fd is closed only once the new one is open: closing first left a
 * stale number behind whenever the rename failed (a tmp cleaner removed the
 * log), and the next rotation closed whichever socket had reused it.
 */
export function rotatingSink(path: string, maxBytes: number): (line: string) => void {
  mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  let fd = openSync(path, LOG_FLAGS, 0o600);
  let size = fstatSync(fd).size;
  return (line) => {
    try {
      if (size > maxBytes) {
        try {
          renameSync(path, `${path}.1`);
        } catch {
          // removed or not renamable: a fresh file all the same
        }
        const next = openSync(path, LOG_FLAGS, 0o600);
        const old = fd;
        fd = next;
        size = 0;
        closeSync(old);
      }
      size += writeSync(fd, line);
    } catch {
      // a full or vanished disk must not stop the conductor
    }
  };
}
