// juliaclient's entry: run, then leave with the run's exact status — an exit
// code, or death by the same signal the run died of. The only exit point.

import { formatError } from "../shared/errors.ts";
import { sys } from "./sys.ts";
import { writeFd } from "./output.ts";
import type { Outcome } from "./request.ts";
import { run } from "./run.ts";

let outcome: Outcome;
try {
  outcome = await run(process.argv.slice(2), process.env);
} catch (e) {
  await writeFd(2, formatError("juliaclient", e));
  outcome = { code: (e as { exitCode?: number }).exitCode ?? 1 };
}
if ("signal" in outcome) {
  sys().dieBySignal(outcome.signal);
  process.exit(128 + outcome.signal);
}
process.exit(outcome.code);
