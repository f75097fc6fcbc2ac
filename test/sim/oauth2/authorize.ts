/**
 * GET and POST /oauth2/authorize. Port of ShowAuthorizePage and ProcessAuthorize
 * (coderd/oauth2provider/authorize.go) behind the middleware coderd.go puts in front of them: nosurf's
 * CSRF check on the POST, the app from client_id (OAuth2 JSON errors for a missing or unknown one), then
 * a Coder browser session, without which the browser is sent (303) to `/login?message=...&redirect=...`.
 *
 * GET: invalid query → 400 static error page; response_type=token → redirect with
 * unsupported_response_type; a code_challenge_method other than S256 → redirect with invalid_request;
 * a scope outside the catalog or the app's allowlist → redirect with invalid_scope; otherwise the consent
 * page. POST (the Allow button): the same checks as JSON or redirects, then a new code (10 minutes; the
 * user's earlier unused codes for the app are deleted) and a 302 to the redirect URI with code and state.
 */
import { authenticate, SIGNED_OUT } from '../auth';
import { HttpError, type Reply, type RouteContext } from '../http';
import type { SimModel, SimUser } from '../model';
import {
  challengeMethodError,
  codeUrl,
  describeErrors,
  errorUrl,
  extractAuthorizeParams,
  type AuthorizeParams,
} from './authorize-params';
import { extractApp } from './client';
import { consentPage } from './consent-page';
import { baseToken, CSRF_FAILURE, csrfCookie, maskedToken, newBaseToken, sentToken, tokenMatches } from './csrf';
import { errorPage, html, oauth2Error, plainError, redirect } from './replies';
import { negotiateScope, SCOPE_ALL } from './scopes';
import { generateSecret } from './secrets';
import { CODE_LIFETIME_MS, type OAuth2App, type OAuth2Store } from './store';
import { encodeQuery, parseForm } from './wire';

export interface AuthorizeDeps {
  model: SimModel;
  store: OAuth2Store;
  /** The simulator's URL (where /login is). */
  baseUrl: () => string;
  /** coderd's access URL (the dashboard link of the error page). */
  accessUrl: () => string;
}

/** The request's path and query, as RedirectToLogin and the consent form's action use it. */
function pathAndQuery(ctx: RouteContext): string {
  return `${ctx.url.pathname}${ctx.url.search}`;
}

/** The signed-in user, or the redirect to the login page (httpmw.RedirectToLogin, 303). */
function session(deps: AuthorizeDeps, ctx: RouteContext): SimUser | Reply {
  try {
    return authenticate(deps.model, ctx, ctx.url, deps.baseUrl());
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    const q = new URLSearchParams({ message: SIGNED_OUT, redirect: pathAndQuery(ctx) });
    return redirect(303, `/login?${encodeQuery(q)}`, ctx.method);
  }
}

/** The checks GET and POST share after the query parsed: each failure is a redirect to the client. */
function refusal(app: OAuth2App, p: AuthorizeParams, method: string): { reply: Reply } | { scope: string } {
  const refuse = (error: string, description: string) => ({
    reply: redirect(302, errorUrl(p.callback, p.state, error, description), method),
  });
  if (p.responseType !== 'code') return refuse('unsupported_response_type', 'Only response_type=code is supported');
  const badMethod = challengeMethodError(p.codeChallengeMethod);
  if (badMethod) return refuse('invalid_request', badMethod);
  const negotiated = negotiateScope(app.scope, p.scope);
  if ('error' in negotiated) return refuse('invalid_scope', negotiated.error);
  return { scope: negotiated.scope };
}

export function showAuthorize(deps: AuthorizeDeps, ctx: RouteContext): Reply {
  const app = extractApp(deps.store, ctx, parseForm(ctx));
  const user = session(deps, ctx);
  if ('status' in user) return user;
  const extracted = extractAuthorizeParams(ctx.query, app.redirectUris[0] ?? '');
  if ('errors' in extracted) {
    const warnings = extracted.errors.map((e) => e.detail);
    return errorPage(
      400,
      'Invalid Query Parameters',
      'One or more query parameters are missing or invalid.',
      warnings,
      deps.accessUrl(),
    );
  }
  const p = extracted.params;
  const checked = refusal(app, p, ctx.method);
  if ('reply' in checked) return checked.reply;
  const scopes = checked.scope.split(' ');
  let token = baseToken(ctx);
  const headers: Record<string, string> = {};
  if (!token) {
    token = newBaseToken();
    headers['set-cookie'] = csrfCookie(token, false);
  }
  const page = consentPage({
    appName: app.name,
    appIcon: app.icon,
    username: user.username,
    scopes: scopes.includes(SCOPE_ALL) ? [] : scopes,
    csrfToken: maskedToken(token),
    action: pathAndQuery(ctx),
    cancelUri: errorUrl(
      p.callback,
      p.state,
      'access_denied',
      'The resource owner or authorization server denied the request',
    ),
  });
  return html(200, page, headers);
}

export function processAuthorize(deps: AuthorizeDeps, ctx: RouteContext): Reply {
  const token = baseToken(ctx);
  if (!token || !tokenMatches(token, sentToken(ctx))) return plainError(400, CSRF_FAILURE);
  const app = extractApp(deps.store, ctx, parseForm(ctx));
  const user = session(deps, ctx);
  if ('status' in user) return user;
  const extracted = extractAuthorizeParams(ctx.query, app.redirectUris[0] ?? '');
  if ('errors' in extracted) throw oauth2Error(400, 'invalid_request', describeErrors(extracted.errors));
  const p = extracted.params;
  const checked = refusal(app, p, ctx.method);
  if ('reply' in checked) return checked.reply;
  deps.store.deleteCodes(app.id, user.id);
  const code = generateSecret();
  deps.store.codes.set(code.prefix, {
    prefix: code.prefix,
    secret: code.secret,
    appId: app.id,
    userId: user.id,
    expiresAt: new Date(Date.now() + CODE_LIFETIME_MS),
    resource: p.resource,
    codeChallenge: p.codeChallenge,
    codeChallengeMethod: p.codeChallengeMethod || 'S256',
    redirectUri: p.redirectUriProvided ? p.callback : undefined,
    scope: checked.scope,
  });
  return redirect(302, codeUrl(p.callback, p.state, code.formatted), ctx.method);
}
