/**
 * The OAuth2 provider's tables, as the simulator keeps them: apps (with their secrets), authorization
 * codes and refresh tokens, plus the deployment switches. Modelled on coderd's oauth2_provider_apps,
 * oauth2_provider_app_secrets, oauth2_provider_app_codes and oauth2_provider_app_tokens (coderd/database);
 * the access tokens themselves are ordinary API keys in SimModel.keys. Secrets are kept in clear here
 * (a test double), compared only by the route modules, and never logged.
 */

/** coderd's default session lifetime (CODER_SESSION_DURATION), which OAuth2 access tokens get. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_MS = 24 * 3600 * 1000;
/** Refresh token lifetime (Sessions.RefreshDefaultDuration); coderd's default was not confirmed, 30 days is assumed. */
export const DEFAULT_REFRESH_TOKEN_LIFETIME_MS = 30 * 24 * 3600 * 1000;
/** authorize.go: "Ten minutes matches GitHub." */
export const CODE_LIFETIME_MS = 10 * 60 * 1000;

/** A `coder_<prefix>_<secret>` value: looked up by prefix, then the secret compared. */
export interface PrefixedSecret {
  prefix: string;
  secret: string;
}

export interface OAuth2App {
  /** The client_id (a UUID). */
  id: string;
  name: string;
  icon: string;
  /** The first one is the app's callback URL, the one authorize matches against. */
  redirectUris: string[];
  /** `public` when registered with token_endpoint_auth_method `none`: no secret, PKCE alone. */
  clientType: 'confidential' | 'public';
  dynamicallyRegistered: boolean;
  secrets: PrefixedSecret[];
  /** RFC 7592 management token (dynamically registered apps only). */
  registrationAccessToken?: string;
  clientIdIssuedAt: number;
  grantTypes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethod: string;
  /** The app's scope allowlist; undefined or '' = none (operator-created apps store NULL). */
  scope: string | undefined;
  contacts: string[];
  clientUri: string;
  logoUri: string;
}

export interface OAuth2Code extends PrefixedSecret {
  appId: string;
  userId: string;
  expiresAt: Date;
  /** RFC 8707 resource given at authorize ('' = none). */
  resource: string;
  codeChallenge: string;
  codeChallengeMethod: string;
  /** The redirect_uri the authorize request named, when it named one. */
  redirectUri: string | undefined;
  scope: string;
}

export interface OAuth2RefreshToken extends PrefixedSecret {
  appId: string;
  userId: string;
  /** The API key (SimModel.keys id) this refresh token belongs to; deleting the key ends it too. */
  keyId: string;
  audience: string;
  expiresAt: Date;
}

export interface OAuth2Switches {
  /** CODER_OAUTH2_PROVIDER_ENABLE. Off: every /oauth2/* and .well-known OAuth route answers 404. */
  enabled: boolean;
  /** The deployment's dynamic client registration setting (`coder oauth2-provider dcr enable|disable`). */
  registration: boolean;
  accessTokenLifetimeMs: number;
  refreshTokenLifetimeMs: number;
}

export class OAuth2Store {
  readonly apps = new Map<string, OAuth2App>();
  /** By prefix. */
  readonly codes = new Map<string, OAuth2Code>();
  /** By prefix. */
  readonly refreshTokens = new Map<string, OAuth2RefreshToken>();
  readonly switches: OAuth2Switches;

  constructor(switches: Partial<OAuth2Switches> = {}) {
    this.switches = {
      enabled: switches.enabled ?? true,
      registration: switches.registration ?? true,
      accessTokenLifetimeMs: switches.accessTokenLifetimeMs ?? DEFAULT_ACCESS_TOKEN_LIFETIME_MS,
      refreshTokenLifetimeMs: switches.refreshTokenLifetimeMs ?? DEFAULT_REFRESH_TOKEN_LIFETIME_MS,
    };
  }

  /** DeleteOAuth2ProviderAppCodesByAppAndUserID. */
  deleteCodes(appId: string, userId: string): void {
    for (const [prefix, code] of this.codes)
      if (code.appId === appId && code.userId === userId) this.codes.delete(prefix);
  }

  /** The refresh tokens of an API key go with it (the foreign key cascades in coderd). */
  deleteRefreshTokensOfKey(keyId: string): void {
    for (const [prefix, token] of this.refreshTokens) if (token.keyId === keyId) this.refreshTokens.delete(prefix);
  }
}
