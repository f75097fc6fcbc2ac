/**
 * Browser-origin policy for the MCP endpoint. Server-to-server callers send no Origin and are allowed;
 * a browser page may call only from a configured origin (this is the DNS-rebinding defence too).
 */
export function isOriginAllowed(origin: string | null, allowed: readonly string[]): boolean {
  if (origin === null) return true;
  return allowed.includes(origin.replace(/\/+$/, ''));
}

/** CORS headers for an allowed browser origin, so browser-based MCP clients can read our answers. */
export function corsHeaders(origin: string | null): Record<string, string> {
  if (origin === null) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'mcp-session-id, mcp-protocol-version, www-authenticate',
    vary: 'origin',
  };
}

export function preflightHeaders(origin: string): Record<string, string> {
  return {
    ...corsHeaders(origin),
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers':
      'authorization, content-type, accept, coder-session-token, mcp-protocol-version, mcp-method, mcp-name, mcp-session-id, last-event-id, coder-mcp-read-only, coder-mcp-tools',
    'access-control-max-age': '600',
  };
}
