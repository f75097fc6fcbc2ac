/**
 * This server as a client of Coder's OAuth2 provider (coderd/oauth2provider/): discovery, dynamic
 * registration of one Coder app per client of ours, the authorize URL, the code exchange, refresh and
 * revocation. Every token request names `resource=<CODER_URL>`, so the Coder token minted carries
 * coderd's own access URL as its audience and coderd accepts it (coderd/httpmw/apikey.go refuses any
 * other). Requests are form-encoded with `client_secret_post`, as coderd's token endpoint reads them.
 * Sign-ins are rare next to tool calls, so this uses fetch rather than the REST client's agents.
 */
import * as z from 'zod';
import { OAuthError } from './errors';

const metadataSchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  registration_endpoint: z.url().optional(),
  revocation_endpoint: z.url().optional(),
});
export type CoderProvider = z.infer<typeof metadataSchema>;

const registrationSchema = z.object({ client_id: z.string().min(1), client_secret: z.string().min(1) });
const tokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().optional(),
  refresh_token: z.string().min(1).optional(),
});
export type CoderTokens = z.infer<typeof tokenSchema>;
const errorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

/** A Coder OAuth2 app this server acts as. */
export interface UpstreamApp {
  clientId: string;
  clientSecret: string;
}

const TIMEOUT_MS = 10_000;
const FOUND_TTL_MS = 5 * 60_000;
/** A provider found off is asked again soon: an operator who turns it on should not wait long. */
const MISSING_TTL_MS = 60_000;

let discovered: { coderUrl: string; until: number; provider: Promise<CoderProvider | undefined> } | undefined;

/** Coder's provider metadata, or undefined when the provider is off (coderd answers 404 on its routes). Cached per container. */
export function discoverProvider(coderUrl: string, now = Date.now()): Promise<CoderProvider | undefined> {
  if (discovered && discovered.coderUrl === coderUrl && discovered.until > now) return discovered.provider;
  const provider = fetchMetadata(coderUrl);
  const entry = { coderUrl, until: Number.POSITIVE_INFINITY, provider };
  discovered = entry;
  provider.then(
    (p) => {
      entry.until = now + (p ? FOUND_TTL_MS : MISSING_TTL_MS);
    },
    () => {
      if (discovered === entry) discovered = undefined;
    },
  );
  return provider;
}

export function resetDiscovery(): void {
  discovered = undefined;
}

async function fetchMetadata(coderUrl: string): Promise<CoderProvider | undefined> {
  const res = await call(`${coderUrl}/.well-known/oauth-authorization-server`, {
    headers: { accept: 'application/json' },
  });
  if (res.status === 404) return undefined;
  const parsed = metadataSchema.safeParse(await jsonOf(res));
  if (!res.ok || !parsed.success)
    throw unavailable(`Coder's OAuth2 metadata answered ${res.status} without the endpoints it must list`);
  return parsed.data;
}

/**
 * Registers a Coder app for one client of ours, so each client holds its own Coder key (coderd keeps one
 * key per user and app). Undefined when Coder's dynamic registration is off.
 */
export async function registerApp(
  provider: CoderProvider,
  app: { name: string; redirectUri: string },
): Promise<UpstreamApp | undefined> {
  if (!provider.registration_endpoint) return undefined;
  const res = await call(provider.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      client_name: app.name,
      redirect_uris: [app.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }),
  });
  // Registration turned off answers 404 (no route) or 403; either way the operator's app is the fallback.
  if (res.status === 404 || res.status === 403) return undefined;
  const body = await jsonOf(res);
  const parsed = registrationSchema.safeParse(body);
  if (res.status !== 201 && res.status !== 200) throw fromCoder(res.status, body, 'registering a client with Coder');
  if (!parsed.success) throw unavailable('Coder answered the client registration without a client id and secret');
  return { clientId: parsed.data.client_id, clientSecret: parsed.data.client_secret };
}

export function authorizeUrl(
  provider: CoderProvider,
  p: { app: UpstreamApp; redirectUri: string; state: string; challenge: string; resource: string },
): string {
  const url = new URL(provider.authorization_endpoint);
  url.searchParams.set('client_id', p.app.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', p.redirectUri);
  url.searchParams.set('state', p.state);
  url.searchParams.set('code_challenge', p.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('resource', p.resource);
  return url.toString();
}

export function exchangeCode(
  provider: CoderProvider,
  app: UpstreamApp,
  p: { code: string; verifier: string; redirectUri: string; resource: string },
): Promise<CoderTokens> {
  return tokenRequest(provider, app, {
    grant_type: 'authorization_code',
    code: p.code,
    code_verifier: p.verifier,
    redirect_uri: p.redirectUri,
    resource: p.resource,
  });
}

export function refreshTokens(
  provider: CoderProvider,
  app: UpstreamApp,
  p: { refreshToken: string; resource: string },
): Promise<CoderTokens> {
  return tokenRequest(provider, app, {
    grant_type: 'refresh_token',
    refresh_token: p.refreshToken,
    resource: p.resource,
  });
}

/** Best effort, as RFC 7009 allows: a token Coder no longer knows is already revoked. */
export async function revokeToken(
  provider: CoderProvider,
  app: UpstreamApp,
  token: string,
  hint: 'access_token' | 'refresh_token',
): Promise<void> {
  if (!provider.revocation_endpoint) return;
  const res = await call(provider.revocation_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token,
      token_type_hint: hint,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    }),
  });
  if (res.status >= 500) throw unavailable(`Coder's revocation endpoint answered ${res.status}`);
  await res.body?.cancel();
}

async function tokenRequest(
  provider: CoderProvider,
  app: UpstreamApp,
  params: Record<string, string>,
): Promise<CoderTokens> {
  const res = await call(provider.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ ...params, client_id: app.clientId, client_secret: app.clientSecret }),
  });
  const body = await jsonOf(res);
  if (!res.ok) throw fromCoder(res.status, body, 'the token request to Coder');
  const parsed = tokenSchema.safeParse(body);
  if (!parsed.success) throw unavailable('Coder answered the token request without an access token');
  return parsed.data;
}

/**
 * Coder's own OAuth error, carried to our client where it is the client's to fix (a spent code, a revoked
 * refresh token); anything else is ours to report as a server-side failure.
 */
function fromCoder(status: number, body: unknown, what: string): OAuthError {
  const parsed = errorSchema.safeParse(body);
  const error = parsed.success ? parsed.data.error : undefined;
  if (error === 'invalid_grant')
    return new OAuthError(
      'invalid_grant',
      'the authorization grant is invalid, expired, already used or revoked; sign in again',
    );
  if (status >= 500) return unavailable(`${what} failed: Coder answered ${status}`);
  return new OAuthError(
    'server_error',
    `${what} was refused by Coder (${status}${error ? ` ${error}` : ''}${parsed.success && parsed.data.error_description ? `: ${parsed.data.error_description}` : ''})`,
    502,
  );
}

function unavailable(description: string, cause?: unknown): OAuthError {
  return new OAuthError('temporarily_unavailable', description, 503, { cause });
}

async function call(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const kind = err instanceof Error ? err.name : 'Error';
    throw unavailable(`Coder's OAuth2 provider could not be reached (${kind})`, err);
  }
}

async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
