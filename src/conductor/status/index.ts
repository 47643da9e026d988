// `--status`: a snapshot of the pool (snapshot.ts) and its pure renderers
// (render.ts); see docs/status.md for the JSON schema.

export { renderStatus, renderStatusJson, formatBytes, formatDuration, projectLabel, type RenderOptions } from "./render.ts";
export { snapshot, STATUS_SCHEMA, type StatusSnapshot, type WorkerStatus } from "./snapshot.ts";
