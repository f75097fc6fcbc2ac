/**
 * Errors from talking to coderd. `CoderApiError` renders like codersdk.Error so that prompts and
 * people used to Coder's own MCP server read the same text.
 */
import { AppError } from '../errors';

export interface CoderValidation {
  field: string;
  detail: string;
}

/** coderd answered with a non-success status. */
export class CoderApiError extends AppError {
  readonly code = 'coder_api';
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly coderMessage: string,
    readonly detail: string | undefined,
    readonly validations: CoderValidation[],
  ) {
    super(renderCoderError(method, url, status, coderMessage, detail, validations));
  }
}

/** coderd's 403 message for an OAuth2-provider token issued for another resource (coderd/httpmw/apikey.go, RFC 8707). */
export const AUDIENCE_REFUSED = 'Token audience validation failed';

/** Why coderd refused the token itself: not valid (signed out, unknown, expired, revoked), or valid for another audience. */
export type TokenRefusal = 'invalid' | 'audience';

/**
 * Whether an answer of coderd refuses the caller's token, so that signing in again is the cure: any 401,
 * and the one 403 whose message is the audience failure. Any other 403 is a permission, not a sign-in problem.
 */
export function tokenRefusal(status: number, coderMessage: string | undefined): TokenRefusal | undefined {
  if (status === 401) return 'invalid';
  if (status === 403 && coderMessage === AUDIENCE_REFUSED) return 'audience';
  return undefined;
}

/** coderd could not be reached at all (DNS, refused, reset, TLS). */
export class CoderUnreachableError extends AppError {
  readonly code = 'coder_unreachable';
}

/** coderd did not answer within the bound of the call. */
export class CoderTimeoutError extends AppError {
  readonly code = 'coder_timeout';
}

/** coderd answered 2xx with a body we cannot use (not JSON, or missing a field we rely on). */
export class CoderBadResponseError extends AppError {
  readonly code = 'coder_bad_response';
}

/** The text of codersdk.Error.Error(): `<METHOD> <URL>: unexpected status code <N>: <message>...`. */
export function renderCoderError(
  method: string,
  url: string,
  status: number,
  message: string,
  detail: string | undefined,
  validations: CoderValidation[],
): string {
  let text = `${method} ${url}: unexpected status code ${status}: ${message}`;
  if (status === 401) text += ": Try logging in using 'coder login'.";
  if (detail) text += `\n\tError: ${detail}`;
  for (const v of validations) text += `\n\t${v.field}: ${v.detail}`;
  return text;
}
