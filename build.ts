// Builds dist/juliaclient and dist/juliaconductor as standalone executables.
// The client is tuned for start-up: it never reads a .env or bunfig.toml in
// the user's cwd, and it is built with bytecode (measured here: `-h` 5.9 ms
// without, 3.8 ms with; its ~37 KB of JS costs ~2 ms to parse otherwise). The conductor
// uses bytecode + ESM + splitting so lazily imported commands stay lazy.
// Generated sources (worker file list, Julia protocol constants) are
// refreshed first so the binaries always embed what is in src/.

import { $ } from "bun";
import { existsSync, writeFileSync } from "node:fs";
import { GENERATED, renderWorkerFiles } from "./tools/gen-worker-files.ts";

const root = import.meta.dir;
process.chdir(root);

writeFileSync(GENERATED, renderWorkerFiles());
if (existsSync(`${root}/tools/gen-julia-constants.ts`)) {
  const gen: { renderJuliaConstants(): string; renderGoldenFrames(): string } = await import(`${root}/tools/gen-julia-constants.ts`);
  writeFileSync(`${root}/src/worker/protocol_constants.jl`, gen.renderJuliaConstants());
  writeFileSync(`${root}/src/worker/golden_frames.jl`, gen.renderGoldenFrames());
}

const common = ["--compile", "--minify", "--sourcemap=inline", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"];
await $`bun build ${common} --bytecode --format=esm src/client/main.ts --outfile dist/juliaclient`.quiet();
await $`bun build ${common} --bytecode --format=esm --splitting src/conductor/main.ts --outfile dist/juliaconductor`.quiet();
console.log("built dist/juliaclient and dist/juliaconductor");
