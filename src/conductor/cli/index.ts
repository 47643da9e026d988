// juliaconductor's commands (citty). citty's runMain exits 1 on every error,
// so main.ts calls runCli, which maps DaemonErrors to their own exit codes.
// Rarely used commands are imported lazily to keep `serve` start-up small.

import { defineCommand, runCommand } from "citty";
import { createError, ExitCode } from "../../shared/errors.ts";

let exitCode: number = ExitCode.OK;

const serveArgs = {
  foreground: { type: "boolean", description: "log to the terminal instead of the log file", default: false },
  "ready-fd": { type: "string", description: "write a READY frame to this fd once listening (used by autostart)" },
} as const;

async function serveWith(args: { foreground?: boolean; "ready-fd"?: string }): Promise<void> {
  const { serve } = await import("../server/serve.ts");
  const fd = args["ready-fd"];
  exitCode = await serve({ foreground: !!args.foreground, readyFd: fd === undefined ? null : Number(fd) }, process.env);
}

const serveCmd = defineCommand({
  meta: { name: "serve", description: "Run the conductor (the default command)" },
  args: serveArgs,
  run: ({ args }) => serveWith(args),
});

const startCmd = defineCommand({
  meta: { name: "start", description: "Start the conductor in the background" },
  run: async () => {
    exitCode = await (await import("./control.ts")).start(process.env);
  },
});

const stopCmd = defineCommand({
  meta: { name: "stop", description: "Stop the conductor and its workers" },
  run: async () => {
    exitCode = await (await import("./control.ts")).admin(process.env, ["stop"], true);
  },
});

const statusCmd = defineCommand({
  meta: { name: "status", description: "Show workers" },
  args: { json: { type: "boolean", description: "machine-readable output", default: false } },
  run: async ({ args }) => {
    exitCode = await (await import("./control.ts")).admin(process.env, ["status", args.json ? "json" : "text"], false);
  },
});

const main = defineCommand({
  meta: { name: "juliaconductor", description: "The julia-daemon conductor: owns the pool of warm Julia workers" },
  args: serveArgs,
  subCommands: { serve: serveCmd, start: startCmd, stop: stopCmd, status: statusCmd },
  run: ({ args, rawArgs }) => {
    if (rawArgs.some((a) => ["serve", "start", "stop", "status"].includes(a))) return;
    return serveWith(args);
  },
});

export async function runCli(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    const { showUsage } = await import("citty");
    await showUsage(main);
    return ExitCode.OK;
  }
  try {
    await runCommand(main, { rawArgs: argv });
  } catch (e) {
    // citty reports usage mistakes (unknown command, bad flag) as CLIError with ANSI colour.
    if ((e as Error)?.name === "CLIError") throw createError("USAGE", (e as Error).message.replace(/\x1b\[[0-9;]*m/g, ""), "run `juliaconductor --help`");
    throw e;
  }
  return exitCode;
}
