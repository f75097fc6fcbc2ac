/**
 * `POST /oauth/token`: the `authorization_code` and `refresh_token` grants. Each redeems the matching
 * grant at Coder (coderd rotates refresh tokens, and spends a code on any attempt) and answers with our
 * own sealed access and refresh tokens, the Coder tokens inside; the client never sees Coder's.
 */
import { fingerprint } from '../auth/token';
import { json } from '../http/respond';
import {
  authenticateClient,
  checkResource,
  NO_STORE,
  OPEN_CORS,
  readForm,
  upstreamAppFor,
  type AuthenticatedClient,
  type OAuthContext,
} from './context';
import { OAuthError } from './errors';
import {
  accessSchema,
  codeSchema,
  LIFETIME_S,
  nowSeconds,
  openGrant,
  pkceChallenge,
  PKCE_VALUE,
  refreshSchema,
  safeEqual,
  sealGrant,
} from './grants';
import { providerOff } from './register';
import { discoverProvider, exchangeCode, refreshTokens, type CoderProvider, type CoderTokens } from './upstream';

export async function token(request: Request, ctx: OAuthContext): Promise<Response> {
  const form = await readForm(request);
  const client = authenticateClient(ctx, request, form);
  const grantType = form.get('grant_type');
  checkResource(ctx, form.getAll('resource'));
  if (grantType === 'authorization_code') return redeemCode(form, client, ctx);
  if (grantType === 'refresh_token') return refresh(form, client, ctx);
  throw new OAuthError(
    'unsupported_grant_type',
    grantType ? `grant type ${grantType.slice(0, 64)} is not supported` : 'grant_type is required',
  );
}

async function redeemCode(form: URLSearchParams, client: AuthenticatedClient, ctx: OAuthContext): Promise<Response> {
  const opened = openGrant(ctx.ring, 'code', form.get('code') ?? '', codeSchema, { issuer: ctx.issuer });
  if (!opened.ok)
    throw new OAuthError(
      'invalid_grant',
      opened.why === 'expired'
        ? 'the authorization code has expired; sign in again'
        : 'the authorization code is invalid',
    );
  const code = opened.value;
  if (!safeEqual(code.cid, client.hash))
    throw new OAuthError('invalid_grant', 'the authorization code was issued to another client');
  if (form.get('redirect_uri') !== code.ru)
    throw new OAuthError('invalid_grant', 'redirect_uri must equal the one the authorization request used');
  const verifier = form.get('code_verifier') ?? '';
  if (!PKCE_VALUE.test(verifier) || !safeEqual(pkceChallenge(verifier), code.cc)) {
    throw new OAuthError('invalid_grant', 'the code_verifier does not match the code_challenge (PKCE)');
  }
  const provider = await providerOrFail(ctx);
  const tokens = await exchangeCode(provider, upstreamAppFor(ctx, client.grant), {
    code: code.uc,
    verifier: code.v,
    redirectUri: ctx.callbackUrl,
    resource: ctx.config.coderUrl,
  });
  return issued(ctx, client, tokens, code.sc, undefined);
}

async function refresh(form: URLSearchParams, client: AuthenticatedClient, ctx: OAuthContext): Promise<Response> {
  const opened = openGrant(ctx.ring, 'refresh', form.get('refresh_token') ?? '', refreshSchema, {
    issuer: ctx.issuer,
    audience: ctx.resource,
  });
  if (!opened.ok)
    throw new OAuthError(
      'invalid_grant',
      opened.why === 'expired' ? 'the refresh token has expired; sign in again' : 'the refresh token is invalid',
    );
  const grant = opened.value;
  if (!safeEqual(grant.cid, client.hash))
    throw new OAuthError('invalid_grant', 'the refresh token was issued to another client');
  const provider = await providerOrFail(ctx);
  const tokens = await refreshTokens(provider, upstreamAppFor(ctx, client.grant), {
    refreshToken: grant.rt,
    resource: ctx.config.coderUrl,
  });
  return issued(ctx, client, tokens, grant.sc, grant.rt);
}

function issued(
  ctx: OAuthContext,
  client: AuthenticatedClient,
  tokens: CoderTokens,
  scope: string | undefined,
  previousRefresh: string | undefined,
): Response {
  const now = nowSeconds();
  const expiresIn =
    tokens.expires_in && tokens.expires_in > 0 ? Math.floor(tokens.expires_in) : LIFETIME_S.accessFallback;
  const common = {
    iss: ctx.issuer,
    aud: ctx.resource,
    cid: client.hash,
    ...(scope !== undefined ? { sc: scope } : {}),
  };
  const accessToken = sealGrant(ctx.ring, 'access', { ...common, exp: now + expiresIn, ct: tokens.access_token });
  // coderd rotates refresh tokens; should a deployment not, the one just used stays the one to use.
  const coderRefresh = tokens.refresh_token ?? previousRefresh;
  const refreshToken = coderRefresh
    ? sealGrant(ctx.ring, 'refresh', {
        ...common,
        exp: now + LIFETIME_S.refresh,
        rt: coderRefresh,
        af: fingerprint(ctx.config.coderUrl, tokens.access_token),
      })
    : undefined;
  return json(
    200,
    {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(scope !== undefined ? { scope } : {}),
    },
    { ...NO_STORE, ...OPEN_CORS },
  );
}

async function providerOrFail(ctx: OAuthContext): Promise<CoderProvider> {
  const provider = await discoverProvider(ctx.config.coderUrl);
  if (!provider) throw providerOff(ctx.config.coderUrl);
  return provider;
}

export interface InnerToken {
  token: string;
  hint: 'access_token' | 'refresh_token';
  /** Fingerprints of the Coder access tokens whose cached "Coder accepted it" must go with it. */
  accessFingerprints: string[];
}

/** For revoke.ts: which Coder token a token of ours holds, if it is ours and this client's. */
export function coderTokenOf(ctx: OAuthContext, value: string, clientHash: string): InnerToken | undefined {
  const access = openGrant(ctx.ring, 'access', value, accessSchema, { issuer: ctx.issuer, nowS: 0 });
  if (access.ok && safeEqual(access.value.cid, clientHash)) {
    return {
      token: access.value.ct,
      hint: 'access_token',
      accessFingerprints: [fingerprint(ctx.config.coderUrl, access.value.ct)],
    };
  }
  const refreshed = openGrant(ctx.ring, 'refresh', value, refreshSchema, { issuer: ctx.issuer, nowS: 0 });
  if (refreshed.ok && safeEqual(refreshed.value.cid, clientHash)) {
    return {
      token: refreshed.value.rt,
      hint: 'refresh_token',
      accessFingerprints: refreshed.value.af ? [refreshed.value.af] : [],
    };
  }
  return undefined;
}
