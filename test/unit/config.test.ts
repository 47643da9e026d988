// Layered configuration: defaults < config.toml < environment < flags, lists
// replace instead of concatenating, and every invalid value names its source
// and the allowed range.

import { describe, expect, test } from "bun:test";
import { describeConfig, loadConfig } from "../../src/conductor/config.ts";

const FILE = "/home/u/.config/julia-daemon/config.toml";
const env = { HOME: "/home/u", JULIA_DAEMON_RUNTIME: "/tmp/jd" };
const load = (opts: { file?: string; env?: Record<string, string>; flags?: string[] } = {}) =>
  loadConfig({ ...env, ...opts.env }, 1000, { flags: opts.flags ?? [], readFile: (p) => (p === FILE ? (opts.file ?? null) : null) });

describe("precedence", () => {
  test.each([
    ["default", {}, 1, "default"],
    ["file over default", { file: "worker_maxclients = 2" }, 2, `file ${FILE}`],
    ["environment over file", { file: "worker_maxclients = 2", env: { JULIA_DAEMON_WORKER_MAXCLIENTS: "3" } }, 3, "environment JULIA_DAEMON_WORKER_MAXCLIENTS"],
    ["flag over environment", { file: "worker_maxclients = 2", env: { JULIA_DAEMON_WORKER_MAXCLIENTS: "3" }, flags: ["--worker-maxclients=4"] }, 4, "flag --worker-maxclients"],
  ] as const)("%s", (_n, opts, value, source) => {
    const c = load(opts as Parameters<typeof load>[0]);
    expect(c.maxClients).toBe(value);
    expect(describeConfig(c).find((r) => r.name === "JULIA_DAEMON_WORKER_MAXCLIENTS")!.source).toBe(source);
  });

  test("lists replace rather than concatenate", () => {
    const c = load({ file: 'worker_args = ["--startup-file=no", "-O1"]', env: { JULIA_DAEMON_WORKER_ARGS: "--startup-file=yes" } });
    expect(c.workerArgs).toEqual(["--startup-file=yes"]);
    expect(load({ file: 'worker_args = ["--a", "b c"]' }).workerArgs).toEqual(["--a", "b c"]);
  });

  test("seconds in, milliseconds inside", () => {
    expect(load({ file: "reply_timeout = 2.5" }).replyTimeoutMs).toBe(2500);
  });

  test("XDG_CONFIG_HOME and JULIA_DAEMON_CONFIG move the file", () => {
    const c = loadConfig({ XDG_CONFIG_HOME: "/x", JULIA_DAEMON_RUNTIME: "/tmp/jd" }, 1, { readFile: (p) => (p === "/x/julia-daemon/config.toml" ? "debug = true" : null) });
    expect(c.debug).toBe(true);
    const d = loadConfig({ JULIA_DAEMON_CONFIG: "/etc/jd.toml", JULIA_DAEMON_RUNTIME: "/tmp/jd" }, 1, { readFile: (p) => (p === "/etc/jd.toml" ? "debug = true" : null) });
    expect(d.debug).toBe(true);
  });
});

describe("validation", () => {
  test.each([
    [{ file: "worker_maxclients = -1" }, `JULIA_DAEMON_WORKER_MAXCLIENTS="-1" is invalid (from file ${FILE}): expected an integer from 0 to 65536`],
    [{ env: { JULIA_DAEMON_REPLY_TIMEOUT: "soon" } }, `JULIA_DAEMON_REPLY_TIMEOUT="soon" is invalid (from environment JULIA_DAEMON_REPLY_TIMEOUT): expected a number of seconds from 1 to 86400`],
    [{ flags: ["--debug=maybe"] }, `JULIA_DAEMON_DEBUG="maybe" is invalid (from flag --debug): expected yes/no (1/0, true/false)`],
    [{ file: "worker_executable = [\"a\", \"b\"]" }, `JULIA_DAEMON_WORKER_EXECUTABLE=["a","b"] is invalid (from file ${FILE}): expected a single value, not a list`],
    [{ file: "max_cliens = 2" }, `unknown setting \`max_cliens\` in ${FILE}`],
    [{ file: "runtime = \"/x\"" }, `unknown setting \`runtime\` in ${FILE}`],
    [{ file: "this is = not toml" }, `${FILE} is not valid TOML`],
    [{ flags: ["--bogus=1"] }, "unknown setting flag `--bogus=1`"],
  ] as const)("%j", (opts, message) => {
    let err: unknown;
    try {
      load(opts as Parameters<typeof load>[0]);
    } catch (e) {
      err = e;
    }
    expect((err as Error)?.message).toStartWith(message);
    expect((err as { exitCode?: number }).exitCode).toBe(78);
  });
});
