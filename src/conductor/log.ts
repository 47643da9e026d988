// Logging through consola/core (plain consola pulls in node:tty, ~20 ms of
// start-up). Tagged per subsystem; --foreground prints to the terminal, the
// background conductor to its log file (set up by the serve command).

import { createConsola, LogLevels, type ConsolaInstance, type LogObject } from "consola/core";

let sink: (line: string) => void = (line) => void process.stderr.write(line);

export function setLogSink(f: (line: string) => void): void {
  sink = f;
}

function format(o: LogObject): string {
  const ts = o.date.toISOString();
  const tag = o.tag ? ` [${o.tag}]` : "";
  const msg = o.args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : typeof a === "string" ? a : JSON.stringify(a))).join(" ");
  return `${ts} ${o.type}${tag} ${msg}\n`;
}

export const rootLogger: ConsolaInstance = createConsola({
  level: LogLevels.info,
  reporters: [{ log: (o) => sink(format(o)) }],
});

export function setDebug(on: boolean): void {
  rootLogger.level = on ? LogLevels.debug : LogLevels.info;
}

export const logger = (tag: string): ConsolaInstance => rootLogger.withTag(tag);
