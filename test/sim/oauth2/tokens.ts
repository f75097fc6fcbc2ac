/**
 * POST /oauth2/tokens. Port of coderd/oauth2provider/tokens.go (Tokens, authorizationCodeGrant,
 * refreshTokenGrant) behind httpmw.ExtractOAuth2ProviderAppWithOAuth2Errors:
 * - form-encoded only (r.ParseForm: another body is not read, so grant_type is missing);
 * - grant types authorization_code and refresh_token; client auth client_secret_post or HTTP Basic
 *   (they must agree); a public client sends no secret;
 * - the code is spent by any exchange attempt that gets past client authentication (coderd consumes it
 *   atomically before checking PKCE, resource and redirect_uri); PKCE S256; the token request's
 *   `resource` must equal the one the code carries (`invalid_target`);
 * - the access token is an API key of login type oauth2_provider_app with that resource as audience,
 *   one per user and app (an exchange deletes the previous one); refresh tokens rotate and keep the
 *   audience.
 * Errors are RFC 6749 bodies with coderd's status codes and descriptions.
 */
import { ok, type Reply, type RouteContext } from '../http';
import type { SimModel } from '../model';
import { clientAuthenticated, clientCredentials, extractApp, invalidClient } from './client';
import { issueKey, deleteKey, type Issued } from './keys';
import { validPkceFormat, verifyPkce } from './pkce';
import { oauth2Error } from './replies';
import { parseSecret } from './secrets';
import type { OAuth2App, OAuth2Store } from './store';
import { redirectUriMatches, resourceValid } from './validation';
import { formKeys, parseForm } from './wire';

const PARSED = [
  'grant_type',
  'client_id',
  'client_secret',
  'code',
  'redirect_uri',
  'refresh_token',
  'code_verifier',
  'resource',
  'scope',
];
const KNOWN_GRANTS = ['authorization_code', 'refresh_token', 'password', 'client_credentials', 'implicit'];

const badCode = () => oauth2Error(400, 'invalid_grant', 'The authorization code is invalid or expired');
const badPkce = () => oauth2Error(400, 'invalid_grant', 'The PKCE code verifier is invalid');
const badResource = () => oauth2Error(400, 'invalid_target', 'The resource parameter is invalid');
const badRefresh = () => oauth2Error(400, 'invalid_grant', 'The refresh token is invalid or expired');

interface TokenRequest {
  grantType: string;
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUri: string;
  refreshToken: string;
  codeVerifier: string;
  resource: string;
}

/** extractTokenRequest and the way Tokens turns its validation errors into one answer. */
function readRequest(app: OAuth2App, ctx: RouteContext, form: URLSearchParams): TokenRequest {
  const creds = clientCredentials(ctx, form);
  const grantType = form.get('grant_type') ?? '';
  const req: TokenRequest = {
    grantType,
    ...creds,
    code: form.get('code') ?? '',
    redirectUri: form.get('redirect_uri') ?? '',
    refreshToken: form.get('refresh_token') ?? '',
    codeVerifier: form.get('code_verifier') ?? '',
    resource: form.get('resource') ?? '',
  };
  if (grantType === '' || !KNOWN_GRANTS.includes(grantType))
    throw oauth2Error(400, 'unsupported_grant_type', 'The grant type is missing or unsupported');
  const missing: string[] = [];
  if (grantType === 'refresh_token' && req.refreshToken === '') missing.push('refresh_token');
  if (grantType === 'authorization_code') {
    if (req.code === '') missing.push('code');
    if (req.clientId === '') missing.push('client_id');
    if (req.clientSecret === '' && app.clientType === 'confidential') missing.push('client_secret');
  }
  for (const field of ['code', 'client_id', 'client_secret'])
    if (missing.includes(field)) throw oauth2Error(400, 'invalid_request', `Missing required parameter: ${field}`);
  const malformed =
    missing.length > 0 ||
    (req.redirectUri !== '' && !redirectUriMatches(req.redirectUri, app.redirectUris[0] ?? '')) ||
    !resourceValid(req.resource) ||
    formKeys(form).some((k) => !PARSED.includes(k)) ||
    formKeys(form).some((k) => form.getAll(k).length > 1);
  if (malformed)
    throw oauth2Error(400, 'invalid_request', 'The request is missing required parameters or is otherwise malformed');
  return req;
}

export function tokens(model: SimModel, store: OAuth2Store, ctx: RouteContext): Reply {
  const form = parseForm(ctx);
  const app = extractApp(store, ctx, form);
  const req = readRequest(app, ctx, form);
  let issued: Issued;
  if (req.grantType === 'authorization_code') issued = authorizationCodeGrant(model, store, app, req);
  else if (req.grantType === 'refresh_token') issued = refreshTokenGrant(model, store, app, req);
  else throw oauth2Error(400, 'unsupported_grant_type', `The grant type "${req.grantType}" is not supported`);
  return ok({
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: Math.floor((issued.expiresAt.getTime() - Date.now()) / 1000),
    refresh_token: issued.refreshToken,
    expiry: issued.expiresAt.toISOString(),
  });
}

function authorizationCodeGrant(model: SimModel, store: OAuth2Store, app: OAuth2App, req: TokenRequest): Issued {
  if (app.clientType === 'confidential' && !clientAuthenticated(app, req.clientSecret)) throw invalidClient();
  const parsed = parseSecret(req.code);
  if (!parsed) throw badCode();
  // ConsumeOAuth2ProviderAppCodeByPrefix: the code is gone whatever happens next.
  const code = store.codes.get(parsed.prefix);
  store.codes.delete(parsed.prefix);
  if (!code || code.secret !== parsed.secret || code.appId !== app.id || code.expiresAt.getTime() <= Date.now())
    throw badCode();
  if (code.codeChallenge !== '') {
    if (
      req.codeVerifier === '' ||
      !validPkceFormat(req.codeVerifier) ||
      !verifyPkce(code.codeChallenge, req.codeVerifier)
    )
      throw badPkce();
  }
  if (code.resource !== '' ? req.resource !== code.resource : req.resource !== '') throw badResource();
  if (code.redirectUri !== undefined && req.redirectUri !== '' && req.redirectUri !== code.redirectUri) {
    throw oauth2Error(400, 'invalid_grant', 'The redirect_uri does not match the one of the authorization request');
  }
  if (!model.users.has(code.userId)) throw badCode();
  return issueKey(model, store, { userId: code.userId, appId: app.id, audience: code.resource });
}

function refreshTokenGrant(model: SimModel, store: OAuth2Store, app: OAuth2App, req: TokenRequest): Issued {
  if (req.clientSecret !== '' && !clientAuthenticated(app, req.clientSecret)) throw invalidClient();
  const parsed = parseSecret(req.refreshToken);
  if (!parsed) throw badRefresh();
  const token = store.refreshTokens.get(parsed.prefix);
  if (!token || token.secret !== parsed.secret || token.appId !== app.id || token.expiresAt.getTime() <= Date.now())
    throw badRefresh();
  if (req.resource !== '' && req.resource !== token.audience) throw badResource();
  // A revoked access token took its refresh token with it; a key deleted another way does too.
  if (!model.keys.has(token.keyId)) throw badRefresh();
  deleteKey(model, store, token.keyId);
  return issueKey(model, store, { userId: token.userId, appId: app.id, audience: token.audience });
}
