// The conductor's end of a client's request channel, as a small state
// machine: REQUEST (or ADMIN) → maybe NEED_ENV/ENV → PROGRESS… → ROUTE,
// OUTPUT or ERROR; then NOTIFY frames until the client leaves. Deciding what
// to do with a request is the Routing service's job, not this file's.

import { DaemonError, ExitCode } from "../../shared/errors.ts";
import {
  decodeAdmin,
  decodeEnv,
  decodeNotify,
  decodeRequest,
  encodeError,
  encodeHandover,
  encodeNeedEnv,
  encodeOutput,
  encodeProgress,
  encodeRoute,
  ErrorCode,
  Frame,
  ProtocolError,
  type ClientRequest,
  type Handover,
  type RawFrame,
  type Route,
} from "../../shared/protocol/index.ts";
import type { ChannelHandler, Peer } from "./peer.ts";

export type Answer =
  | { route: Route; onClientGone: () => void; onNotify: (event: number, value: number) => void }
  | { output: { exitCode: number; stdout: string; stderr: string } }
  | { handover: Handover };

export interface RequestContext {
  req: ClientRequest;
  env: string[];
  progress: (phase: number, message: string) => void;
}

export interface ClientService {
  lookupEnv(hash: bigint): string[] | undefined;
  storeEnv(hash: bigint, env: string[]): void;
  handle(ctx: RequestContext): Promise<Answer>;
  admin(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

const HEARTBEAT_MS = 1000;

const errorCodeFor: Partial<Record<string, number>> = {
  WORKER_START_FAILED: ErrorCode.WORKER_START_FAILED,
  WORKER_DIED: ErrorCode.WORKER_DIED,
  PATH_TOO_LONG: ErrorCode.PATH_TOO_LONG,
  REFUSED: ErrorCode.BAD_REQUEST,
  USAGE: ErrorCode.BAD_REQUEST,
};

export class ClientChannel implements ChannelHandler {
  private state: "request" | "env" | "working" | "routed" | "done" = "request";
  private req: ClientRequest | null = null;
  private gone: (() => void) | null = null;
  private notify: ((event: number, value: number) => void) | null = null;

  constructor(
    private readonly peer: Peer,
    private readonly service: ClientService,
  ) {}

  onFrame(f: RawFrame): void {
    if (this.state === "request" && f.type === Frame.REQUEST) {
      this.req = decodeRequest(f.payload);
      const env = this.service.lookupEnv(this.req.envHash);
      if (env) return this.start(env);
      // The handshake deadline stays until ENV: a client that never answers must not hold an fd.
      this.state = "env";
      return this.peer.send(encodeNeedEnv());
    }
    if (this.state === "request" && f.type === Frame.ADMIN) {
      this.peer.sock.timeout(0);
      this.state = "working";
      void this.service.admin(decodeAdmin(f.payload)).then((o) => this.finish(encodeOutput(o)), (e) => this.failWith(e));
      return;
    }
    if (this.state === "env" && f.type === Frame.ENV) {
      const env = decodeEnv(f.payload);
      this.service.storeEnv(this.req!.envHash, env);
      return this.start(env);
    }
    if (f.type === Frame.NOTIFY && (this.state === "routed" || this.state === "working")) {
      const n = decodeNotify(f.payload);
      this.notify?.(n.event, n.value);
      return;
    }
    throw new ProtocolError(ErrorCode.UNEXPECTED, `unexpected frame 0x${f.type.toString(16)} in state ${this.state}`);
  }

  private start(env: string[]): void {
    this.peer.sock.timeout(0); // from here the client waits on us, for as long as its run takes
    this.state = "working";
    const began = Date.now();
    let last = { phase: 0, message: "" };
    const progress = (phase: number, message: string) => {
      last = { phase, message };
      this.peer.send(encodeProgress({ phase, elapsedMs: Date.now() - began, message }));
    };
    const beat = setInterval(() => last.phase && progress(last.phase, last.message), HEARTBEAT_MS);
    void this.service
      .handle({ req: this.req!, env, progress })
      .then((a) => {
        if ("output" in a) return this.finish(encodeOutput(a.output));
        if ("handover" in a) return this.finish(encodeHandover(a.handover));
        this.state = "routed";
        this.gone = a.onClientGone;
        this.notify = a.onNotify;
        if (this.peer.isClosed) return a.onClientGone();
        this.peer.send(encodeRoute(a.route));
      }, (e) => this.failWith(e))
      .finally(() => clearInterval(beat));
  }

  private finish(frame: Uint8Array): void {
    this.state = "done";
    this.peer.send(frame);
    this.peer.close();
  }

  private failWith(e: unknown): void {
    if (e instanceof DaemonError) {
      const code = errorCodeFor[e.code] ?? ErrorCode.INTERNAL;
      return this.finish(encodeError({ code, exitCode: e.exitCode, message: e.message, hint: e.hint }));
    }
    const msg = e instanceof Error ? e.message : String(e);
    this.finish(encodeError({ code: ErrorCode.INTERNAL, exitCode: ExitCode.FAILURE, message: `internal error: ${msg}`, hint: "this is a bug in juliaconductor; see its log" }));
  }

  onClose(): void {
    if (this.state === "routed") this.gone?.();
    this.state = "done";
  }
}
