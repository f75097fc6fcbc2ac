/**
 * Signing in to the simulated Coder.
 * - `POST /api/v2/users/login`: coderd's password login (coderd/userauth.go postLogin, apikey.go
 *   createAPIKey): JSON `{"email","password"}` → 201 `{"session_token"}` and the cookie
 *   `coder_session_token=<token>; Path=/; HttpOnly; SameSite=Lax` (plus Secure where coderd is told so);
 *   a wrong email or password → 401 "Incorrect email or password.". The token is a normal API key of
 *   login type `password`, living as long as a session (24 h).
 * - `GET /login?redirect=<path>` and `POST /login`: the simulator's stand-in for the dashboard's login
 *   page (the real one is the single-page app, which calls the JSON endpoint). A plain HTML form
 *   (`id="login-form"`, fields `email`, `password` and the hidden `redirect`) posted form-encoded to
 *   `/login`; success sets the same cookie and answers 303 to `redirect` (a local path only, else `/`);
 *   failure shows the form again with 401.
 */
import { z } from 'zod';
import { Checks, readJson } from '../body';
import { fail, ok, type Reply, type RouteContext } from '../http';
import { mintKey, type SimModel, type SimUser } from '../model';
import { escapeHtml, html, redirect } from './replies';
import { DEFAULT_ACCESS_TOKEN_LIFETIME_MS } from './store';
import { parseForm } from './wire';

const SESSION_COOKIE = 'coder_session_token';
const loginBody = z.object({ email: z.string().nullish(), password: z.string().nullish() });
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function userByEmail(model: SimModel, email: string): SimUser | undefined {
  const lower = email.toLowerCase();
  for (const u of model.users.values()) if (u.email.toLowerCase() === lower) return u;
  return undefined;
}

/** A session for the user whose email and password these are, or undefined. */
function signIn(model: SimModel, email: string, password: string): { token: string; cookie: string } | undefined {
  const user = userByEmail(model, email);
  if (!user || user.password !== password) return undefined;
  const token = mintKey(model, {
    userId: user.id,
    expiresAt: new Date(Date.now() + DEFAULT_ACCESS_TOKEN_LIFETIME_MS),
    loginType: 'password',
  });
  return { token, cookie: `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax` };
}

export function postLogin(model: SimModel, ctx: RouteContext): Reply {
  const body = readJson(ctx, loginBody, 'codersdk.LoginWithPasswordRequest');
  const email = body.email ?? '';
  const password = body.password ?? '';
  const checks = new Checks();
  if (email === '') checks.expect(false, 'email', 'required', email);
  else checks.expect(EMAIL.test(email), 'email', 'email', email);
  checks.expect(password !== '', 'password', 'required', password).done();
  const session = signIn(model, email, password);
  if (!session) throw fail(401, 'Incorrect email or password.');
  return { ...ok({ session_token: session.token }, 201), headers: { 'set-cookie': session.cookie } };
}

/** Only a local path: no scheme, no `//host`, so the page cannot send the browser elsewhere. */
function safeRedirect(value: string): string {
  return value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/';
}

function loginPage(redirectTo: string, message: string): string {
  const note = message ? `\n    <p id="message">${escapeHtml(message)}</p>` : '';
  return `<!doctype html>
<html lang="en">
  <head><meta charset="UTF-8" /><title>Sign in to Coder</title></head>
  <body>
    <h1>Sign in to Coder (simulator)</h1>${note}
    <form id="login-form" method="post" action="/login">
      <input type="hidden" name="redirect" value="${escapeHtml(redirectTo)}" />
      <label>Email <input type="email" name="email" value="" /></label>
      <label>Password <input type="password" name="password" value="" /></label>
      <button type="submit">Sign in</button>
    </form>
  </body>
</html>
`;
}

export function showLoginPage(ctx: RouteContext): Reply {
  return html(200, loginPage(safeRedirect(ctx.query.get('redirect') ?? '/'), ctx.query.get('message') ?? ''));
}

export function submitLoginPage(model: SimModel, ctx: RouteContext): Reply {
  const form = parseForm(ctx);
  const target = safeRedirect(form.get('redirect') ?? '/');
  const session = signIn(model, form.get('email') ?? '', form.get('password') ?? '');
  if (!session) return html(401, loginPage(target, 'Incorrect email or password.'));
  return redirect(303, target, ctx.method, { 'set-cookie': session.cookie });
}
