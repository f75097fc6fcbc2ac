/**
 * Which app a request is for, and whether the client proved it is that app. Port of
 * httpmw.ExtractOAuth2ProviderAppWithOAuth2Errors (coderd/httpmw/oauth2.go: client_id from the query,
 * then the form, then the HTTP Basic user), the Basic/body credential merge of tokens.go and revoke.go
 * (RFC 6749 §2.3.1: both may be sent, but must agree), and the secret check (a public client has none:
 * PKCE alone binds its exchange).
 */
import { isUuid, type RouteContext } from '../http';
import { oauth2Error } from './replies';
import { parseSecret } from './secrets';
import type { OAuth2App, OAuth2Store } from './store';
import { basicAuth } from './wire';

const BAD_CLIENT = 'The client credentials are invalid';

/** The app named by the request, or coderd's OAuth2 error for a missing, malformed or unknown client_id. */
export function extractApp(store: OAuth2Store, ctx: RouteContext, form: URLSearchParams): OAuth2App {
  const id = ctx.query.get('client_id') || form.get('client_id') || basicAuth(ctx)?.user || '';
  if (id === '') throw oauth2Error(400, 'invalid_request', 'Missing client_id parameter');
  const app = isUuid(id) ? store.apps.get(id.toLowerCase()) : undefined;
  if (!app) throw oauth2Error(401, 'invalid_client', BAD_CLIENT);
  return app;
}

/** client_id and client_secret from the form, overridden by HTTP Basic; a disagreement is coderd's 400. */
export function clientCredentials(
  ctx: RouteContext,
  form: URLSearchParams,
): { clientId: string; clientSecret: string } {
  let clientId = form.get('client_id') ?? '';
  let clientSecret = form.get('client_secret') ?? '';
  const basic = basicAuth(ctx);
  if (basic && basic.user !== '') {
    if ((clientId !== '' && clientId !== basic.user) || (clientSecret !== '' && clientSecret !== basic.password)) {
      throw oauth2Error(
        400,
        'invalid_request',
        'Conflicting client credentials between Authorization header and request body',
      );
    }
    clientId = basic.user;
    clientSecret = basic.password;
  }
  return { clientId, clientSecret };
}

/** True when `secret` is one of the app's secrets; always true for a public app. */
export function clientAuthenticated(app: OAuth2App, secret: string): boolean {
  if (app.clientType === 'public') return true;
  const parsed = parseSecret(secret);
  return parsed !== undefined && app.secrets.some((s) => s.prefix === parsed.prefix && s.secret === parsed.secret);
}

export function invalidClient() {
  return oauth2Error(401, 'invalid_client', BAD_CLIENT);
}
