// The background conductor's log: a file in the state dir, rotated to
// `conductor.log.1` when it passes its size cap, so a daemon that runs for
// months never fills a disk. Under systemd (JOURNAL_STREAM set) the
// conductor logs to stderr and the journal keeps it instead.

import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";

export function logFilePath(stateDir: string): string {
  return `${stateDir}/conductor.log`;
}

export function underJournal(env: Record<string, string | undefined>): boolean {
  return !!env.JOURNAL_STREAM;
}

/** Returns a line sink appending to `path`, rotating once past `maxBytes`. */
export function rotatingSink(path: string, maxBytes: number): (line: string) => void {
  mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  let fd = openSync(path, "a", 0o600);
  let size = fstatSync(fd).size;
  return (line) => {
    try {
      if (size > maxBytes) {
        closeSync(fd);
        renameSync(path, `${path}.1`);
        fd = openSync(path, "a", 0o600);
        size = 0;
      }
      size += writeSync(fd, line);
    } catch {
      // a full or vanished disk must not stop the conductor
    }
  };
}
