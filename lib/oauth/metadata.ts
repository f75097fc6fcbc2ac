/**
 * RFC 8414 authorization-server metadata for this server, and the same document under OpenID
 * discovery's name: for an issuer with a path (a stage prefix), `<issuer>/.well-known/openid-configuration`
 * is the only address the MCP SDK client probes that reaches us behind API Gateway (docs/oauth.md). We
 * issue no ID tokens: the OpenID fields discovery requires are there, with no signing algorithm.
 */
export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    registration_endpoint: `${issuer}/oauth/register`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  };
}

export function openIdConfiguration(issuer: string) {
  return {
    ...authorizationServerMetadata(issuer),
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [],
  };
}
