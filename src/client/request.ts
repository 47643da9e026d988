// The client's half of the request channel: describe this invocation (argv,
// cwd, tty flags, environment fingerprint), answer NEED_ENV, wait through
// PROGRESS, and come back with a ROUTE to a worker or a finished outcome.

import { createError, DaemonError } from "../shared/errors.ts";
import { conductorLogPath } from "../shared/paths.ts";
import {
  concatBytes,
  decodeError,
  decodeOutput,
  decodeProgress,
  decodeHandover,
  decodeRoute,
  encodeEnv,
  encodePreamble,
  encodeRequest,
  ErrorCode,
  errorCodeName,
  Frame,
  PROTOCOL_VERSION,
  RunFlag,
  type Handover,
  type Route,
} from "../shared/protocol/index.ts";
import type { Sys } from "./sys.ts";
import { FrameStream, type Link } from "../shared/net/link.ts";
import { writeFd } from "./output.ts";
import { adminExchange } from "../shared/net/admin.ts";
import { BUILD_VERSION } from "../shared/version.ts";
import { ProgressLine } from "./progress.ts";

export type Outcome = { code: number } | { signal: number };
/** `badVersion`: the conductor refused our preamble's protocol version (its ERROR message says which it speaks). */
export type Reply = { route: Route } | { outcome: Outcome } | { handover: Handover } | { badVersion: { message: string } };

export interface Invocation {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  cwd: string;
}

export function envEntries(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const k in env) {
    const v = env[k];
    if (v !== undefined) out.push(`${k}=${v}`);
  }
  return out;
}

export function requestFlags(sys: Sys): number {
  let flags = 0;
  if (sys.isatty(0)) flags |= RunFlag.STDIN_TTY;
  if (sys.isatty(1)) flags |= RunFlag.STDOUT_TTY;
  if (sys.isatty(2)) flags |= RunFlag.STDERR_TTY;
  const a = sys.fileId(1);
  if (a !== null && a === sys.fileId(2)) flags |= RunFlag.MERGE_STDERR;
  return flags;
}

async function readReply(frames: FrameStream, link: Link, entries: () => string[], sys: Pick<Sys, "isatty" | "winsize">): Promise<Reply> {
  let progress: ProgressLine | null = null;
  for (;;) {
    const f = await frames.next();
    if (f?.type !== Frame.PROGRESS && progress) {
      progress.end();
      await progress.flushed();
    }
    if (!f) throw createError("CONDUCTOR_UNAVAILABLE", "the conductor closed the connection before answering", `see ${conductorLogPath(process.env)} (\`juliaconductor logs\`), or run \`juliaconductor --foreground\``);
    switch (f.type) {
      case Frame.NEED_ENV:
        link.write(encodeEnv(entries()));
        break;
      case Frame.PROGRESS:
        // The conductor is alive and working: no client-side timeout applies. Show why we wait (tty only).
        (progress ??= ProgressLine.forStderr(sys)).update(decodeProgress(f.payload));
        break;
      case Frame.ROUTE:
        return { route: decodeRoute(f.payload) };
      case Frame.HANDOVER:
        return { handover: decodeHandover(f.payload) };
      case Frame.OUTPUT: {
        const o = decodeOutput(f.payload);
        await Promise.all([writeFd(1, o.stdout), writeFd(2, o.stderr)]);
        return { outcome: { code: o.exitCode } };
      }
      case Frame.ERROR: {
        const e = decodeError(f.payload);
        if (e.code === ErrorCode.BAD_VERSION) return { badVersion: { message: e.message } };
        const code = errorCodeName(e.code);
        const kind = code === "WORKER_START_FAILED" ? "WORKER_START_FAILED" : code === "PATH_TOO_LONG" ? "PATH_TOO_LONG" : "REFUSED";
        throw new DaemonError(kind, e.message, e.hint, { exitCode: e.exitCode });
      }
      default:
        throw createError("PROTOCOL", `unexpected frame 0x${f.type.toString(16)} from the conductor`, "juliaclient and juliaconductor may be different versions; run `juliaconductor stop` and retry");
    }
  }
}

/** REQUEST behind a preamble of `protocolVersion` (an older one only to ask an old conductor to hand over, §3.3). */
export async function sendRequest(link: Link, inv: Invocation, sys: Sys, protocolVersion = PROTOCOL_VERSION): Promise<Reply> {
  const frames = new FrameStream(link);
  let cached: string[] | null = null;
  const entries = () => (cached ??= envEntries(inv.env));
  // One write: the conductor wakes once and finds the whole request.
  link.write(concatBytes([
    encodePreamble("CLIENT", protocolVersion),
    encodeRequest({
      flags: requestFlags(sys),
      pid: process.pid,
      ppid: process.ppid,
      cwd: inv.cwd,
      term: inv.env.TERM ?? "",
      colorterm: inv.env.COLORTERM ?? "",
      envHash: Bun.hash.wyhash(entries().join("\0")),
      argv: [...inv.argv],
      version: BUILD_VERSION,
    }),
  ]));
  return readReply(frames, link, entries, sys);
}

/** An ADMIN command (status, stop, …): its OUTPUT is written out and its exit code returned. */
export async function sendAdmin(link: Link, args: readonly string[]): Promise<Outcome> {
  const o = await adminExchange(link, args);
  await Promise.all([writeFd(1, o.stdout), writeFd(2, o.stderr)]);
  return { code: o.exitCode };
}
