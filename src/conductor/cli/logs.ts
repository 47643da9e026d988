// `juliaconductor logs [-n N] [--follow]`: the end of the conductor's log
// file (or, under systemd, how to read the journal).

import { existsSync, openSync, readSync, statSync, closeSync, watch } from "node:fs";
import { createError } from "../../shared/errors.ts";

function readFrom(path: string, offset: number): { text: string; end: number } {
  const size = statSync(path).size;
  if (size < offset) offset = 0; // rotated
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return { text: new TextDecoder().decode(buf), end: size };
  } finally {
    closeSync(fd);
  }
}

export function tail(text: string, lines: number): string {
  const all = text.split("\n");
  if (all.at(-1) === "") all.pop();
  return all.slice(-lines).join("\n") + (all.length ? "\n" : "");
}

export async function logs(path: string, lines: number, follow: boolean, write: (s: string) => void): Promise<number> {
  if (!existsSync(path)) {
    throw createError("USAGE", `no log file at ${path}`, "a conductor started by systemd logs to the journal: `journalctl --user -u julia-daemon`; one in --foreground logs to its terminal");
  }
  let { text, end } = readFrom(path, 0);
  write(tail(text, lines));
  if (!follow) return 0;
  await new Promise<void>((resolve) => {
    const w = watch(path, () => {
      if (!existsSync(path)) return;
      ({ text, end } = readFrom(path, end));
      if (text) write(text);
    });
    process.once("SIGINT", () => {
      w.close();
      resolve();
    });
  });
  return 0;
}
