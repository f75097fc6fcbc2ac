/**
 * RFC 8414 authorization server metadata and RFC 9728 protected resource metadata. Port of
 * coderd/oauth2provider/metadata.go: everything is the access URL; registration_endpoint only while
 * dynamic client registration is on; token endpoint auth methods as codersdk advertises them
 * (client_secret_basic, client_secret_post); scopes from the public catalog.
 */
import { ok, type Reply } from '../http';
import { EXTERNAL_SCOPES } from './scopes';
import type { OAuth2Store } from './store';

/** url.JoinPath on the access URL, which may carry a path of its own. */
export function joinPath(accessUrl: string, path: string): string {
  return `${accessUrl.replace(/\/+$/, '')}${path}`;
}

export function authorizationServerMetadata(store: OAuth2Store, accessUrl: string): Reply {
  return ok({
    issuer: accessUrl,
    authorization_endpoint: joinPath(accessUrl, '/oauth2/authorize'),
    token_endpoint: joinPath(accessUrl, '/oauth2/tokens'),
    ...(store.switches.registration ? { registration_endpoint: joinPath(accessUrl, '/oauth2/register') } : {}),
    revocation_endpoint: joinPath(accessUrl, '/oauth2/revoke'),
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: EXTERNAL_SCOPES,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  });
}

export function protectedResourceMetadata(accessUrl: string): Reply {
  return ok({
    resource: accessUrl,
    authorization_servers: [accessUrl],
    scopes_supported: EXTERNAL_SCOPES,
    bearer_methods_supported: ['header', 'query'],
  });
}
