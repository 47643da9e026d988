// One conformance suite, parameterised by worker (STYLE.md habit 8): every
// case runs against the worker double always, and against the real Julia
// worker (src/worker/main.jl) whenever `julia` is on PATH; otherwise each
// Julia case is reported as skipped with "skipped: julia not found". Cases
// share one worker per language unless they end it (`fresh`).

import { afterAll, describe, setDefaultTimeout, test } from "bun:test";
import type { ConformanceCase, Pick } from "./case.ts";
import { atLeast } from "./case.ts";
import { JULIA, JULIA_VERSION, type Lang, World } from "./driver.ts";
import { protocolCases } from "./protocol-cases.ts";
import { semanticsCases } from "./semantics-cases.ts";

// The Julia worker compiles itself at start-up; the double starts in ~100 ms.
setDefaultTimeout(JULIA ? 300_000 : 30_000);
const SKIP_NOTE = "skipped: julia not found";
if (!JULIA) console.log(`conformance: julia worker ${SKIP_NOTE} on PATH; its cases are reported as skipped`);

const suites: [string, ConformanceCase[]][] = [
  ["protocol", protocolCases],
  ["semantics", semanticsCases],
];

for (const lang of ["double", "julia"] as Lang[]) {
  const available = lang === "double" || JULIA !== null;
  let shared: Promise<World> | undefined;
  const sharedWorld = () => (shared ??= World.boot(lang));
  afterAll(async () => {
    if (shared) (await shared.catch(() => null))?.dispose();
  });

  describe(`conformance (${lang} worker)`, () => {
    for (const [suite, cases] of suites) {
      for (const c of cases) {
        if (c.only && c.only !== lang) continue;
        const name = `${suite}: ${c.name}`;
        if (!available) {
          test.skip(`${name} (${SKIP_NOTE})`, () => {});
          continue;
        }
        if (lang === "julia" && c.julia && !atLeast(JULIA_VERSION, c.julia.min)) {
          const why = `skipped on julia ${JULIA_VERSION}: needs ${c.julia.min} (${c.julia.why})`;
          console.log(`conformance: ${name}: ${why}`);
          test.skip(`${name} (${why})`, () => {});
          continue;
        }
        test(name, async () => {
          const w = c.fresh ? await World.boot(lang, c.env) : await sharedWorld();
          const L: Pick = (v) => v[lang];
          try {
            await c.body(w, L);
          } catch (err) {
            // A failed case may leave its run pending in the shared worker: the next case boots a new one.
            if (!c.fresh) {
              shared = undefined;
              w.dispose();
            }
            throw new Error(`${(err as Error).message}\n--- worker log ---\n${w.worker.log()}`, { cause: err });
          } finally {
            if (c.fresh) w.dispose();
          }
        });
      }
    }
  });
}
