/**
 * The OAuth failure family: an RFC 6749 error code, a description a developer can act on, and the
 * HTTP status it answers with. Descriptions never carry a token, a code or a secret.
 */
import { AppError } from '../errors';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable';

export class OAuthError extends AppError {
  readonly code = 'oauth';
  /** Extra response headers, e.g. the `WWW-Authenticate: Basic` challenge of a client that authenticated with Basic. */
  readonly headers: Record<string, string>;
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(`${error}: ${description}`, { cause: options?.cause });
    this.headers = options?.headers ?? {};
  }
}

/** The JSON body RFC 6749 section 5.2 (and RFC 7591 section 3.2.2) prescribes. */
export function oauthErrorBody(err: OAuthError): { error: string; error_description: string } {
  return { error: err.error, error_description: err.description };
}
