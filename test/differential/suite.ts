// Registers a file's differential cases with bun:test. Each case runs through
// `julia --startup-file=no <argv>` and `juliaclient <argv>` in the same fresh
// cwd with the same environment — at once, or one after the other (files
// rewritten in between) when the program writes files — and the outcomes
// must match (compare.ts). One sandboxed conductor and its warm
// worker serve the whole file; cases run one after another. A case with a
// `knownBug` runs as `test.failing`: it passes while the difference remains,
// and fails — telling you to remove the mark — once the two sides agree.

import { afterAll, beforeAll, describe, test } from "bun:test";
import { type DiffCase, type Outcome, caseName, shellQuote } from "./case.ts";
import { compare, report } from "./compare.ts";
import { runSide } from "./side.ts";
import { CLIENT, JULIA, JULIA_VERSION, World, populate } from "./world.ts";

export const SKIP_NOTE = "skipped: julia not found";

export function differentialSuite(title: string, cases: DiffCase[]): void {
  const names = new Set<string>();
  for (const c of cases) {
    const n = caseName(c);
    if (names.has(n)) throw new Error(`differential ${title}: two cases are named ${JSON.stringify(n)}`);
    names.add(n);
  }
  describe(`differential: ${title}`, () => {
    if (!JULIA) {
      console.log(`differential ${title}: julia ${SKIP_NOTE} on PATH; its ${cases.length} cases are reported as skipped`);
      for (const c of cases) test.skip(`${caseName(c)} (${SKIP_NOTE})`, () => {});
      return;
    }
    const julia = JULIA;
    let world: World | undefined;
    const stillBroken: string[] = [];
    beforeAll(async () => {
      const t0 = Date.now();
      world = new World(julia);
      await warmUp(world);
      console.log(`differential ${title}: conductor and warm worker ready in ${Date.now() - t0} ms`);
    }, 300_000);
    afterAll(async () => {
      await world?.dispose();
      if (stillBroken.length) console.log(`differential ${title}: ${stillBroken.length} known bug(s) still present:\n${stillBroken.join("\n")}`);
    }, 60_000);

    for (const c of cases) {
      const name = caseName(c);
      if (c.quarantined) {
        test.skip(`${name} (quarantined: ${c.quarantined})`, () => {});
        continue;
      }
      if (c.minJulia && !atLeast(JULIA_VERSION, c.minJulia.version)) {
        test.skip(`${name} (skipped on julia ${JULIA_VERSION}: needs ${c.minJulia.version}, ${c.minJulia.why})`, () => {});
        continue;
      }
      const known = c.knownBug !== undefined && (c.knownBugOn === undefined || JULIA_VERSION.startsWith(c.knownBugOn));
      const body = async () => {
        const w = world!;
        const dir = w.caseDir();
        populate(dir, c.files);
        const fill = (a: string) => a.replaceAll("{cwd}", dir).replaceAll("{proj}", w.proj);
        const argv = c.argv.map(fill);
        const env = Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, fill(v)]));
        const cwd = fill(c.cwd ?? "{cwd}");
        // PWD as a shell would have it (julia's launcher may be a shell script, which resets a stale PWD)
        const plain = () => runSide([julia, "--startup-file=no", ...argv], c, cwd, { ...w.env, PWD: cwd, ...env });
        const client = () => runSide([CLIENT, ...argv], c, cwd, { ...w.env, PWD: cwd, ...env });
        let j: Outcome;
        let k: Outcome;
        if (c.writes) {
          // one after the other, so the files the first side wrote are gone
          j = await plain();
          populate(dir, c.files);
          k = await client();
        } else [j, k] = await Promise.all([plain(), client()]);
        const diffs = compare(c, j, k);
        if (diffs.length === 0) return;
        if (known) stillBroken.push(`  ${name}\n    known bug: ${c.knownBug}\n${diffs.map((d) => `    ${d.headline}`).join("\n")}`);
        throw new Error(report(shellQuote(["julia", ...c.argv]), diffs, j, k));
      };
      const timeout = 2 * (c.timeoutMs ?? 20_000) + 30_000;
      if (known) test.failing(`${name} [known bug: ${c.knownBug}]`, body, timeout);
      else test(name, body, timeout);
    }
  });
}

/** The first client run autostarts the conductor and a worker; later cases find it warm. */
async function warmUp(w: World): Promise<void> {
  const p = Bun.spawn([CLIENT, "-e", "0"], { cwd: w.dir, env: { ...w.env, PWD: w.dir }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 280_000 });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  if (code !== 0) throw new Error(`juliaclient -e 0 failed to warm up the worker (exit ${code ?? p.signalCode}):\n${out}${err}`);
}

function atLeast(version: string, min: string): boolean {
  const a = version.split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}
