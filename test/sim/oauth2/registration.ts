/**
 * RFC 7591 dynamic client registration and the RFC 7592 read endpoint. Port of
 * coderd/oauth2provider/registration.go (CreateDynamicClientRegistration, GetClientConfiguration) with
 * codersdk's request validation and defaults (codersdk/oauth2.go, oauth2_validation.go):
 * - registration off: 403 `{"error":"invalid_request",...}` before the body is read;
 * - redirect_uris required; https anywhere, http only for localhost (loopback only for a public client);
 *   no fragment, no dangerous scheme; grant types authorization_code/refresh_token (authorization_code
 *   required); response type code; auth method client_secret_basic (default), client_secret_post or
 *   none (a public client: no secret is issued);
 * - 201 with a UUID client_id, a `coder_..._...` secret, a registration access token and its URI.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { readJson } from '../body';
import { isUuid, ok, type Reply, type RouteContext } from '../http';
import { joinPath } from './metadata';
import { oauth2Error } from './replies';
import { isExternalScope } from './scopes';
import { generateSecret } from './secrets';
import type { OAuth2App, OAuth2Store } from './store';
import { redirectUriError, uriFieldError, type ClientType } from './validation';

const str = z.string().nullish();
const strings = z.array(z.string()).nullish();

const registrationBody = z.object({
  redirect_uris: strings,
  client_name: str,
  client_uri: str,
  logo_uri: str,
  tos_uri: str,
  policy_uri: str,
  jwks_uri: str,
  jwks: z.unknown().optional(),
  software_id: str,
  software_version: str,
  software_statement: str,
  grant_types: strings,
  response_types: strings,
  token_endpoint_auth_method: str,
  scope: str,
  contacts: strings,
});
type RegistrationBody = z.infer<typeof registrationBody>;

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];

/** OAuth2ClientRegistrationRequest.Validate, plus the scope names checked against the catalog. */
function validationError(req: RegistrationBody): string | undefined {
  const uris = req.redirect_uris ?? [];
  if (uris.length === 0) return 'redirect_uris is required for authorization code flow';
  if (uris.length > 32) return 'invalid redirect_uris: at most 32 redirect URIs are allowed';
  const clientType = clientTypeOf(req.token_endpoint_auth_method ?? '');
  for (const [i, uri] of uris.entries()) {
    const bad = redirectUriError(uri, clientType);
    if (bad) return `invalid redirect_uris: redirect URI at index ${i}: ${bad}`;
  }
  const grants = req.grant_types ?? [];
  if (grants.length > 0) {
    const unsupported = grants.find((g) => g !== 'authorization_code' && g !== 'refresh_token');
    if (unsupported !== undefined) return `invalid grant_types: unsupported grant type: ${unsupported}`;
    if (!grants.includes('authorization_code'))
      return 'invalid grant_types: authorization_code grant type is required when redirect_uris are specified';
  }
  const badResponse = (req.response_types ?? []).find((r) => r !== 'code');
  if (badResponse !== undefined) return `invalid response_types: unsupported response type: ${badResponse}`;
  const method = req.token_endpoint_auth_method ?? '';
  if (method !== '' && !AUTH_METHODS.includes(method))
    return `invalid token_endpoint_auth_method: unsupported token endpoint auth method: ${method}`;
  for (const [field, value] of [
    ['client_uri', req.client_uri],
    ['logo_uri', req.logo_uri],
    ['tos_uri', req.tos_uri],
    ['policy_uri', req.policy_uri],
    ['jwks_uri', req.jwks_uri],
  ] as const) {
    const bad = uriFieldError(value ?? '', field);
    if (bad) return bad;
  }
  const unknownScope = (req.scope ?? '').split(/\s+/).find((s) => s !== '' && !isExternalScope(s));
  if (unknownScope !== undefined) return `invalid scope: ${JSON.stringify(unknownScope)} is not a supported scope`;
  return undefined;
}

/** DetermineClientType: `none` is a public client, anything else confidential. */
function clientTypeOf(method: string): ClientType {
  return method === 'none' ? 'public' : 'confidential';
}

/** GenerateClientName after ApplyDefaults: the given name (at most 64 characters) or coderd's default. */
function clientName(name: string): string {
  if (name === '') return 'Dynamically Registered Client';
  return name.length > 64
    ? `${name.slice(0, 55)}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`
    : name;
}

