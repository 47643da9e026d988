// Raw/cooked switching of the client's terminal on the worker's request, and
// the guarantee that the user's original mode comes back on every exit path
// (and across Ctrl-Z: cooked while stopped, raw again after `fg`).

import type { Sys, Termios } from "./sys.ts";

export class Terminal {
  private readonly saved: Termios | null;
  private raw = false;

  constructor(
    private readonly sys: Sys,
    private readonly fd = 0,
  ) {
    this.saved = sys.isatty(fd) ? sys.getTermios(fd) : null;
  }

  get isRaw(): boolean {
    return this.raw;
  }

  /** Returns the mode now in effect (what the RAW_ACK reports). */
  setRaw(on: boolean): boolean {
    if (!this.saved) return false;
    const ok = this.sys.setTermios(this.fd, on ? this.sys.makeRaw(this.saved) : this.saved);
    if (ok) this.raw = on;
    return this.raw;
  }

  /** Before stopping (SIGTSTP): the shell gets its cooked terminal back; `raw` is remembered. */
  suspend(): void {
    if (this.saved && this.raw) this.sys.setTermios(this.fd, this.saved);
  }

  /** After SIGCONT: re-apply raw mode if the worker had asked for it. */
  resume(): void {
    if (this.saved && this.raw) this.sys.setTermios(this.fd, this.sys.makeRaw(this.saved));
  }

  restore(): void {
    if (this.saved && this.raw) this.sys.setTermios(this.fd, this.saved);
    this.raw = false;
  }
}
