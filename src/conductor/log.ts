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

// consola copies the level into each tagged instance, so they are kept here to be updated together.
const tagged: ConsolaInstance[] = [];

export function setDebug(on: boolean): void {
  const level = on ? LogLevels.debug : LogLevels.info;
  rootLogger.level = level;
  for (const l of tagged) l.level = level;
}

export function logger(tag: string): ConsolaInstance {
  const l = rootLogger.withTag(tag);
  tagged.push(l);
  return l;
}
