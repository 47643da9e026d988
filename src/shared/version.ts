// The build's version, from package.json, shared by both binaries so a newer
// client can tell an older conductor to hand over (docs/protocol.md §3.3).

import { version } from "../../package.json" with { type: "json" };

export const BUILD_VERSION: string = version;

/** Numeric comparison of dotted versions ("0.10.0" > "0.9.3"); pre-release tags are ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
