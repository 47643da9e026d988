// What one `juliaclient` invocation does, start to finish, returning the
// outcome instead of exiting (only main.ts exits). Switches are parsed here
// first so -h, -v, bad switches and exec-julia cases never need a conductor.

import { ArgsError, parseJuliaArgs } from "../shared/args/index.ts";
import type { Env } from "../shared/paths.ts";
import { connectConductor } from "./connect.ts";
import { sys as loadSys } from "./ffi.ts";
import { renderHelp } from "./help.ts";
import { writeFd } from "./output.ts";
import { BunPump } from "./pump/bun-pump.ts";
import { envEntries, sendAdmin, sendRequest, type Outcome } from "./request.ts";
import { Terminal } from "./terminal.ts";
import { versionText, workerExecutable } from "./version.ts";
import { runOnWorker } from "./worker-run.ts";
import { createError } from "../shared/errors.ts";

async function execJulia(argv: readonly string[], env: Env): Promise<Outcome> {
  const exe = workerExecutable(env);
  const path = exe.includes("/") ? exe : Bun.which(exe, { PATH: env.PATH ?? "" });
  if (!path) throw createError("WORKER_START_FAILED", `this switch needs the real julia, and \`${exe}\` was not found`, "install julia or set JULIA_DAEMON_WORKER_EXECUTABLE");
  const s = loadSys();
  s.exec(path, [exe, ...argv], envEntries(env));
  // exec failed or is unavailable: run it as a child and pass its status through.
  const child = Bun.spawn([path, ...argv], { stdio: ["inherit", "inherit", "inherit"], env: env as Record<string, string> });
  const code = await child.exited;
  return child.signalCode ? { signal: signalNumber(String(child.signalCode)) } : { code };
}

function signalNumber(name: string): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };
  return table[name] ?? 15;
}

export async function run(argv: readonly string[], env: Env): Promise<Outcome> {
  const sys = loadSys();
  sys.fillStdFds();
  let parsed;
  try {
    parsed = parseJuliaArgs(argv);
  } catch (e) {
    if (!(e instanceof ArgsError)) throw e;
    await writeFd(2, `ERROR: ${e.message}\n`);
    return { code: 1 };
  }
  if (parsed.help) {
    await writeFd(1, renderHelp());
    return { code: 0 };
  }
  if (parsed.version) {
    await writeFd(1, await versionText(env));
    return { code: 0 };
  }
  if (parsed.execJulia) return execJulia(argv, env);

  const link = await connectConductor(env, sys);
  if (parsed.status) return sendAdmin(link, ["status", parsed.status]);
  const reply = await sendRequest(link, { argv, env, cwd: process.cwd() }, sys);
  if ("outcome" in reply) return reply.outcome;
  const terminal = new Terminal(sys);
  try {
    return await runOnWorker({ route: reply.route, request: link, sys, pump: new BunPump(), terminal });
  } finally {
    terminal.restore();
    link.close();
  }
}
