/**
 * What tests (and `npm start`) can do to the provider besides speaking OAuth to it: register an app
 * as an operator would (`coder` dashboard or POST /api/v2/oauth2-provider/apps plus a secret), list
 * apps, and read a user's provider-issued keys. The Simulator interface (../index.ts) exposes these.
 */
import { randomUUID } from 'node:crypto';
import type { SimModel } from '../model';
import { generateSecret } from './secrets';
import type { OAuth2Store } from './store';

export interface OAuth2AppInfo {
  clientId: string;
  name: string;
  redirectUris: string[];
  clientType: 'confidential' | 'public';
  dynamicallyRegistered: boolean;
}

export interface OAuth2KeyInfo {
  /** The API key's id (the part of the token before the dash); never the secret. */
  keyId: string;
  /** The app (client id) the key was issued to. */
  appId: string;
  /** The RFC 8707 resource the key is bound to ('' for none). */
  audience: string;
  expiresAt: Date;
}

/** An operator-created app (confidential, one redirect URI, one secret). */
export function createOperatorApp(
  store: OAuth2Store,
  app: { name: string; redirectUri: string; icon?: string },
): { clientId: string; clientSecret: string } {
  const secret = generateSecret();
  const id = randomUUID();
  store.apps.set(id, {
    id,
    name: app.name,
    icon: app.icon ?? '',
    redirectUris: [app.redirectUri],
    clientType: 'confidential',
    dynamicallyRegistered: false,
    secrets: [{ prefix: secret.prefix, secret: secret.secret }],
    clientIdIssuedAt: Math.floor(Date.now() / 1000),
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    tokenEndpointAuthMethod: 'client_secret_basic',
    scope: undefined,
    contacts: [],
    clientUri: '',
    logoUri: '',
  });
  return { clientId: id, clientSecret: secret.formatted };
}

export function listApps(store: OAuth2Store): { apps: OAuth2AppInfo[]; dynamicallyRegistered: number } {
  const apps = [...store.apps.values()].map((a) => ({
    clientId: a.id,
    name: a.name,
    redirectUris: [...a.redirectUris],
    clientType: a.clientType,
    dynamicallyRegistered: a.dynamicallyRegistered,
  }));
  return { apps, dynamicallyRegistered: apps.filter((a) => a.dynamicallyRegistered).length };
}

export function keysOf(model: SimModel, username: string): OAuth2KeyInfo[] {
  const user = model.userByName(username);
  if (!user) throw new Error(`simulator: no user ${username}`);
  const keys: OAuth2KeyInfo[] = [];
  for (const [keyId, key] of model.keys) {
    if (key.userId !== user.id || key.loginType !== 'oauth2_provider_app') continue;
    keys.push({ keyId, appId: key.appId ?? '', audience: key.audience ?? '', expiresAt: new Date(key.expiresAt) });
  }
  return keys;
}
