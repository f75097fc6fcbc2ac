/**
 * The API keys the provider mints, with their refresh tokens. Port of the key handling in
 * coderd/oauth2provider/tokens.go: one key per user and app (coderd names it
 * `<user id>_<app id>_oauth_session_token` and deletes the previous one of that name), login type
 * `oauth2_provider_app`, the audience the code or the refreshed token carried, and a refresh token
 * that lives with the key (deleting the key deletes it).
 */
import { mintKey, type SimModel } from '../model';
import { generateSecret } from './secrets';
import type { OAuth2Store } from './store';

export interface Issued {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

/** DeleteAPIKeyByID, with the cascade to the key's refresh tokens. */
export function deleteKey(model: SimModel, store: OAuth2Store, keyId: string): void {
  model.keys.delete(keyId);
  store.deleteRefreshTokensOfKey(keyId);
}

/** Deletes the user's earlier key(s) for the app, then stores a new key and refresh token. */
export function issueKey(
  model: SimModel,
  store: OAuth2Store,
  grant: { userId: string; appId: string; audience: string },
): Issued {
  for (const [keyId, key] of model.keys) {
    if (key.loginType === 'oauth2_provider_app' && key.userId === grant.userId && key.appId === grant.appId)
      deleteKey(model, store, keyId);
  }
  const now = Date.now();
  const expiresAt = new Date(now + store.switches.accessTokenLifetimeMs);
  const accessToken = mintKey(model, {
    userId: grant.userId,
    expiresAt,
    loginType: 'oauth2_provider_app',
    audience: grant.audience,
    appId: grant.appId,
  });
  const refresh = generateSecret();
  store.refreshTokens.set(refresh.prefix, {
    prefix: refresh.prefix,
    secret: refresh.secret,
    appId: grant.appId,
    userId: grant.userId,
    keyId: accessToken.split('-')[0] ?? '',
    audience: grant.audience,
    expiresAt: new Date(now + store.switches.refreshTokenLifetimeMs),
  });
  return { accessToken, refreshToken: refresh.formatted, expiresAt };
}
