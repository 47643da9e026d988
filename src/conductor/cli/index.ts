// juliaconductor's commands (citty). citty's runMain exits 1 on every error,
// so main.ts calls runCli, which maps DaemonErrors to their own exit codes.
// Command bodies are imported lazily to keep `serve` start-up small.

import { defineCommand, runCommand, type ArgsDef, type CommandDef } from "citty";
import { createError, ExitCode } from "../../shared/errors.ts";

let exitCode: number = ExitCode.OK;
const out = (s: string) => void process.stdout.write(s.endsWith("\n") ? s : s + "\n");

const serveArgs = {
  foreground: { type: "boolean", description: "log to the terminal instead of the log file", default: false },
  "ready-fd": { type: "string", description: "write a READY frame to this fd once listening (used by autostart)" },
} as const;

/** `--<setting>=<value>` flags given to serve/start, passed on to the layered config. */
function settingFlags(rawArgs: string[]): string[] {
  return rawArgs.filter((a) => /^--[a-z0-9-]+=/.test(a) && !a.startsWith("--ready-fd="));
}

async function serveWith(args: { foreground?: boolean; "ready-fd"?: string }, rawArgs: string[]): Promise<void> {
  const { serve } = await import("../server/serve.ts");
  const fd = args["ready-fd"];
  exitCode = await serve({ foreground: !!args.foreground, readyFd: fd === undefined ? null : Number(fd), flags: settingFlags(rawArgs) }, process.env);
}

const control = () => import("./control.ts");

function cmd<A extends ArgsDef>(name: string, description: string, args: A, run: (a: { args: Record<string, unknown>; rawArgs: string[] }) => Promise<number>): CommandDef<A> {
  return defineCommand({
    meta: { name, description },
    args,
    run: async (ctx) => {
      exitCode = await run(ctx as unknown as { args: Record<string, unknown>; rawArgs: string[] });
    },
  });
}

const commands = {
  serve: defineCommand({ meta: { name: "serve", description: "Run the conductor (the default command)" }, args: serveArgs, run: ({ args, rawArgs }) => serveWith(args, rawArgs) }),
  start: cmd("start", "Start the conductor in the background", {}, async ({ rawArgs }) => (await control()).start(process.env, settingFlags(rawArgs))),
  stop: cmd("stop", "Stop the conductor: running clients finish, then workers are retired", {}, async () => (await control()).stop(process.env)),
  restart: cmd("restart", "Stop and start the conductor; warm workers re-register with the new one", {}, async ({ rawArgs }) => (await control()).restart(process.env, settingFlags(rawArgs))),
  status: cmd("status", "Show workers", { json: { type: "boolean", description: "machine-readable output", default: false } }, async ({ args }) =>
    (await control()).admin(process.env, ["status", args.json ? "json" : "text"], false),
  ),
  metrics: cmd("metrics", "Counters in the Prometheus text format", {}, async () => (await control()).admin(process.env, ["metrics"], false)),
  config: cmd("config", "Print the effective configuration and where each value came from", { json: { type: "boolean", default: false, description: "as JSON" } }, async ({ args, rawArgs }) =>
    (await control()).showConfig(process.env, settingFlags(rawArgs), !!args.json, out),
  ),
  logs: cmd(
    "logs",
    "Print the end of the conductor's log",
    { lines: { type: "string", alias: "n", default: "50", description: "how many lines" }, follow: { type: "boolean", alias: "f", default: false, description: "keep printing new lines" } },
    async ({ args }) => (await control()).showLogs(process.env, Number(args.lines), !!args.follow, out),
  ),
  install: cmd("install", "Install the systemd user units and a juliaclient link in ~/.local/bin", {}, async () => (await import("./install.ts")).install(process.env, process.execPath, out)),
  uninstall: cmd("uninstall", "Remove what install added", {}, async () => (await import("./install.ts")).uninstall(process.env, out)),
};

const main = defineCommand({
  meta: { name: "juliaconductor", description: "The julia-daemon conductor: owns the pool of warm Julia workers" },
  args: serveArgs,
  subCommands: commands,
  run: ({ args, rawArgs }) => {
    if (rawArgs.some((a) => a in commands)) return;
    return serveWith(args, rawArgs);
  },
});

export async function runCli(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    const { showUsage } = await import("citty");
    const sub = argv.find((a) => a in commands) as keyof typeof commands | undefined;
    await showUsage((sub ? commands[sub] : main) as CommandDef<ArgsDef>);
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
