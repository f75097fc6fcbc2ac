/**
 * The authorization server's routes under the public base: metadata documents, registration,
 * authorize and callback (browser navigations), token and revoke. Answers undefined for any other path,
 * so the app's own routing goes on. JSON endpoints answer CORS for any origin: they hold no cookies,
 * and browser-based MCP clients (the MCP Inspector) call them from a page.
 */
import type { PublicUrls } from '../auth/metadata';
import { resourceUrl } from '../auth/metadata';
import type { Config, OAuthConfig } from '../config';
import { json } from '../http/respond';
import { authorize, callback } from './authorize';
import { oauthErrorResponse, OPEN_CORS, type OAuthContext } from './context';
import { OAuthError } from './errors';
import { loadKeyRing } from './keys';
import { authorizationServerMetadata, openIdConfiguration } from './metadata';
import { register } from './register';
import { revoke } from './revoke';
import { token } from './token';
import { discoverProvider } from './upstream';

type Route = {
  methods: readonly string[];
  cors: boolean;
  run: (request: Request, ctx: OAuthContext) => Promise<Response> | Response;
};

const ROUTES: Record<string, Route> = {
  '/.well-known/oauth-authorization-server': {
    methods: ['GET', 'HEAD'],
    cors: true,
    run: (_r, ctx) => metadataDocument(ctx, authorizationServerMetadata),
  },
  '/.well-known/openid-configuration': {
    methods: ['GET', 'HEAD'],
    cors: true,
    run: (_r, ctx) => metadataDocument(ctx, openIdConfiguration),
  },
  '/.well-known/jwks.json': {
    methods: ['GET', 'HEAD'],
    cors: true,
    run: () => json(200, { keys: [] }, { 'cache-control': 'max-age=3600', ...OPEN_CORS }),
  },
  '/oauth/register': { methods: ['POST'], cors: true, run: register },
  '/oauth/authorize': { methods: ['GET'], cors: false, run: authorize },
  '/oauth/callback': { methods: ['GET'], cors: false, run: callback },
  '/oauth/token': { methods: ['POST'], cors: true, run: token },
  '/oauth/revoke': { methods: ['POST'], cors: true, run: revoke },
};

export function isOAuthPath(path: string): boolean {
  return Object.hasOwn(ROUTES, path);
}

export async function handleOAuth(
  request: Request,
  path: string,
  urls: PublicUrls,
  config: Config,
  oauth: OAuthConfig,
): Promise<Response> {
  const route = ROUTES[path];
  if (!route) return json(404, { message: 'Route not found.' });
  if (request.method === 'OPTIONS' && route.cors) {
    return new Response(null, {
      status: 204,
      headers: {
        ...OPEN_CORS,
        'access-control-allow-methods': `${route.methods.join(', ')}, OPTIONS`,
        'access-control-allow-headers': 'authorization, content-type, accept, mcp-protocol-version',
        'access-control-max-age': '600',
      },
    });
  }
  if (!route.methods.includes(request.method)) {
    return json(
      405,
      { error: 'invalid_request', error_description: `use ${route.methods[0]}` },
      { allow: route.methods.join(', '), ...(route.cors ? OPEN_CORS : {}) },
    );
  }
  const ctx: OAuthContext = {
    config,
    oauth,
    ring: await loadKeyRing(oauth.keys),
    issuer: urls.base,
    resource: resourceUrl(urls),
    callbackUrl: `${urls.base}/oauth/callback`,
  };
  try {
    return await route.run(request, ctx);
  } catch (err) {
    if (err instanceof OAuthError) return oauthErrorResponse(err);
    throw err;
  }
}

/**
 * With Coder's provider off nobody can sign in through us: the documents answer 404 and say why, and the
 * protected-resource metadata lists no authorization server, so clients fall back to a token header.
 */
async function metadataDocument(ctx: OAuthContext, build: (issuer: string) => object): Promise<Response> {
  const provider = await discoverProvider(ctx.config.coderUrl).catch(() => 'unreachable' as const);
  if (provider === undefined) {
    return json(
      404,
      {
        error: 'oauth_unavailable',
        error_description: `Sign-in with Coder is unavailable: Coder's OAuth2 provider is off at ${ctx.config.coderUrl} (CODER_OAUTH2_PROVIDER_ENABLE). Send a Coder token in Authorization or Coder-Session-Token instead.`,
      },
      { 'cache-control': 'max-age=60', ...OPEN_CORS },
    );
  }
  // Coder unreachable right now: the document is still ours to give; the sign-in itself will report the outage.
  return json(200, build(ctx.issuer), { 'cache-control': 'max-age=300', ...OPEN_CORS });
}

/** The authorization servers the protected-resource metadata names: ours, unless sign-in cannot work. */
export async function authorizationServers(urls: PublicUrls, config: Config): Promise<string[]> {
  if (!config.oauth) return [];
  const provider = await discoverProvider(config.coderUrl).catch(() => 'unreachable' as const);
  return provider === undefined ? [] : [urls.base];
}
