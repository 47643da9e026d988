// Ctrl-C during a run in cooked mode (docs/protocol.md §5.1, §3.4). Normally
// an INTERRUPT frame on the control stream. A worker that sent
// INTERRUPT_BY_SIGNAL cannot read frames while user code computes (no
// interactive thread), so from then on each Ctrl-C is SIGINT to the worker's
// pid, as a terminal would signal plain julia — but only when SO_PEERCRED of
// the control stream says that pid is the process at the other end; else, or
// when kill fails, the frame. Three within 2 s and no EXIT yet: the client
// asks the conductor to retire the worker. A signalled worker gets eight: julia
// itself force-throws an interrupt into code without safepoints at about the
// fourth rapid SIGINT (signal-handling.c `jl_check_force_sigint`), exactly as
// Ctrl-C on plain julia does, so that must get its chance first (eight: signals sent
// back to back merge while pending). The world is
// injected for tests.

export const INTERRUPT_STORM = 3;
export const SIGNAL_INTERRUPT_STORM = 8;
export const INTERRUPT_WINDOW_MS = 2000;
const SIGINT = 2;

/** kill(pid, SIGINT); false when the process is gone or not ours. */
export function sigint(pid: number): boolean {
  try {
    process.kill(pid, SIGINT);
    return true;
  } catch {
    return false;
  }
}

export interface InterruptWorld {
  now(): number;
  /** writes INTERRUPT on the control stream */
  sendFrame(): void;
  /** the pid SO_PEERCRED reports for the control stream's peer, null if unknown */
  peerPid(): number | null;
  /** SIGINT to `pid`; false when it could not be sent */
  kill(pid: number): boolean;
  /** NOTIFY RETIRE_WORKER on the request channel */
  retire(): void;
}

export class Interrupter {
  private times: number[] = [];
  private signalPid: number | null = null;

  constructor(
    private readonly workerPid: number,
    private readonly world: InterruptWorld,
  ) {}

  /** INTERRUPT_BY_SIGNAL arrived: signal the worker from now on, if its pid is vouched for. */
  bySignal(): void {
    const peer = this.world.peerPid();
    this.signalPid = peer !== null && peer > 1 && peer === this.workerPid ? peer : null;
  }

  /** One Ctrl-C; `exited`: EXIT has already arrived (then no retire request). */
  interrupt(exited: boolean): void {
    const now = this.world.now();
    this.times.push(now);
    while (this.times.length && now - this.times[0]! > INTERRUPT_WINDOW_MS) this.times.shift();
    if (this.signalPid === null || !this.world.kill(this.signalPid)) this.world.sendFrame();
    const storm = this.signalPid === null ? INTERRUPT_STORM : SIGNAL_INTERRUPT_STORM;
    if (this.times.length >= storm && !exited) this.world.retire();
  }
}
