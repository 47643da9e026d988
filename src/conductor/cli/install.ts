// `juliaconductor install|uninstall`: the systemd user units (socket +
// service, ExecStart pointing at this binary) and a `juliaclient` link on
// PATH. Without systemd it still installs the link and says how to start
// the conductor by hand.

import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import serviceUnit from "../../../systemd/julia-daemon.service" with { type: "text" };
import socketUnit from "../../../systemd/julia-daemon.socket" with { type: "text" };
import { createError } from "../../shared/errors.ts";

type Env = Record<string, string | undefined>;

export interface InstallPaths {
  unitDir: string;
  binDir: string;
}

export function installPaths(env: Env): InstallPaths {
  const home = env.HOME || "/tmp";
  return { unitDir: `${env.XDG_CONFIG_HOME || `${home}/.config`}/systemd/user`, binDir: `${home}/.local/bin` };
}

/** The units as installed: ExecStart names the conductor binary that is running now. */
export function renderUnits(conductor: string): { service: string; socket: string } {
  return { service: serviceUnit.replace("%h/.local/bin/juliaconductor", conductor), socket: socketUnit };
}

function systemctl(args: string[]): string | null {
  if (!Bun.which("systemctl")) return "systemctl not found";
  const r = Bun.spawnSync(["systemctl", "--user", ...args], { stdout: "pipe", stderr: "pipe" });
  return r.exitCode === 0 ? null : new TextDecoder().decode(r.stderr).trim().split("\n")[0] || `exit code ${r.exitCode}`;
}

export function install(env: Env, conductor: string, log: (s: string) => void): number {
  const p = installPaths(env);
  const client = `${conductor.slice(0, conductor.lastIndexOf("/"))}/juliaclient`;
  if (!existsSync(client)) throw createError("USAGE", `juliaclient is not next to ${conductor}`, "install from the directory that holds both binaries");
  mkdirSync(p.unitDir, { recursive: true });
  mkdirSync(p.binDir, { recursive: true });
  const units = renderUnits(conductor);
  writeFileSync(`${p.unitDir}/julia-daemon.service`, units.service);
  writeFileSync(`${p.unitDir}/julia-daemon.socket`, units.socket);
  log(`wrote ${p.unitDir}/julia-daemon.service and julia-daemon.socket`);
  const link = `${p.binDir}/juliaclient`;
  if (existsSync(link) || isLink(link)) rmSync(link);
  symlinkSync(client, link);
  log(`linked ${link} -> ${client}`);
  const failed = systemctl(["daemon-reload"]) ?? systemctl(["enable", "--now", "julia-daemon.socket"]);
  if (failed) log(`systemd not used (${failed}); juliaclient starts the conductor by itself when needed`);
  else log("enabled julia-daemon.socket: the conductor starts on the first juliaclient run");
  if (!(env.PATH ?? "").split(":").includes(p.binDir)) log(`note: ${p.binDir} is not on your PATH`);
  return 0;
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

export function uninstall(env: Env, log: (s: string) => void): number {
  const p = installPaths(env);
  systemctl(["disable", "--now", "julia-daemon.socket", "julia-daemon.service"]);
  for (const f of [`${p.unitDir}/julia-daemon.service`, `${p.unitDir}/julia-daemon.socket`]) {
    if (existsSync(f)) {
      rmSync(f);
      log(`removed ${f}`);
    }
  }
  const link = `${p.binDir}/juliaclient`;
  if (isLink(link) && readlinkSync(link).endsWith("/juliaclient")) {
    rmSync(link);
    log(`removed ${link}`);
  }
  systemctl(["daemon-reload"]);
  return 0;
}
