/**
 * What a long operation says while it runs (a build's log lines, an agent wait, a command still
 * running). Neutral ground: the Coder client and the tools report through it, and the MCP layer
 * decides where it goes (lib/mcp/progress.ts turns it into `notifications/progress`).
 */
export interface Progress {
  /** One progress notification (none when the client did not ask). Never fails the call. */
  report(message: string): void;
  /** Reports "<what>: still running after N s" every interval until the returned function is called. */
  keepAlive(what: string): () => void;
}

export const NO_PROGRESS: Progress = { report: () => undefined, keepAlive: () => () => undefined };
