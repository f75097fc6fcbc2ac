/**
 * The authorize request's query and the redirects it may lead to. Port of extractAuthorizeParams and
 * validatedCallbackURL in coderd/oauth2provider/authorize.go (with httpapi.QueryParamParser's rules):
 * response_type and client_id required; redirect_uri optional, else it must match the app's callback
 * URL (its first registered redirect URI; for a loopback http URI the port is ignored); PKCE
 * code_challenge required for response_type=code (43-128 unreserved characters); resource absolute
 * without fragment; any other query parameter refused.
 */
import { validPkceFormat } from './pkce';
import { redirectUriMatches, resourceValid, goParse } from './validation';
import { encodeQuery } from './wire';

export interface ValidationError {
  field: string;
  detail: string;
}

export interface AuthorizeParams {
  clientId: string;
  /** The redirect URI the answer goes to: the one presented (checked) or the app's callback URL. */
  callback: string;
  redirectUriProvided: boolean;
  responseType: string;
  scope: string[];
  state: string;
  resource: string;
  codeChallenge: string;
  codeChallengeMethod: string;
}

const PARSED = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'resource',
  'code_challenge',
  'code_challenge_method',
];

/** One value of a parsed parameter, with the parser's "required" and "more than once" errors. */
function single(query: URLSearchParams, name: string, errors: ValidationError[], required = false): string {
  const values = query.getAll(name);
  if (required && (values.length === 0 || values[0] === '')) {
    errors.push({ field: name, detail: `Query param "${name}" is required and cannot be empty` });
    return '';
  }
  if (values.length > 1 && values[0] !== '') {
    errors.push({
      field: name,
      detail: `Query param "${name}" provided more than once, found ${values.length} times. Only provide 1 instance of this query param.`,
    });
    return '';
  }
  return values[0] ?? '';
}

export function extractAuthorizeParams(
  query: URLSearchParams,
  callbackUrl: string,
): { params: AuthorizeParams } | { errors: ValidationError[] } {
  const errors: ValidationError[] = [];
  const clientId = single(query, 'client_id', errors, true);
  const presented = single(query, 'redirect_uri', errors);
  if (presented !== '') {
    if (!goParse(presented))
      errors.push({ field: 'redirect_uri', detail: `Query param "redirect_uri" must be a valid url` });
    else if (!redirectUriMatches(presented, callbackUrl))
      errors.push({
        field: 'redirect_uri',
        detail: `Query param "redirect_uri" must match the registered redirect URI`,
      });
  }
  const responseType = single(query, 'response_type', errors, true);
  if (responseType !== '' && responseType !== 'code' && responseType !== 'token') {
    errors.push({
      field: 'response_type',
      detail: `Query param "response_type" has invalid value: "${responseType}" is not a valid value`,
    });
  }
  const scope = single(query, 'scope', errors)
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '');
  const state = single(query, 'state', errors);
  const resource = single(query, 'resource', errors);
  const codeChallenge = single(query, 'code_challenge', errors);
  const codeChallengeMethod = single(query, 'code_challenge_method', errors);
  if (responseType === 'code') {
    if (codeChallenge === '')
      errors.push({ field: 'code_challenge', detail: `Query param "code_challenge" is required and cannot be empty` });
    else if (!validPkceFormat(codeChallenge))
      errors.push({
        field: 'code_challenge',
        detail: 'must be 43 to 128 characters from the unreserved character set [A-Za-z0-9-._~]',
      });
  }
  if (!resourceValid(resource)) errors.push({ field: 'resource', detail: 'must be an absolute URI without fragment' });
  for (const key of new Set(query.keys()))
    if (!PARSED.includes(key)) errors.push({ field: key, detail: `"${key}" is not a valid query param` });
  if (errors.length > 0) return { errors };
  return {
    params: {
      clientId,
      callback: presented || callbackUrl,
      redirectUriProvided: presented !== '',
      responseType,
      scope,
      state,
      resource,
      codeChallenge,
      codeChallengeMethod,
    },
  };
}

/** "Invalid query params: field: x detail: y, ..." (codersdk.ValidationError.Error joined), as POST reports them. */
export function describeErrors(errors: ValidationError[]): string {
  return `Invalid query params: ${errors.map((e) => `field: ${e.field} detail: ${e.detail}`).join(', ')}`;
}

/** sanitizeErrorDescription: RFC 6749 Appendix A's NQSCHAR set. */
function sanitize(description: string): string {
  return [...description].map((ch) => (ch === '"' ? "'" : ch === '\\' ? '' : ch < ' ' || ch > '~' ? ' ' : ch)).join('');
}

/** The callback with `set` applied to its query (reserved response parameters dropped first) and the state. */
function withQuery(callback: string, state: string, set: (q: URLSearchParams) => void): string {
  const q = callback.indexOf('?');
  const base = q >= 0 ? callback.slice(0, q) : callback;
  const query = new URLSearchParams(q >= 0 ? callback.slice(q + 1) : '');
  for (const reserved of ['code', 'error', 'error_description', 'state']) query.delete(reserved);
  set(query);
  if (state !== '') query.set('state', state);
  return `${base}?${encodeQuery(query)}`;
}

export function errorUrl(callback: string, state: string, error: string, description: string): string {
  return withQuery(callback, state, (q) => {
    q.set('error', error);
    q.set('error_description', sanitize(description));
  });
}

export function codeUrl(callback: string, state: string, code: string): string {
  return withQuery(callback, state, (q) => q.set('code', code));
}

/** codersdk.ValidatePKCECodeChallengeMethod: '' (S256 by default) or S256. */
export function challengeMethodError(method: string): string | undefined {
  if (method === '' || method === 'S256') return undefined;
  if (method === 'plain') return "code_challenge_method 'plain' is not supported; use 'S256'";
  return `unsupported code_challenge_method: ${method}`;
}
