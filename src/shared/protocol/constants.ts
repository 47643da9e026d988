// Every number that appears on the wire, in one place. docs/protocol.md is
// the prose form of this file; the Julia worker's constants are generated
// from it (build.ts), so a value changed here changes everywhere.

export const PROTOCOL_VERSION = 2;
/** The protocol version before this one: a client asks an old conductor to hand over behind it (§3.3). */
export const PREVIOUS_PROTOCOL_VERSION = 1;

/** Four ASCII bytes that open each kind of channel. */
export const Magic = {
  /** client -> conductor request channel */
  CLIENT: "JDcl",
  /** worker -> conductor control channel */
  WORKER: "JDwk",
  /** client -> worker per-run stream */
  STREAM: "JDst",
} as const;
export type MagicName = keyof typeof Magic;

/** Bytes of the channel preamble: magic (4) + u16 version. */
export const PREAMBLE_BYTES = 6;
/** Frame header: u8 type + u32 payload length. */
export const FRAME_HEADER_BYTES = 5;
/** Largest payload any frame may carry; larger is a FRAME_TOO_LARGE error. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Per-run token length. */
export const TOKEN_BYTES = 16;

/** Frame types. The type byte of a reply is its status. */
export const Frame = {
  // client -> conductor
  REQUEST: 0x01,
  ENV: 0x02,
  NOTIFY: 0x03,
  ADMIN: 0x04,
  // conductor -> client
  ROUTE: 0x80,
  NEED_ENV: 0x81,
  PROGRESS: 0x82,
  OUTPUT: 0x83,
  READY: 0x84,
  HANDOVER: 0x85,
  // worker <-> conductor
  HELLO: 0x10,
  WELCOME: 0x11,
  PING: 0x20,
  PONG: 0x21,
  ACTIVATE: 0x22,
  ACTIVATED: 0x23,
  RUN: 0x24,
  RUN_ACCEPTED: 0x25,
  SHUTDOWN: 0x26,
  RUN_DONE: 0x27,
  CANCEL_RUN: 0x28,
  REPLY_ERROR: 0x2f,
  // worker <-> client, per-run control stream
  EXIT: 0x40,
  RAW_MODE: 0x41,
  SIZE_QUERY: 0x42,
  READ_CREDIT: 0x43,
  INTERRUPT_BY_SIGNAL: 0x44,
  INTERRUPT: 0x50,
  RAW_ACK: 0x51,
  SIZE: 0x52,
  // any direction
  ERROR: 0xe0,
} as const;
export type FrameType = (typeof Frame)[keyof typeof Frame];

/** Per-run stream kinds, sent after the token when a client opens a stream. */
export const Stream = { CONTROL: 1, STDIN: 2, STDOUT: 3, STDERR: 4 } as const;
export type StreamKind = (typeof Stream)[keyof typeof Stream];

/** Status byte a worker answers a stream preamble with. */
export const StreamStatus = { OK: 0, BAD_MAGIC: 1, BAD_VERSION: 2, BAD_TOKEN: 3, DUPLICATE: 4, BAD_KIND: 5 } as const;

/** REQUEST / RUN flag bits. */
export const RunFlag = {
  STDIN_TTY: 1 << 0,
  STDOUT_TTY: 1 << 1,
  STDERR_TTY: 1 << 2,
  MERGE_STDERR: 1 << 3,
  INTERACTIVE: 1 << 4,
  SESSION: 1 << 5,
  HAS_PROGRAM: 1 << 6,
} as const;

/** Action kinds in a RUN, in command-line order. */
export const Action = { EVAL: 1, PRINT: 2, LOAD: 3 } as const;

/** RUN_DONE / EXIT kinds. */
export const ExitKind = { CODE: 0, SIGNAL: 1, ABANDONED: 2 } as const;

/** RUN_DONE flag bits: RETIRE — the run's code would not stop; retire the worker. */
export const RunDoneFlag = { RETIRE: 1 << 0 } as const;

/** READ_CREDIT value for open credit: forward a tty stdin freely until the next finite credit. */
export const READ_CREDIT_OPEN = 0xffffffff;

/** PROGRESS phases. */
export const Phase = { STARTING: 1, QUEUED: 2, ACTIVATING: 3, CONNECTING: 4 } as const;

/** NOTIFY events a client sends on its still-open request channel. */
export const Notify = { RETIRE_WORKER: 1, CLIENT_SIGNAL: 2 } as const;

/** HELLO registration kinds and capability bits. */
export const Registration = { FRESH: 0, REREGISTER: 1 } as const;
export const Capability = { CONCURRENT_RUNS: 1 << 0 } as const;

/** SHUTDOWN modes. */
export const Shutdown = { SOFT: 0, NOW: 1 } as const;

/**
 * Error codes carried by ERROR / REPLY_ERROR frames. Unknown codes decode as
 * UNKNOWN so an older peer can still print the message.
 */
export const ErrorCode = {
  UNKNOWN: 0,
  BAD_MAGIC: 1,
  BAD_VERSION: 2,
  MALFORMED: 3,
  FRAME_TOO_LARGE: 4,
  UNEXPECTED: 5,
  PEER_REFUSED: 6,
  WORKER_START_FAILED: 7,
  WORKER_DIED: 8,
  PROJECT_NOT_FOUND: 9,
  BUSY: 10,
  UNKNOWN_WORKER: 11,
  PATH_TOO_LONG: 12,
  INTERNAL: 13,
  SHUTTING_DOWN: 14,
  BAD_REQUEST: 15,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export function errorCodeName(code: number): keyof typeof ErrorCode {
  for (const [k, v] of Object.entries(ErrorCode)) if (v === code) return k as keyof typeof ErrorCode;
  return "UNKNOWN";
}
