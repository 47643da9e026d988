// `juliaconductor start|stop|status`: talk to a running conductor as a
// client would (ADMIN frames), or start one in the background.

import { createError } from "../../shared/errors.ts";
import { startConductor } from "../../shared/net/autostart.ts";
import { FrameStream, Link } from "../../shared/net/link.ts";
import { conductorPaths, type Env } from "../../shared/paths.ts";
import { decodeError, decodeOutput, encodeAdmin, encodePreamble, Frame } from "../../shared/protocol/index.ts";

async function dial(env: Env): Promise<Link | null> {
  const { socket } = conductorPaths(env, process.getuid?.() ?? 0);
  try {
    return await Link.dial(socket);
  } catch {
    return null;
  }
}

export async function start(env: Env): Promise<number> {
  const { socket } = conductorPaths(env, process.getuid?.() ?? 0);
  const running = await dial(env);
  if (running) {
    running.close();
    console.log(`juliaconductor: already running on ${socket}`);
    return 0;
  }
  await startConductor(process.execPath, env);
  console.log(`juliaconductor: started on ${socket}`);
  return 0;
}

export async function admin(env: Env, args: string[], okIfAbsent: boolean): Promise<number> {
  const link = await dial(env);
  if (!link) {
    if (okIfAbsent) {
      console.log("juliaconductor: not running");
      return 0;
    }
    throw createError("CONDUCTOR_UNAVAILABLE", "no conductor is running", "start one with `juliaconductor start`");
  }
  const frames = new FrameStream(link);
  link.write(encodePreamble("CLIENT"));
  link.write(encodeAdmin(args));
  const f = await frames.next();
  link.close();
  if (f?.type === Frame.OUTPUT) {
    const o = decodeOutput(f.payload);
    if (o.stdout) process.stdout.write(o.stdout);
    if (o.stderr) process.stderr.write(o.stderr);
    return o.exitCode;
  }
  if (f?.type === Frame.ERROR) {
    const e = decodeError(f.payload);
    throw createError("REFUSED", e.message, e.hint);
  }
  throw createError("PROTOCOL", "the conductor closed the connection without answering", "see its log");
}
