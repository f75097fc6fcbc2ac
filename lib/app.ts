/**
 * The server as a function from Web `Request` to `Response`: routing below the stage prefix, the
 * health check, RFC 9728 metadata, the OAuth authorization server (when on) and the MCP endpoint. The Lambda handler and the local server
 * both call this through the same event adapter.
 */
import { protectedResourceMetadata, type PublicUrls } from './auth/metadata';
import type { Config } from './config';
import { coderError, json } from './http/respond';
import { handleMcp } from './mcp/endpoint';
import { authorizationServers, handleOAuth, isOAuthPath } from './oauth/routes';
import { VERSION } from './version';

export interface Invocation {
  /** Path prefix clients put in front of our routes ('' when none). */
  basePath: string;
  /** Remaining invocation time in ms (Infinity outside Lambda). */
  remainingMs: () => number;
}

const METADATA_PATHS = new Set(['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']);
const METADATA_PREFLIGHT = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, OPTIONS',
  'access-control-allow-headers': 'mcp-protocol-version, accept',
  'access-control-max-age': '600',
};

export async function handleRequest(request: Request, inv: Invocation, config: Config): Promise<Response> {
  const url = new URL(request.url);
  const path = routePath(url.pathname, inv.basePath);
  const urls = publicUrls(url, inv.basePath, config);

  if (path === '/mcp' || path === '/mcp/') {
    return handleMcp(request, { config, urls, version: VERSION, remainingMs: inv.remainingMs });
  }
  if (METADATA_PATHS.has(path)) {
    // Public and cookie-free: any page may read it (browser-based clients send MCP-Protocol-Version, hence a preflight).
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: METADATA_PREFLIGHT });
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return coderError(405, 'Method not allowed.', undefined, { allow: 'GET' });
    const servers = await authorizationServers(urls, config);
    return json(200, protectedResourceMetadata(urls, config.coderUrl, servers), {
      'cache-control': 'max-age=300',
      'access-control-allow-origin': '*',
    });
  }
  if (config.oauth && isOAuthPath(path)) {
    return handleOAuth(request, path, urls, config, config.oauth);
  }
  if (path === '/healthz') {
    return json(200, { status: 'ok', version: VERSION });
  }
  return coderError(404, 'Route not found.');
}

function routePath(pathname: string, basePath: string): string {
  const stripped = basePath && pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname;
  return stripped === '' ? '/' : stripped;
}

/** Where clients reach us: the configured public URL (custom domains), else the request's own origin and prefix. */
function publicUrls(url: URL, basePath: string, config: Config): PublicUrls {
  return { base: config.publicUrl ?? `${url.origin}${basePath}` };
}
