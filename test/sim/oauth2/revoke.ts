/**
 * POST /oauth2/revoke (RFC 7009). Port of coderd/oauth2provider/revoke.go: the app from client_id
 * (or the Basic user), the client authenticated first (confidential apps; wrong secret → 401
 * invalid_client), then the token: a `coder_...` value is a refresh token, anything else an API key.
 * Revoking either deletes the API key (and so its refresh token): later calls with the access token get
 * coderd's 401. A token that is unknown, not this app's, or not an OAuth2 token still answers 200 (RFC
 * 7009 §2.2); only a malformed one is 400.
 */
import type { Reply, RouteContext } from '../http';
import type { SimModel } from '../model';
import { clientAuthenticated, clientCredentials, extractApp, invalidClient } from './client';
import { deleteKey } from './keys';
import { oauth2Error } from './replies';
import { parseSecret } from './secrets';
import type { OAuth2App, OAuth2Store } from './store';
import { parseForm } from './wire';

/** rw.WriteHeader(http.StatusOK): no body, no content type. */
const revoked: Reply = { status: 200, body: null, raw: { contentType: '', text: '' } };

export function revoke(model: SimModel, store: OAuth2Store, ctx: RouteContext): Reply {
  const form = parseForm(ctx);
  const app = extractApp(store, ctx, form);
  const { clientSecret } = clientCredentials(ctx, form);
  const token = form.get('token') ?? '';
  if (token === '') throw oauth2Error(400, 'invalid_request', 'missing token parameter');
  if (app.clientType === 'confidential' && !clientAuthenticated(app, clientSecret)) throw invalidClient();
  const keyId = token.startsWith('coder_') ? refreshTokenKey(store, app, token) : apiKeyOf(model, app, token);
  if (keyId !== undefined) deleteKey(model, store, keyId);
  return revoked;
}

/** revokeRefreshTokenInTx: the key to delete, or undefined when there is nothing this app may revoke. */
function refreshTokenKey(store: OAuth2Store, app: OAuth2App, token: string): string | undefined {
  const parsed = parseSecret(token);
  if (!parsed) throw oauth2Error(400, 'invalid_request', 'Invalid token format');
  const row = store.refreshTokens.get(parsed.prefix);
  if (!row || row.secret !== parsed.secret || row.appId !== app.id) return undefined;
  return row.keyId;
}

/** revokeAPIKeyInTx: httpmw.SplitAPIToken's format, then an oauth2_provider_app key of this app. */
function apiKeyOf(model: SimModel, app: OAuth2App, token: string): string | undefined {
  const parts = token.split('-');
  const [keyId = '', secret = ''] = parts;
  if (parts.length !== 2 || keyId.length !== 10 || secret.length !== 22)
    throw oauth2Error(400, 'invalid_request', 'Invalid token format');
  const key = model.keys.get(keyId);
  if (!key || key.secret !== secret || key.loginType !== 'oauth2_provider_app' || key.appId !== app.id)
    return undefined;
  return keyId;
}
