// Ending a worker process, in escalating steps with a grace between each, so
// a healthy worker exits cleanly and a wedged one still goes: `soft` asks it
// to finish and exit (SHUTDOWN soft), then SIGTERM, then SIGKILL; `now` starts
// at SHUTDOWN now + SIGTERM; `kill` is SIGKILL at once.

import { Shutdown } from "../../shared/protocol/index.ts";
import type { WorkerChannel } from "../server/worker-channel.ts";
import type { LaunchedWorker } from "./launcher.ts";

export type StopMode = "soft" | "now" | "kill";

export interface StopTarget {
  proc: LaunchedWorker;
  /** the pid from HELLO when it differs from the launched one (a wrapper that did not exec) */
  helloPid: number | null;
  channel: WorkerChannel | null;
}

export function stopProcess(t: StopTarget, mode: StopMode, graceMs: number): void {
  const signal = (sig: NodeJS.Signals) => {
    t.proc.kill(sig);
    if (t.helloPid !== null && t.helloPid !== t.proc.pid) {
      try {
        process.kill(t.helloPid, sig);
      } catch {
        // already gone
      }
    }
  };
  if (mode === "kill") return signal("SIGKILL");
  const timers: ReturnType<typeof setTimeout>[] = [];
  const later = (ms: number, sig: NodeJS.Signals) => timers.push(setTimeout(() => signal(sig), ms));
  if (mode === "soft" && t.channel && !t.channel.closed) {
    t.channel.shutdown(Shutdown.SOFT);
    later(graceMs, "SIGTERM");
    later(2 * graceMs, "SIGKILL");
  } else {
    t.channel?.shutdown(Shutdown.NOW);
    signal("SIGTERM");
    later(graceMs, "SIGKILL");
  }
  void t.proc.exited.then(() => timers.forEach(clearTimeout));
}