/** Go's omitempty: drops '', 0, empty arrays and undefined. */
function omitEmpty(o: Record<string, unknown>, keep: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o).filter(
      ([k, v]) => keep.includes(k) || !(v === '' || v === 0 || v === undefined || (Array.isArray(v) && v.length === 0)),
    ),
  );
}

/** codersdk.OAuth2ClientRegistrationResponse / OAuth2ClientConfiguration for an app. */
export function clientJson(
  app: OAuth2App,
  accessUrl: string,
  extra: { clientSecret?: string; registrationAccessToken?: string },
): Record<string, unknown> {
  return omitEmpty(
    {
      client_id: app.id,
      client_secret: extra.clientSecret,
      client_id_issued_at: app.clientIdIssuedAt,
      client_secret_expires_at: 0,
      redirect_uris: app.redirectUris,
      client_name: app.name,
      client_uri: app.clientUri,
      logo_uri: app.logoUri,
      grant_types: app.grantTypes,
      response_types: app.responseTypes,
      token_endpoint_auth_method: app.tokenEndpointAuthMethod,
      scope: app.scope,
      contacts: app.contacts,
      registration_access_token: extra.registrationAccessToken,
      registration_client_uri: joinPath(accessUrl, `/oauth2/clients/${app.id}`),
    },
    [
      'client_id',
      'grant_types',
      'response_types',
      'token_endpoint_auth_method',
      'registration_client_uri',
      ...(extra.registrationAccessToken !== undefined ? ['registration_access_token'] : []),
    ],
  );
}

export function register(store: OAuth2Store, ctx: RouteContext, accessUrl: string): Reply {
  if (!store.switches.registration)
    throw oauth2Error(403, 'invalid_request', 'Dynamic client registration is disabled');
  const req = readJson(ctx, registrationBody, 'codersdk.OAuth2ClientRegistrationRequest');
  const bad = validationError(req);
  if (bad) throw oauth2Error(400, 'invalid_client_metadata', bad);
  const method = req.token_endpoint_auth_method || 'client_secret_basic';
  const clientType = clientTypeOf(method);
  const secret = clientType === 'confidential' ? generateSecret() : undefined;
  const registrationToken = generateSecret();
  const app: OAuth2App = {
    id: randomUUID(),
    name: clientName(req.client_name ?? ''),
    icon: req.logo_uri ?? '',
    redirectUris: req.redirect_uris ?? [],
    clientType,
    dynamicallyRegistered: true,
    secrets: secret ? [{ prefix: secret.prefix, secret: secret.secret }] : [],
    registrationAccessToken: registrationToken.formatted,
    clientIdIssuedAt: Math.floor(Date.now() / 1000),
    grantTypes: req.grant_types?.length ? req.grant_types : ['authorization_code', 'refresh_token'],
    responseTypes: req.response_types?.length ? req.response_types : ['code'],
    tokenEndpointAuthMethod: method,
    scope: req.scope ?? '',
    contacts: req.contacts ?? [],
    clientUri: req.client_uri ?? '',
    logoUri: req.logo_uri ?? '',
  };
  store.apps.set(app.id, app);
  return ok(
    clientJson(app, accessUrl, {
      ...(secret ? { clientSecret: secret.formatted } : {}),
      registrationAccessToken: registrationToken.formatted,
    }),
    201,
  );
}

/** GET /oauth2/clients/{client_id}, with the registration access token as a Bearer token. */
export function clientConfiguration(store: OAuth2Store, ctx: RouteContext, accessUrl: string): Reply {
  const id = ctx.params.client_id ?? '';
  if (!isUuid(id)) throw oauth2Error(400, 'invalid_client_metadata', 'Invalid client ID format');
  const app = store.apps.get(id.toLowerCase());
  const auth = ctx.headers.authorization ?? '';
  const token = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : '';
  if (token === '') throw oauth2Error(401, 'invalid_token', 'Missing registration access token');
  if (!app) throw oauth2Error(401, 'invalid_token', 'Client not found');
  if (!app.dynamicallyRegistered) throw oauth2Error(401, 'invalid_token', 'Client was not dynamically registered');
  if (token !== app.registrationAccessToken)
    throw oauth2Error(401, 'invalid_token', 'Invalid registration access token');
  return ok(clientJson(app, accessUrl, {}));
}
