/**
 * The browser's part of a sign-in. `GET /oauth/authorize` checks the client's request and sends the
 * browser on to Coder's own authorize endpoint (sign-in and consent happen there) with our sealed
 * state, our own PKCE challenge and `resource=<CODER_URL>`. `GET /oauth/callback` is where Coder sends
 * it back: the browser must be the one that started (binding.ts), and the client gets our code, which
 * holds Coder's: Coder's code is exchanged only when ours is redeemed, so ours is single-use because
 * coderd spends a code on any exchange attempt (coderd/oauth2provider/tokens.go).
 *
 * Until the client and its redirect URI are known good, errors are a page for the person; after that
 * they go back to the client's redirect URI, as RFC 6749 section 4.1.2.1 says.
 */
import { randomBytes } from 'node:crypto';
import { checkResource, openClient, upstreamAppFor, type OAuthContext } from './context';
import { bindingPresent, clearBinding, newBinding } from './binding';
import { OAuthError, type OAuthErrorCode } from './errors';
import {
  clientHash,
  LIFETIME_S,
  nowSeconds,
  openGrant,
  pkceChallenge,
  PKCE_VALUE,
  sealGrant,
  stateSchema,
  type StateGrant,
} from './grants';
import { errorPage } from './pages';
import { providerOff } from './register';
import { authorizeUrl, discoverProvider } from './upstream';

export async function authorize(request: Request, ctx: OAuthContext): Promise<Response> {
  const q = new URL(request.url).searchParams;
  const clientId = q.get('client_id');
  const client = openClient(ctx, clientId);
  if (!clientId || !client) {
    return errorPage(
      400,
      'Unknown MCP client',
      'This sign-in link names a client this server does not know. Remove the server from your MCP client and add it again.',
    );
  }
  const asked = q.get('redirect_uri');
  const redirectUri = asked ?? (client.r.length === 1 ? client.r[0] : undefined);
  if (!redirectUri || !client.r.includes(redirectUri)) {
    return errorPage(
      400,
      'Redirect URI mismatch',
      'The redirect URI in this sign-in link is not one the client registered, so the sign-in cannot continue.',
    );
  }
  const clientState = q.get('state') ?? undefined;
  const back = (error: OAuthErrorCode, description: string) =>
    redirectTo(redirectUri, { error, error_description: description, state: clientState, iss: ctx.issuer });

  if (q.get('response_type') !== 'code')
    return back('unsupported_response_type', 'only response_type=code is supported');
  const challenge = q.get('code_challenge');
  if (!challenge || q.get('code_challenge_method') !== 'S256')
    return back('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256');
  if (!PKCE_VALUE.test(challenge))
    return back('invalid_request', 'code_challenge must be 43 to 128 characters of base64url');
  try {
    checkResource(ctx, q.getAll('resource'));
  } catch (err) {
    if (err instanceof OAuthError) return back(err.error, err.description);
    throw err;
  }

  let target: string;
  const binding = newBinding(LIFETIME_S.state);
  try {
    const provider = await discoverProvider(ctx.config.coderUrl);
    if (!provider) throw providerOff(ctx.config.coderUrl);
    const verifier = randomBytes(32).toString('base64url');
    const state: StateGrant = {
      iss: ctx.issuer,
      exp: nowSeconds() + LIFETIME_S.state,
      cid: clientHash(clientId),
      ru: redirectUri,
      cc: challenge,
      ...(clientState !== undefined ? { cs: clientState } : {}),
      ...(q.get('scope') ? { sc: q.get('scope') ?? '' } : {}),
      v: verifier,
      b: binding.hash,
    };
    target = authorizeUrl(provider, {
      app: upstreamAppFor(ctx, client),
      redirectUri: ctx.callbackUrl,
      state: sealGrant(ctx.ring, 'state', state),
      challenge: pkceChallenge(verifier),
      resource: ctx.config.coderUrl,
    });
  } catch (err) {
    if (err instanceof OAuthError) return back(err.error, err.description);
    throw err;
  }
  return new Response(null, {
    status: 302,
    headers: {
      location: target,
      'set-cookie': binding.setCookie,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    },
  });
}

export function callback(request: Request, ctx: OAuthContext): Response {
  const q = new URL(request.url).searchParams;
  const opened = openGrant(ctx.ring, 'state', q.get('state') ?? '', stateSchema, { issuer: ctx.issuer });
  if (!opened.ok) {
    const why =
      opened.why === 'expired' ? 'This sign-in took too long and has expired.' : 'This sign-in link is not valid.';
    return errorPage(400, 'Sign-in cannot continue', `${why} Start the sign-in again from your MCP client.`);
  }
  const state = opened.value;
  const clear = clearBinding(state.b);
  if (!bindingPresent(request.headers.get('cookie'), state.b)) {
    const page = errorPage(
      400,
      'Sign-in stopped',
      'This sign-in was not started in this browser (or the browser blocked our cookie), so it was stopped: someone may have sent you this link. Start the sign-in from your own MCP client.',
    );
    page.headers.append('set-cookie', clear);
    return page;
  }
  const back = (params: Record<string, string | undefined>) => {
    const res = redirectTo(state.ru, { ...params, state: state.cs, iss: ctx.issuer });
    res.headers.append('set-cookie', clear);
    return res;
  };
  const coderError = q.get('error');
  if (coderError) {
    const error: OAuthErrorCode = coderError === 'access_denied' ? 'access_denied' : 'server_error';
    return back({
      error,
      error_description:
        error === 'access_denied'
          ? 'the sign-in was declined in Coder'
          : `Coder's authorization failed (${coderError.slice(0, 64)})`,
    });
  }
  const coderCode = q.get('code');
  if (!coderCode)
    return back({ error: 'server_error', error_description: 'Coder returned neither a code nor an error' });
  const code = sealGrant(ctx.ring, 'code', {
    iss: ctx.issuer,
    exp: nowSeconds() + LIFETIME_S.code,
    cid: state.cid,
    ru: state.ru,
    cc: state.cc,
    ...(state.sc !== undefined ? { sc: state.sc } : {}),
    v: state.v,
    uc: coderCode,
  });
  return back({ code });
}

function redirectTo(uri: string, params: Record<string, string | undefined>): Response {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return new Response(null, {
    status: 302,
    headers: { location: url.toString(), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
  });
}
