// One ADMIN exchange (docs/protocol.md §3.5): send the command on a fresh
// request channel, get its OUTPUT, or its ERROR as a DaemonError. Shared by
// `juliaclient --status[=live]` and `juliaconductor status|stop|metrics`.

import { createError, DaemonError } from "../errors.ts";
import { concatBytes, decodeError, decodeOutput, encodeAdmin, encodePreamble, ErrorCode, Frame, type Output } from "../protocol/index.ts";
import { FrameStream, type Link } from "./link.ts";

export async function adminExchange(link: Link, args: readonly string[]): Promise<Output> {
  const frames = new FrameStream(link);
  link.write(concatBytes([encodePreamble("CLIENT"), encodeAdmin(args)]));
  const f = await frames.next();
  if (f?.type === Frame.OUTPUT) return decodeOutput(f.payload);
  if (f?.type === Frame.ERROR) {
    const e = decodeError(f.payload);
    // A conductor of another protocol version: PROTOCOL, so `juliaconductor stop|restart` can stop it another way.
    throw new DaemonError(e.code === ErrorCode.BAD_VERSION ? "PROTOCOL" : "REFUSED", e.message, e.hint, { exitCode: e.exitCode });
  }
  if (!f) throw createError("CONDUCTOR_UNAVAILABLE", "the conductor closed the connection without answering", "see `juliaconductor logs`, or run it with --foreground");
  throw createError("PROTOCOL", `unexpected frame 0x${f.type.toString(16)} in answer to an admin command`, "juliaclient and juliaconductor may be different versions; run `juliaconductor stop` and retry");
}
