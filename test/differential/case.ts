// What one differential case is: a julia command line and the world it runs
// in (stdin bytes, files in its cwd, environment additions), plus how to
// drive it (read only the first lines, Ctrl-C after a marker). The same case
// runs through plain `julia` and through `juliaclient`; see suite.ts.

export interface DiffCase {
  /** the category it covers (switches, stdin, exit, …): the test name's prefix */
  cat: string;
  /** the rest of the test name; defaults to the command line */
  name?: string;
  /** arguments after `julia --startup-file=no` / `juliaclient`; placeholders: `{cwd}` the case's own
   * directory (fresh, holding `files`), `{proj}` the file's shared project directory (Project.toml, sub/) */
  argv: string[];
  /** where both sides run (placeholders as in argv); default `{cwd}` */
  cwd?: string;
  /** stdin bytes; omitted = /dev/null */
  stdin?: string | Uint8Array;
  /** how stdin is given: a pipe (`… | julia`, the default), a file (`julia < file`), or a pipe kept open (never EOF) until the process exits */
  stdinKind?: "pipe" | "file" | "open";
  /** files written (relative to the cwd, directories created) before each side runs */
  files?: Record<string, string | Uint8Array>;
  /** environment additions for both sides (placeholders as in argv) */
  env?: Record<string, string>;
  /** like `| head -n N`: read N lines of stdout, then close the pipe */
  head?: number;
  /** send SIGINT to the process once this text has appeared on its stdout */
  interruptAfter?: string;
  /** then send it again every this many ms until the process writes to stderr or exits (at most 10 in all) */
  interruptEveryMs?: number;
  /** how long a side may run on after its last SIGINT before it is SIGKILLed (default 8 s) */
  interruptGraceMs?: number;
  /** stderr shows a backtrace: compare only its first line (else stderr is compared exactly) */
  backtrace?: true;
  /** a known difference, one line: the case runs as `test.failing` until it is fixed */
  knownBug?: string;
  /** the known bug is known only on julia versions starting with this ("1.5"); elsewhere the case runs normally */
  knownBugOn?: string;
  /** the case needs at least this julia version */
  minJulia?: { version: string; why: string };
  /** A case that passes only sometimes, kept visible as skipped with why until it is fixed. */
  quarantined?: string;
  /** per side, before it is killed (default 20 s) */
  timeoutMs?: number;
  /** the program writes files in its cwd: run the two sides one after the other, not at once (the default) */
  writes?: true;
}

/** What one side did. A death by signal is its signal, never 128+n. */
export interface Outcome {
  stdout: Uint8Array;
  stderr: Uint8Array;
  code: number | null;
  signal: string | null;
  /** harness remarks that explain a strange outcome: killed on timeout, marker never seen */
  notes: string[];
}

/** The test name: the category, then the given name or the command line with what sets it apart (env, cwd, first file). */
export function caseName(c: DiffCase): string {
  if (c.name) return `${c.cat}: ${c.name}`;
  const env = Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v}`);
  let s = shellQuote([...env, "julia", ...c.argv]);
  if (c.cwd) s += ` (in ${c.cwd})`;
  const first = Object.entries(c.files ?? {})[0];
  if (first && c.argv.includes(first[0])) {
    const body = typeof first[1] === "string" ? first[1] : "(binary)";
    s += ` with ${first[0]}: ${JSON.stringify(body.length > 60 ? `${body.slice(0, 60)}…` : body)}`;
  }
  return `${c.cat}: ${s.length > 180 ? `${s.slice(0, 180)}…` : s}`;
}

export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(" ");
}
