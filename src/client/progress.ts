// The cold-start line: while a run waits for its worker (julia starting, the
// pool full, the project activating) for more than SHOW_AFTER_MS, one line on
// a tty stderr shows a spinner, what it waits for and the seconds elapsed; it
// is erased before anything else is written. Nothing at all when stderr is not
// a tty, so pipes and logs see exactly julia's output.

import type { Sys } from "./sys.ts";

export const SHOW_AFTER_MS = 300;
const REPAINT_MS = 100;
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const ERASE = "\r\x1b[2K";

/** One frame of the line, cut to fit `width` columns so it never wraps (a wrapped line cannot be erased with \r). */
export function progressText(message: string, elapsedMs: number, frame: number, width: number): string {
  const text = `${FRAMES[frame % FRAMES.length]} ${message} · ${Math.floor(elapsedMs / 1000)}s`;
  const max = Math.max(10, width - 1);
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

export interface ProgressOutput {
  tty: boolean;
  width: number;
  write(text: string): void;
}

export class ProgressLine {
  private message = "";
  /** local time at which the conductor's elapsed count was 0 */
  private origin = 0;
  private frame = 0;
  private shown = false;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly out: ProgressOutput,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * stderr, when it is a terminal; otherwise a line that never shows. Writes
   * are chained so the erase lands before anything the run writes after it
   * (no node:fs/node:tty here: they cost the client milliseconds at start-up).
   */
  static forStderr(sys: Pick<Sys, "isatty" | "winsize">, env: Record<string, string | undefined> = process.env): ProgressLine {
    const tty = sys.isatty(2) && env.TERM !== "dumb";
    const width = sys.winsize(2)?.cols ?? (Number(env.COLUMNS) > 0 ? Number(env.COLUMNS) : 80);
    const err = Bun.file(2);
    let chain: Promise<unknown> = Promise.resolve();
    const line = new ProgressLine({ tty, width, write: (t) => void (chain = chain.then(() => Bun.write(err, t)).catch(() => {})) });
    line.flushed = () => chain.then(() => {});
    return line;
  }

  /** Resolves once everything written so far is out. */
  flushed: () => Promise<void> = () => Promise.resolve();

  /** A PROGRESS frame arrived. */
  update(p: { elapsedMs: number; message: string }): void {
    if (!this.out.tty) return;
    this.message = p.message;
    this.origin = this.now() - p.elapsedMs;
    if (!this.timer) {
      this.timer = setInterval(() => this.paint(), REPAINT_MS);
      this.timer.unref?.();
    }
    this.paint();
  }

  paint(): void {
    const elapsed = this.now() - this.origin;
    if (elapsed < SHOW_AFTER_MS) return;
    this.out.write(ERASE + progressText(this.message, elapsed, this.frame++, this.out.width));
    this.shown = true;
  }

  /** The wait is over (route, output or error): leave the terminal as it was. */
  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.shown) this.out.write(ERASE);
    this.shown = false;
  }
}
