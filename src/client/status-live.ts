// `juliaclient --status=live`: ask the conductor for its text status once a
// second and repaint it in place (cursor up, clear to the end, synchronized
// output so the terminal never shows half a frame) until Ctrl-C. Off a tty it
// prints one snapshot, like --status.

import { adminExchange } from "../shared/net/admin.ts";
import { Link } from "../shared/net/link.ts";

export const LIVE_INTERVAL_MS = 1000;

/** One status text over a fresh connection (the conductor answers an ADMIN and closes). */
export async function fetchStatus(socket: string, args: readonly string[]): Promise<string> {
  const link = await Link.dial(socket);
  try {
    return (await adminExchange(link, args)).stdout;
  } finally {
    link.close();
  }
}

/** The bytes that replace the previous frame (of `prevLines` lines) with `text`. */
export function repaint(text: string, prevLines: number): string {
  const up = prevLines > 0 ? `\x1b[${prevLines}A` : "";
  return `\x1b[?2026h${up}\r\x1b[J${text}\x1b[?2026l`;
}

export interface LiveOptions {
  fetch: () => Promise<string>;
  write: (text: string) => void;
  tty: boolean;
  intervalMs?: number;
}

export async function statusLive(o: LiveOptions): Promise<number> {
  if (!o.tty) {
    o.write(await o.fetch());
    return 0;
  }
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const onSignal = () => stop();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  o.write("\x1b[?25l");
  let lines = 0;
  let running = true;
  void stopped.then(() => (running = false));
  try {
    while (running) {
      const text = await o.fetch();
      if (!running) break;
      o.write(repaint(text, lines));
      lines = text.split("\n").length - 1;
      await Promise.race([stopped, Bun.sleep(o.intervalMs ?? LIVE_INTERVAL_MS)]);
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    o.write("\x1b[?25h");
  }
  return 0;
}
