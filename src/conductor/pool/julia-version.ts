// What a worker executable's julia version decides, as pure functions:
// reading `julia --version` and the oldest release julia-daemon supports. The cache and the probe that
// runs the executable are in versions.ts; the argv is built in spawn.ts.

import { compareVersions } from "../../shared/version.ts";

/** The oldest julia the worker supports. */
export const MIN_JULIA = "1.5";

/** `1.5.3` from `julia version 1.5.3`; also `1.12.0-DEV.123`. Null when the text says no version. */
export function parseJuliaVersion(text: string): string | null {
  const m = /\bjulia version (\d+\.\d+(?:\.\d+)?[^\s]*)/i.exec(text);
  return m ? m[1]! : null;
}

/** Numeric comparison of the release numbers; a pre-release of 1.9 counts as 1.9. */
export function atLeast(version: string, min: string): boolean {
  return compareVersions(version, min) >= 0;
}

export function supported(version: string): boolean {
  return atLeast(version, MIN_JULIA);
}

/** The probe's command line: the executable as the worker would get it, asked only for its version. */
export function versionArgv(executable: string, channel: string | null): string[] {
  return [executable, ...(channel ? [`+${channel}`] : []), "--startup-file=no", "--version"];
}
