// `juliaconductor start|stop|restart|status|metrics|config|logs`: talk to a
// running conductor as a client would (ADMIN frames), start one in the
// background, or read local files. Waiting is always on a condition (the
// READY frame, the old conductor's process exiting), never a fixed sleep.

import { createError, DaemonError } from "../../shared/errors.ts";
import { startConductor } from "../../shared/net/autostart.ts";
import { adminExchange } from "../../shared/net/admin.ts";
import { Link } from "../../shared/net/link.ts";
import { conductorPaths, type Env } from "../../shared/paths.ts";
import { readPid } from "../server/runtime-dir.ts";
import { describeConfig, loadConfig, stateDirFor } from "../config.ts";
import { logFilePath } from "../logfile.ts";
import { processAlive } from "../sys/proc.ts";
import { logs } from "./logs.ts";

const uid = () => process.getuid?.() ?? 0;

async function dial(env: Env): Promise<Link | null> {
  try {
    return await Link.dial(conductorPaths(env, uid()).socket);
  } catch {
    return null;
  }
}

const pidOf = (env: Env) => readPid(conductorPaths(env, uid()));

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (!processAlive(pid)) return true;
    if (Date.now() > end) return false;
    await Bun.sleep(20);
  }
}

export async function start(env: Env, flags: string[]): Promise<number> {
  const { socket } = conductorPaths(env, uid());
  const running = await dial(env);
  if (running) {
    running.close();
    throw createError("CONDUCTOR_RUNNING", `a conductor${pidOf(env) ? ` (pid ${pidOf(env)})` : ""} is already running on ${socket}`, "use `juliaconductor restart` to replace it");
  }
  const { poolWorldFromConfig } = await import("../pool/world.ts");
  poolWorldFromConfig(loadConfig(env, uid(), { flags })); // refuse bad settings here, naming their source, before detaching
  await startConductor(process.execPath, env, flags);
  console.log(`juliaconductor: started (pid ${pidOf(env) ?? "?"}) on ${socket}`);
  return 0;
}

/** Sends one ADMIN command and prints its OUTPUT. */
export async function admin(env: Env, args: string[], okIfAbsent: boolean): Promise<number> {
  const link = await dial(env);
  if (!link) {
    if (okIfAbsent) {
      console.log("juliaconductor: not running");
      return 0;
    }
    throw createError("CONDUCTOR_UNAVAILABLE", "no conductor is running", "start one with `juliaconductor start`");
  }
  try {
    const o = await adminExchange(link, args);
    if (o.stdout) process.stdout.write(o.stdout);
    if (o.stderr) process.stderr.write(o.stderr);
    return o.exitCode;
  } finally {
    link.close();
  }
}

/**
 * A stop by ADMIN; a conductor of another protocol version cannot read that,
 * so it gets SIGTERM instead, a graceful stop in every version (its workers
 * could not re-register with us anyway).
 */
async function stopAdmin(env: Env, args: string[]): Promise<number> {
  try {
    return await admin(env, args, true);
  } catch (e) {
    const pid = pidOf(env);
    if (!(e instanceof DaemonError && e.code === "PROTOCOL") || !pid || !processAlive(pid)) throw e;
    console.log(`juliaconductor: the running conductor (pid ${pid}) speaks another protocol version; stopping it with SIGTERM`);
    process.kill(pid, "SIGTERM");
    return 0;
  }
}

export async function stop(env: Env): Promise<number> {
  const pid = pidOf(env);
  const code = await stopAdmin(env, ["stop"]);
  if (pid && !(await gone(pid, 60_000))) throw createError("REFUSED", `the conductor (pid ${pid}) is still running after 60 s`, `\`kill ${pid}\` stops it at once`);
  return code;
}

export async function restart(env: Env, flags: string[]): Promise<number> {
  const pid = pidOf(env);
  if (await dial(env).then((l) => (l?.close(), !!l))) {
    await stopAdmin(env, ["stop", "keep-workers"]);
    if (pid && !(await gone(pid, 60_000))) throw createError("REFUSED", `the old conductor (pid ${pid}) did not stop within 60 s`, `\`kill ${pid}\`, then \`juliaconductor start\``);
  }
  return start(env, flags);
}

export async function showConfig(env: Env, flags: string[], json: boolean, write: (s: string) => void): Promise<number> {
  // world.ts registers the pool's setting names, so import it before loading the config.
  const { poolWorldFromConfig } = await import("../pool/world.ts");
  const { POOL_SETTING_DOCS } = await import("../pool/settings.ts");
  const config = loadConfig(env, uid(), { flags });
  poolWorldFromConfig(config); // validates the pool's settings too, naming their source
  const rows = describeConfig(config, POOL_SETTING_DOCS);
  if (json) {
    write(JSON.stringify(rows, null, 2));
    return 0;
  }
  const w = Math.max(...rows.map((r) => r.name.length));
  const v = Math.min(40, Math.max(...rows.map((r) => r.value.length)));
  for (const r of rows) write(`${r.name.padEnd(w)}  ${r.value.padEnd(v)}  ${r.source}`);
  return 0;
}

export function showLogs(env: Env, lines: number, follow: boolean, write: (s: string) => void): Promise<number> {
  return logs(logFilePath(stateDirFor(env)), lines, follow, (s) => process.stdout.write(s));
}
