// What one `juliaclient` invocation does, start to finish, returning the
// outcome instead of exiting (only main.ts exits). Switches are parsed here
// first so -h, -v, bad switches and exec-julia cases never need a conductor.

import { ArgsError, parseJuliaArgs } from "../shared/args/index.ts";
import { conductorPaths, type Env } from "../shared/paths.ts";
import { connectConductor } from "./connect.ts";
import { fetchStatus, statusLive } from "./status-live.ts";
import { sys as loadSys } from "./sys.ts";
import { renderHelp } from "./help.ts";
import { writeFd } from "./output.ts";
import { choosePump } from "./pump/select.ts";
import { envEntries, sendAdmin, sendRequest, type Outcome } from "./request.ts";
import { Terminal } from "./terminal.ts";
import { versionText, workerExecutable } from "./version.ts";
import { runOnWorker } from "./worker-run.ts";
import { processGone, settleSkew } from "./skew.ts";
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

  let link = await connectConductor(env, sys);
  if (parsed.status) {
    // Colour only for a terminal; `live` repaints in place until Ctrl-C (status-live.ts).
    const color = sys.isatty(1) && !env.NO_COLOR && parsed.status !== "json" ? ["color"] : [];
    if (parsed.status === "live") {
      link.close();
      const socket = conductorPaths(env, process.getuid?.() ?? 0).socket;
      return { code: await statusLive({ fetch: () => fetchStatus(socket, ["status", "text", ...color]), write: (t) => void Bun.write(Bun.file(1), t), tty: sys.isatty(1) }) };
    }
    // The conductor cannot know how this client moves bytes; json stays pure conductor output.
    if (parsed.status !== "json") await writeFd(1, `client stdio: ${choosePump(env, sys).description}\n`);
    return sendAdmin(link, ["status", parsed.status, ...color]);
  }
  // The request is written synchronously inside sendRequest; the pump (dlopen,
  // io_uring set-up) is prepared while the conductor's reply is in flight.
  const replied = sendRequest(link, { argv, env, cwd: process.cwd() }, sys);
  let pump;
  try {
    pump = choosePump(env, sys);
  } catch (e) {
    void replied.catch(() => {});
    link.close();
    throw e;
  }
  let reply;
  ({ link, reply } = await settleSkew({ link, reply: await replied }, {
    connect: () => connectConductor(env, sys),
    ask: (l, version) => sendRequest(l, { argv, env, cwd: process.cwd() }, sys, version),
    gone: processGone,
  }));
  if ("outcome" in reply) return reply.outcome;
  const terminal = new Terminal(sys);
  try {
    return await runOnWorker({ route: reply.route, request: link, sys, pump, terminal });
  } finally {
    terminal.restore();
    link.close();
  }
}
