// The client on a real terminal (a tmux pane running an interactive dash,
// which keeps no line-editor modes of its own), for every pump: raw mode has
// exactly libuv's flags and the user's mode comes back, typeahead stays with
// the shell, the window size is answered and follows a resize, Ctrl-Z / `fg`
// restores cooked mode while stopped and raw mode after, and exit() at the
// REPL prompt ends quietly. With the double (whose code switches raw mode
// itself) and with real julia as the worker (lang.ts), whose REPL is raw at
// its prompt and cooked while it evaluates a line.

import { afterAll, beforeAll, describe, expect } from "bun:test";
import { readFileSync } from "node:fs";
import { CLIENT, cmdline, IO_URING_AVAILABLE, Sandbox, waitFor } from "./harness.ts";
import { eachLang } from "./lang.ts";

const TMUX = Bun.which("tmux");
const DASH = Bun.which("dash");

class Pane {
  static count = 0;
  private constructor(
    private readonly sock: string,
    readonly tty: string,
    private readonly seeMs: number,
  ) {}

  static start(sb: Sandbox, env: Record<string, string>): Pane {
    const sock = `${sb.dir}/tmux-${++Pane.count}.sock`; // a fresh server each time: reusing a socket races its shutdown
    const r = Bun.spawnSync([TMUX!, "-S", sock, "-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", DASH!, "-i"], { env: { ...sb.env, ...env, PS1: "$ ", ENV: "" }, cwd: sb.dir });
    if (r.exitCode !== 0) throw new Error(`tmux: ${r.stderr}`);
    Bun.spawnSync([TMUX!, "-S", sock, "set", "-g", "status", "off"]);
    const tty = Bun.spawnSync([TMUX!, "-S", sock, "display", "-p", "#{pane_tty}"]).stdout.toString().trim();
    return new Pane(sock, tty, sb.limit(15_000));
  }

  type(text: string): void {
    Bun.spawnSync([TMUX!, "-S", this.sock, "send-keys", "-l", text]);
  }
  key(name: string): void {
    Bun.spawnSync([TMUX!, "-S", this.sock, "send-keys", name]);
  }
  screen(): string {
    return Bun.spawnSync([TMUX!, "-S", this.sock, "capture-pane", "-p", "-S", "-200"]).stdout.toString();
  }
  async see(text: string | RegExp): Promise<void> {
    await waitFor(() => (typeof text === "string" ? this.screen().includes(text) : text.test(this.screen())), this.seeMs, () => `${text} on screen; screen:\n${this.screen()}`);
  }
  stty(...args: string[]): string {
    return Bun.spawnSync(["stty", "-F", this.tty, ...args]).stdout.toString().trim();
  }
  resize(cols: number, rows: number): void {
    Bun.spawnSync([TMUX!, "-S", this.sock, "resize-window", "-x", String(cols), "-y", String(rows)]);
  }
  kill(): void {
    Bun.spawnSync([TMUX!, "-S", this.sock, "kill-server"]);
  }
}

/** Runs the client with `args` under the pane's shell between two `stty -g` snapshots. */
function command(args: string): string {
  return `stty -g > before; ${CLIENT} ${args}; s=$?; stty -g > after; echo "EXIT[$s]"\n`;
}

const flags = (stty: string) => new Set(stty.split(/[\s;]+/));
/** An empty REPL prompt (the double's REPL prints julia's prompt too). */
const PROMPT = /^julia> ?$/m;

