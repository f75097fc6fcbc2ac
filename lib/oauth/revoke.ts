/**
 * `POST /oauth/revoke` (RFC 7009): revokes the Coder token inside one of our tokens at Coder, which
 * ends every use of it, since our tokens are only wrappers. As the RFC asks, the answer is 200 whether
 * or not the token meant anything; only a client that fails to authenticate is refused. This container
 * also forgets that Coder accepted the access token a moment ago (lib/auth/verified.ts), so the next call
 * with it is refused at once; other containers find out on their next check (MCP_AUTH_CACHE_MS at most).
 */
import { forgetVerified } from '../auth/verified';
import { authenticateClient, NO_STORE, OPEN_CORS, readForm, upstreamAppFor, type OAuthContext } from './context';
import { OAuthError } from './errors';
import { coderTokenOf } from './token';
import { discoverProvider, revokeToken } from './upstream';

export async function revoke(request: Request, ctx: OAuthContext): Promise<Response> {
  const form = await readForm(request);
  const client = authenticateClient(ctx, request, form);
  const value = form.get('token');
  if (!value) throw new OAuthError('invalid_request', 'token is required');
  const inner = coderTokenOf(ctx, value, client.hash);
  if (inner) {
    const provider = await discoverProvider(ctx.config.coderUrl);
    if (provider) await revokeToken(provider, upstreamAppFor(ctx, client.grant), inner.token, inner.hint);
    for (const key of inner.accessFingerprints) forgetVerified(key);
  }
  return new Response(null, { status: 200, headers: { ...NO_STORE, ...OPEN_CORS } });
}
