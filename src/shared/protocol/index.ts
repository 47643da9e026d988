// The wire format, the one module that knows bytes. See docs/protocol.md.
export * from "./constants.ts";
export * from "./codec.ts";
export * from "./frames.ts";
export * from "./client-messages.ts";
export * from "./worker-messages.ts";
export * from "./run-messages.ts";
