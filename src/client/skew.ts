// Version skew with the conductor (docs/protocol.md §3.3), from the first
// reply to one the client can act on. HANDOVER (an older build): wait for
// the old conductor to exit, reach (start) ours, ask again — once. ERROR
// BAD_VERSION (an older protocol): ask once more behind the previous
// version's preamble, where REQUEST and HANDOVER look the same, and follow
// its HANDOVER; any other answer ends in one line naming both versions and
// the remedy (exit code 76).

import { createError, type DaemonError } from "../shared/errors.ts";
import type { Link } from "../shared/net/link.ts";
import { PREVIOUS_PROTOCOL_VERSION, PROTOCOL_VERSION, type Route } from "../shared/protocol/index.ts";
import type { Outcome, Reply } from "./request.ts";

/** A reply the run can act on. */
export type Settled = { route: Route } | { outcome: Outcome };

export interface SkewDeps {
  /** reach the conductor, starting it when nobody listens */
  connect(): Promise<Link>;
  /** send the invocation's REQUEST behind a preamble of `protocolVersion` and read the reply */
  ask(link: Link, protocolVersion: number): Promise<Reply>;
  /** resolves once process `pid` has exited */
  gone(pid: number): Promise<void>;
}

/** The protocol version a BAD_VERSION message says the conductor speaks ("… (this side speaks 1)"). */
export function spokenVersion(message: string): number | null {
  const m = /this side speaks (\d+)/.exec(message);
  return m ? Number(m[1]) : null;
}

export function versionMismatch(theirs: number | null): DaemonError {
  const them = theirs === null ? "another protocol version" : `protocol version ${theirs}`;
  return createError("PROTOCOL", `juliaconductor speaks ${them} and this juliaclient version ${PROTOCOL_VERSION}: run \`juliaconductor restart\` with the new binaries`);
}

/** Asks the old conductor behind the previous preamble; only its HANDOVER is an answer we can use. */
async function askPrevious(deps: SkewDeps, theirs: number | null): Promise<{ link: Link; reply: Reply }> {
  if (theirs !== null && theirs !== PREVIOUS_PROTOCOL_VERSION) throw versionMismatch(theirs); // e.g. a newer conductor
  const link = await deps.connect();
  let reply: Reply;
  try {
    reply = await deps.ask(link, PREVIOUS_PROTOCOL_VERSION);
  } catch {
    link.close(); // an ERROR, or a close without an answer
    throw versionMismatch(theirs ?? PREVIOUS_PROTOCOL_VERSION);
  }
  if ("handover" in reply) return { link, reply };
  link.close(); // a ROUTE here would be a run we cannot drive: closing the channel cancels it
  throw versionMismatch("badVersion" in reply ? spokenVersion(reply.badVersion.message) : (theirs ?? PREVIOUS_PROTOCOL_VERSION));
}

export async function settleSkew(first: { link: Link; reply: Reply }, deps: SkewDeps): Promise<{ link: Link; reply: Settled }> {
  let { link, reply } = first;
  if ("badVersion" in reply) {
    link.close();
    ({ link, reply } = await askPrevious(deps, spokenVersion(reply.badVersion.message)));
  }
  if ("handover" in reply) {
    // An older conductor stepped down for us, keeping its workers: start ours and ask again.
    link.close();
    await deps.gone(reply.handover.conductorPid);
    link = await deps.connect();
    reply = await deps.ask(link, PROTOCOL_VERSION);
    if ("handover" in reply) {
      link.close();
      throw createError("PROTOCOL", "the restarted conductor asked to hand over again", "juliaconductor next to juliaclient may be older than it; reinstall both from one build");
    }
  }
  if ("badVersion" in reply) {
    link.close();
    throw versionMismatch(spokenVersion(reply.badVersion.message));
  }
  return { link, reply };
}

/** Waits until `pid` has exited (a zombie counts: init may reap it late). */
export async function processGone(pid: number): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    const stat = await Bun.file(`/proc/${pid}/stat`).text().catch(() => "");
    if (!stat || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return;
    await Bun.sleep(10);
  }
  throw createError("CONDUCTOR_UNAVAILABLE", `the old conductor (pid ${pid}) did not exit after handing over`, `\`kill ${pid}\` and run the command again`);
}
