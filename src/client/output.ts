// Writes to the client's own fds 1 and 2 without touching process.stdout
// (whose first use costs ~15 ms and loses data on exit when piped).

const utf8 = new TextEncoder();

export async function writeFd(fd: 1 | 2, text: string | Uint8Array): Promise<void> {
  const bytes = typeof text === "string" ? utf8.encode(text) : text;
  if (bytes.length === 0) return;
  try {
    await Bun.write(Bun.file(fd), bytes);
  } catch {
    // Nobody is reading (EPIPE); there is nowhere left to report it.
  }
}
