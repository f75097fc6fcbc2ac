/**
 * `POST /oauth/register`: RFC 7591 dynamic client registration. Redirect URIs must match the allow-list
 * (redirects.ts). For each client we register an app of our own in Coder, so each client holds its own
 * Coder key (coderd keeps one per user and app: a shared app would let a second sign-in evict the
 * first); with Coder's registration off, the operator's app is used. Everything the client id stands for
 * is sealed into it: nothing is stored.
 */
import * as z from 'zod';
import { mediaType } from '../http/media-type';
import { json } from '../http/respond';
import { NO_STORE, OPEN_CORS, readSmallBody, type OAuthContext } from './context';
import { OAuthError } from './errors';
import { clientSecret, nowSeconds, sealGrant, type ClientGrant } from './grants';
import { redirectUriAllowed } from './redirects';
import { discoverProvider, registerApp } from './upstream';

const requestSchema = z.looseObject({
  redirect_uris: z
    .array(z.string())
    .min(1, 'at least one redirect URI is required')
    .max(10, 'at most 10 redirect URIs'),
  client_name: z.string().max(200).optional(),
  token_endpoint_auth_method: z.enum(['none', 'client_secret_post', 'client_secret_basic']).optional(),
  grant_types: z.array(z.string()).optional(),
  response_types: z.array(z.string()).optional(),
  scope: z.string().optional(),
});

export async function register(request: Request, ctx: OAuthContext): Promise<Response> {
  const body = await readJson(request);
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OAuthError(
      'invalid_client_metadata',
      `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const req = parsed.data;
  for (const uri of req.redirect_uris) {
    if (!redirectUriAllowed(uri, ctx.oauth.redirectUriPatterns)) {
      throw new OAuthError(
        'invalid_redirect_uri',
        `${uri.slice(0, 200)} is not an allowed redirect URI on this server (the operator sets the list: MCP_OAUTH_REDIRECT_URIS)`,
      );
    }
  }
  const unsupportedGrant = req.grant_types?.find((g) => g !== 'authorization_code' && g !== 'refresh_token');
  if (unsupportedGrant)
    throw new OAuthError(
      'invalid_client_metadata',
      `grant type ${unsupportedGrant} is not supported (authorization_code and refresh_token are)`,
    );
  if (req.response_types?.some((t) => t !== 'code'))
    throw new OAuthError('invalid_client_metadata', 'only the response type "code" is supported');

  const provider = await discoverProvider(ctx.config.coderUrl);
  if (!provider) throw providerOff(ctx.config.coderUrl);
  const name = clientLabel(req.client_name, req.redirect_uris);
  const upstream = await registerApp(provider, { name, redirectUri: ctx.callbackUrl });
  if (!upstream && !ctx.oauth.upstreamApp) {
    throw new OAuthError(
      'temporarily_unavailable',
      `Coder's dynamic client registration is off at ${ctx.config.coderUrl} and this server has no Coder app of its own: the operator must turn registration on in Coder or set MCP_OAUTH_UPSTREAM_CLIENT_ID`,
      503,
    );
  }
  // RFC 7591: without a method named, a client authenticates with client_secret_basic.
  const method = req.token_endpoint_auth_method ?? 'client_secret_basic';
  const issuedAt = nowSeconds();
  const grant: ClientGrant = {
    iss: ctx.issuer,
    iat: issuedAt,
    n: req.client_name ?? '',
    r: req.redirect_uris,
    m: method,
    ...(upstream ? { u: { i: upstream.clientId, s: upstream.clientSecret } } : {}),
  };
  const clientId = sealGrant(ctx.ring, 'client', grant);
  return json(
    201,
    {
      client_id: clientId,
      client_id_issued_at: issuedAt,
      ...(method === 'none' ? {} : { client_secret: clientSecret(ctx.ring, clientId), client_secret_expires_at: 0 }),
      client_name: req.client_name,
      redirect_uris: req.redirect_uris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: method,
    },
    { ...NO_STORE, ...OPEN_CORS },
  );
}

export function providerOff(coderUrl: string): OAuthError {
  return new OAuthError(
    'temporarily_unavailable',
    `sign-in with Coder is unavailable: Coder's OAuth2 provider is off at ${coderUrl} (the operator enables it with CODER_OAUTH2_PROVIDER_ENABLE); send a Coder token in Authorization or Coder-Session-Token instead`,
    503,
  );
}

/** What Coder's consent page shows: the client's name and where its redirect goes, so a look-alike name alone cannot pass. */
function clientLabel(name: string | undefined, redirectUris: string[]): string {
  const first = redirectUris[0] ?? '';
  let where = first;
  try {
    const url = new URL(first);
    where = url.host || url.protocol.replace(/:$/, '');
  } catch {
    // Allowed URIs always parse; keep the raw text otherwise.
  }
  const clean =
    (name ?? 'MCP client')
      .replace(/[^\p{L}\p{N} ._()-]/gu, '')
      .trim()
      .slice(0, 48) || 'MCP client';
  return `${clean} (${where}) via Coder MCP`.slice(0, 120);
}

async function readJson(request: Request): Promise<unknown> {
  if (mediaType(request.headers.get('content-type')) !== 'application/json')
    throw new OAuthError('invalid_client_metadata', 'the registration must be sent as application/json');
  const text = await readSmallBody(request, 'invalid_client_metadata');
  try {
    return JSON.parse(text);
  } catch {
    throw new OAuthError('invalid_client_metadata', 'the registration is not valid JSON');
  }
}
