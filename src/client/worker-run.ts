// One run on a worker: open the four per-run streams with the route's token,
// let the pump move stdio, answer the worker's control frames (raw mode,
// size, read credit, interrupt by signal), forward Ctrl-C (interrupt.ts), and
// finish with the exact exit status once stdout and stderr are drained and
// EXIT has arrived.

import { createError } from "../shared/errors.ts";
import { conductorLogPath } from "../shared/paths.ts";
import {
  concatBytes,
  decodeExit,
  decodeFlag,
  decodeReadCredit,
  encodeEmpty,
  encodeFlag,
  encodeNotify,
  encodePreamble,
  encodeSize,
  encodeStreamOpen,
  ExitKind,
  Frame,
  Notify,
  Stream,
  type ExitMsg,
  type Route,
} from "../shared/protocol/index.ts";
import type { Sys } from "./sys.ts";
import { FrameStream, Link } from "../shared/net/link.ts";
import { Interrupter, sigint } from "./interrupt.ts";
import type { Pump } from "./pump/types.ts";
import type { Outcome } from "./request.ts";
import type { Terminal } from "./terminal.ts";

const SIGINT = 2, SIGHUP = 1, SIGTERM = 15;
const CTRL_C = new Uint8Array([3]);

async function openStream(route: Route, kind: number): Promise<Link> {
  let link: Link;
  try {
    link = await Link.dial(route.socketPath);
  } catch (e) {
    throw createError("WORKER_DIED", `cannot reach worker ${route.workerId} (pid ${route.workerPid}) at ${route.socketPath}: ${(e as Error).message}`, "the worker may have just exited; run the command again", e);
  }
  link.write(concatBytes([encodePreamble("STREAM"), encodeStreamOpen(route.token, kind)]));
  const status = await link.takeBytes(1);
  const s = status ? status[0]! : -1;
  if (s !== 0) {
    throw createError("WORKER_DIED", `worker ${route.workerId} refused the run stream (status ${s})`, "the run was cancelled by the conductor or the worker exited; run the command again");
  }
  return link;
}

export interface RunContext {
  route: Route;
  request: Link;
  sys: Sys;
  pump: Pump;
  terminal: Terminal;
}

export async function runOnWorker(ctx: RunContext): Promise<Outcome> {
  const { route, sys, pump, terminal } = ctx;
  const [control, stdin, stdout, stderr] = await Promise.all([
    openStream(route, Stream.CONTROL),
    openStream(route, Stream.STDIN),
    openStream(route, Stream.STDOUT),
    openStream(route, Stream.STDERR),
  ]);

  const stdinTty = sys.isatty(0);
  let exit: ExitMsg | null = null;
  const interrupter = new Interrupter(route.workerPid, {
    now: Date.now,
    sendFrame: () => control.write(encodeEmpty(Frame.INTERRUPT)),
    peerPid: () => (control.fd === undefined ? null : (sys.peerCred(control.fd)?.pid ?? null)),
    kill: sigint,
    retire: () => ctx.request.write(encodeNotify({ event: Notify.RETIRE_WORKER, value: 0 })),
  });

  const size = () => sys.winsize(1) ?? sys.winsize(0) ?? sys.winsize(2) ?? { rows: 24, cols: 80 };
  const onInt = () => {
    // In raw mode the REPL reads ^C itself (ISIG is off); a SIGINT from `kill` reaches it the same way.
    if (terminal.isRaw) return pump.sendInput(CTRL_C);
    interrupter.interrupt(exit !== null);
  };
  const onWinch = () => control.write(encodeSize(size()));
  const onTstp = () => {
    terminal.suspend(); // the shell gets a cooked terminal while we are stopped
    sys.stopSelf();
  };
  const onCont = () => {
    terminal.resume();
    onWinch(); // the window may have changed while stopped
  };
  let fatal: number | null = null;
  const onFatal = (signo: number) => () => {
    fatal = signo;
    pump.abort();
    ctx.request.write(encodeNotify({ event: Notify.CLIENT_SIGNAL, value: signo }));
    control.close();
    stdin.close();
    stdout.close();
    stderr.close();
  };
  const onTerm = onFatal(SIGTERM);
  const onHup = onFatal(SIGHUP);
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  process.on("SIGHUP", onHup);
  const tty = stdinTty || sys.isatty(1);
  if (tty) process.on("SIGWINCH", onWinch);
  if (stdinTty) {
    process.on("SIGTSTP", onTstp);
    process.on("SIGCONT", onCont);
  }

  const controlLoop = (async () => {
    const frames = new FrameStream(control);
    for (let f = await frames.next(); f; f = await frames.next()) {
      switch (f.type) {
        case Frame.EXIT:
          exit = decodeExit(f.payload);
          pump.stopInput();
          break;
        case Frame.RAW_MODE:
          control.write(encodeFlag(Frame.RAW_ACK, terminal.setRaw(decodeFlag(f.payload))));
          break;
        case Frame.SIZE_QUERY:
          control.write(encodeSize(size()));
          break;
        case Frame.READ_CREDIT:
          pump.grantCredit(decodeReadCredit(f.payload));
          break;
        case Frame.INTERRUPT_BY_SIGNAL:
          interrupter.bySignal();
          break;
        default:
          break; // frames from a newer worker that this client does not know are ignored
      }
    }
  })();

  try {
    await Promise.all([pump.start({ control, stdin, stdout, stderr }, { stdinIsTty: stdinTty }), controlLoop]);
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    process.off("SIGHUP", onHup);
    process.off("SIGWINCH", onWinch);
    process.off("SIGTSTP", onTstp);
    process.off("SIGCONT", onCont);
    stdin.close();
    terminal.restore();
  }
  if (fatal !== null) return { signal: fatal };
  const done = exit as ExitMsg | null;
  if (!done) {
    throw createError("WORKER_DIED", `worker ${route.workerId} (pid ${route.workerPid}) ended without reporting an exit status`, `it probably crashed (the conductor's log says more: ${conductorLogPath(process.env)}); the next run gets a fresh worker`);
  }
  if (done.kind === ExitKind.SIGNAL) return { signal: done.value || SIGINT };
  return { code: done.value & 0xff };
}