describe.skipIf(!TMUX || !DASH)("on a terminal", () => {
  for (const io of IO_URING_AVAILABLE ? ["uring", "poll", "bun"] : ["poll", "bun"]) {
    eachLang(`on a terminal, pump ${io}`, ({ lang, L, test }) => {
      let sb: Sandbox;
      let pane: Pane;
      beforeAll(() => {
        sb = new Sandbox({ JULIA_DAEMON_IO: io }, lang);
      });
      afterAll(async () => {
        pane?.kill();
        await sb.stop();
      });

      /** A new pane, once its shell prompts: tmux finishes the pty's modes (IUTF8) only as the shell starts. */
      const fresh = async () => {
        pane?.kill();
        pane = Pane.start(sb, {});
        await pane.see(/^\$ ?$/m);
      };
      const snapshots = () => [readFileSync(`${sb.dir}/before`, "utf8"), readFileSync(`${sb.dir}/after`, "utf8")];
      const clientPid = () => sb.processes().find((p) => cmdline(p)[0] === CLIENT)!;
      const raw = () => waitFor(() => flags(pane.stty("-a")).has("-icanon"), sb.limit(10_000), "raw mode");

      test("raw mode clears exactly libuv's flags, keeps OPOST/ONLCR, and the mode comes back", async () => {
        await fresh();
        pane.type(command(L({ double: `-e 'await raw_mode(true); println("RAW"); await readline(); await raw_mode(false); println("COOKED"); await readline()'`, julia: "-q" })));
        await pane.see(L({ double: /^RAW\s*$/m, julia: PROMPT }));
        const rawFlags = flags(pane.stty("-a"));
        for (const f of ["-echo", "-icanon", "-iexten", "-isig", "-brkint", "-icrnl", "-inpck", "-istrip", "-ixon", "opost", "onlcr"]) expect({ f, on: rawFlags.has(f) }).toEqual({ f, on: true });
        pane.type(L({ double: "x\n", julia: 'println("COOKED"); readline()\r' }));
        await pane.see(/^COOKED\s*$/m);
        const cooked = flags(pane.stty("-a"));
        for (const f of ["echo", "icanon", "isig", "icrnl", "ixon"]) expect({ f, on: cooked.has(f) }).toEqual({ f, on: true });
        pane.type("y\n");
        if (lang === "julia") {
          await pane.see(/^"y"\s*$/m); // the REPL shows readline's value, then its prompt again
          await raw(); // a Ctrl-D typed while it still evaluates (cooked) is lost, as with plain julia
          pane.key("C-d");
        }
        await pane.see("EXIT[0]");
        const [before, after] = snapshots();
        expect(after).toBe(before);
      });

      test("worker killed while the terminal is raw: exit 71 and the terminal is restored", async () => {
        await fresh();
        pane.type(command(L({ double: `-e 'await raw_mode(true); println("PID", getpid()); await sleep(30)'`, julia: "-q" })));
        if (lang === "julia") {
          await pane.see(PROMPT);
          pane.type('println("PID", getpid())\r');
        }
        await pane.see(/PID\d+/);
        await raw(); // julia: back at its prompt
        const pid = Number(/PID(\d+)/.exec(pane.screen())![1]);
        process.kill(pid, "SIGKILL");
        await pane.see("EXIT[71]");
        const [before, after] = snapshots();
        expect(after).toBe(before);
      });

      test("typeahead during a run stays with the shell", async () => {
        await fresh();
        const prog = L({ double: 'println("WAIT"); await sleep(0.5); println("DONE")', julia: 'println("WAIT"); sleep(0.5); println("DONE")' });
        pane.type(`${CLIENT} -e '${prog}'; read x; echo "GOT[$x]"\n`);
        await pane.see(/^WAIT\s*$/m);
        pane.type("typed-ahead\n");
        await pane.see("GOT[typed-ahead]");
      });

      test("window size: answered from TIOCGWINSZ, and follows a resize (SIGWINCH)", async () => {
        await fresh();
        pane.type(
          command(
            L({
              double: `-e 'let [r, c] = await displaysize(); println("SIZE", r, "x", c); await readline(); [r, c] = await displaysize(); println("SIZE2", r, "x", c)'`,
              julia: `-e 'r, c = displaysize(stdout); println("SIZE", r, "x", c); readline(); r, c = displaysize(stdout); println("SIZE2", r, "x", c)'`,
            }),
          ),
        );
        await pane.see(/SIZE\d+x\d+/);
        const [rows, cols] = pane.stty("size").split(" ");
        expect(pane.screen()).toContain(`SIZE${rows}x${cols}`);
        pane.resize(90, 20);
        await waitFor(() => pane.stty("size") !== `${rows} ${cols}`, 5000, "the pane to resize");
        const [rows2, cols2] = pane.stty("size").split(" ");
        pane.type("go\n");
        await pane.see(`SIZE2${rows2}x${cols2}`);
      });

      test("Ctrl-Z while raw (SIGTSTP): cooked while stopped, raw again after fg", async () => {
        await fresh();
        const before = pane.stty("-g");
        pane.type(L({ double: `${CLIENT} -e 'await raw_mode(true); println("RAW"); const l = await readline(); await raw_mode(false); println("GOT " + l)'\n`, julia: `${CLIENT} -q\n` }));
        await pane.see(L({ double: /^RAW\s*$/m, julia: PROMPT }));
        process.kill(clientPid(), "SIGTSTP");
        await pane.see(/Stopped|Suspended/i);
        expect(pane.stty("-g")).toBe(before); // the shell has its own mode back while we are stopped
        pane.type("fg\n");
        await raw();
        expect(flags(pane.stty("-a")).has("-echo")).toBe(true);
        if (lang === "double") {
          pane.type("line\n");
          await pane.see(/^GOT line\s*\n\$/m);
        } else {
          pane.type('println("GOT ", "line")\r');
          await pane.see(/^GOT line\s*$/m);
          await raw();
          pane.key("C-d");
          await waitFor(() => clientPid() === undefined, sb.limit(10_000), "the client to end");
        }
        expect(pane.stty("-g")).toBe(before);
      });

      test(
        "exit(3) at the REPL prompt ends the client quietly with code 3",
        async () => {
          await fresh();
          pane.type(command("-q"));
          await pane.see(PROMPT);
          pane.type("exit(3)\r");
          await pane.see("EXIT[3]");
          expect(pane.screen()).toMatch(/^julia> exit\(3\)\s*\nEXIT\[3\]$/m);
          const [before, after] = snapshots();
          expect(after).toBe(before);
        },
      );
    });
  }
});
