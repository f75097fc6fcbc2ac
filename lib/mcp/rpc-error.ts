/**
 * JSON-RPC errors whose message reaches the client as written: the SDK answers with any thrown error's
 * `code` and `message`, and its McpError would prefix "MCP error <code>: " to coderd's text.
 */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Longest name echoed back: a client may send anything as a name, and the answer should stay one short line. */
const MAX_ECHOED_NAME = 100;

/** A client-chosen name, quoted and cut to a sane length, for an error message. */
export function echoName(name: string): string {
  const chars = Array.from(name);
  return JSON.stringify(chars.length > MAX_ECHOED_NAME ? `${chars.slice(0, MAX_ECHOED_NAME).join('')}…` : name);
}
