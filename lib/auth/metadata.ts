/**
 * RFC 9728 protected-resource metadata and the `WWW-Authenticate` challenge that points to it. The
 * `resource` must equal the URL clients call (stage prefix and custom domain included) or OAuth
 * clients refuse it. The authorization server is this server itself (lib/oauth/), never Coder: a token
 * coderd mints for our URL is one coderd then refuses (docs/oauth.md).
 */
export interface PublicUrls {
  /** e.g. https://abc.execute-api.eu-west-1.amazonaws.com/prod */
  base: string;
}

export function resourceUrl(urls: PublicUrls): string {
  return `${urls.base}/mcp`;
}

export function metadataUrl(urls: PublicUrls): string {
  return `${urls.base}/.well-known/oauth-protected-resource`;
}

/** `authorizationServers` is empty when sign-in is off or cannot work: clients then need a token header. */
export function protectedResourceMetadata(urls: PublicUrls, coderUrl: string, authorizationServers: string[]) {
  return {
    resource: resourceUrl(urls),
    ...(authorizationServers.length > 0 ? { authorization_servers: authorizationServers } : {}),
    bearer_methods_supported: ['header'],
    resource_name: 'Coder MCP',
    resource_documentation: `${coderUrl}/docs`,
  };
}

/** Why a token was refused, in the challenge's `error_description` (coderd's wording for the audience case). */
const DESCRIPTIONS = {
  invalid: 'The access token is invalid or expired',
  expired: 'The access token has expired',
  audience: 'The access token audience does not match this resource',
  coder_tokens_off: 'This server accepts only the tokens it issues; sign in with OAuth',
} as const;
export type ChallengeReason = keyof typeof DESCRIPTIONS;

export function bearerChallenge(urls: PublicUrls, error?: 'invalid_token', why: ChallengeReason = 'invalid'): string {
  const parts = ['Bearer realm="coder"'];
  if (error) parts.push(`error="${error}"`, `error_description="${DESCRIPTIONS[why]}"`);
  parts.push(`resource_metadata="${metadataUrl(urls)}"`);
  return parts.join(', ');
}
