// Helpers every message module shares: a frame from a Writer, and the
// run-token length check.

import type { Writer } from "./codec.ts";
import { TOKEN_BYTES } from "./constants.ts";
import { encodeFrame } from "./frames.ts";

export const frame = (type: number, w?: Writer): Uint8Array => encodeFrame(type, w ? w.finish() : undefined);

export function checkToken(t: Uint8Array): Uint8Array {
  if (t.length !== TOKEN_BYTES) throw new RangeError(`run token must be ${TOKEN_BYTES} bytes, got ${t.length}`);
  return t;
}
