/**
 * RFC 9728 protected-resource metadata and the `WWW-Authenticate` challenge that points to it. The
 * `resource` must equal the URL clients call (stage prefix and custom domain included) or OAuth
 * clients refuse it; Coder itself is the authorization server.
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

export function protectedResourceMetadata(urls: PublicUrls, coderUrl: string) {
  return {
    resource: resourceUrl(urls),
    authorization_servers: [coderUrl],
    bearer_methods_supported: ['header'],
    resource_name: 'Coder MCP',
    resource_documentation: `${coderUrl}/docs`,
  };
}

/** Why a token was refused, in the challenge's `error_description` (coderd's wording for the audience case). */
const DESCRIPTIONS = {
  invalid: 'The access token is invalid or expired',
  audience: 'The access token audience does not match this resource',
} as const;

export function bearerChallenge(urls: PublicUrls, error?: 'invalid_token', why: keyof typeof DESCRIPTIONS = 'invalid'): string {
  const parts = ['Bearer realm="coder"'];
  if (error) parts.push(`error="${error}"`, `error_description="${DESCRIPTIONS[why]}"`);
  parts.push(`resource_metadata="${metadataUrl(urls)}"`);
  return parts.join(', ');
}
