// juliaconductor's entry: the only place the conductor process exits.

import { formatError } from "../shared/errors.ts";
import { runCli } from "./cli/index.ts";

let code: number;
try {
  code = await runCli(process.argv.slice(2));
} catch (e) {
  process.stderr.write(formatError("juliaconductor", e));
  code = (e as { exitCode?: number }).exitCode ?? 1;
}
process.exit(code);
