/** Small builders for the non-MCP responses the server gives: coderd-style JSON errors and JSON-RPC transport errors. */

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** coderd's error body: `{"message","detail"?}`. */
export function coderError(
  status: number,
  message: string,
  detail?: string,
  headers: Record<string, string> = {},
): Response {
  return json(status, detail ? { message, detail } : { message }, headers);
}

/** A JSON-RPC error not tied to a request id, the shape MCP clients expect from the transport. */
export function rpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json(status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}
