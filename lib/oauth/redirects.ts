/**
 * Which redirect URIs a client may register. An allow-list of patterns, because registration is open
 * to anyone (RFC 7591): without it, a stranger could register a client that sends codes to a host of
 * theirs. A pattern is matched against the whole URI; `*` stands for any run of characters. URIs with
 * user info or a fragment are refused whatever the patterns say (`http://localhost:1@evil.example/` is
 * a URI on evil.example). At authorize time the redirect URI must equal a registered one exactly.
 */

/** The connectors and editors users add us to, and loopback for CLIs (RFC 8252). */
export const DEFAULT_REDIRECT_URI_PATTERNS: readonly string[] = [
  'https://claude.ai/api/mcp/auth_callback',
  'https://claude.com/api/mcp/auth_callback',
  'https://chatgpt.com/connector_platform_oauth_redirect',
  'https://vscode.dev/redirect',
  'https://insiders.vscode.dev/redirect',
  'http://127.0.0.1:*',
  'http://localhost:*',
  'http://[::1]:*',
  'vscode://*',
  'vscode-insiders://*',
  'cursor://*',
];

export function redirectUriAllowed(uri: string, patterns: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.username || url.password || url.hash || uri.includes('#')) return false;
  // Nothing a browser would treat differently from what we compared: no whitespace, controls or backslashes.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\s\\\u0000-\u001f\u007f]/.test(uri)) return false;
  return patterns.some((p) => globToRegExp(p).test(uri));
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}
