/**
 * The simulator's OAuth2 provider, driven over real HTTP with fetch and the scripted browser: discovery,
 * the provider and registration switches, dynamic registration, the authorize endpoint's checks, the
 * login redirect and the consent form with its CSRF token, the code exchange (single use, PKCE, resource
 * binding, client authentication), the audience of the keys it mints on REST and on the PTY WebSocket,
 * one key per user and app, refresh rotation and revocation. Also the scripted browser's cookie jar.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { Browser, CookieJar } from '../helpers/browser';
import { startSimulator, type Simulator, type SimUser } from '../sim';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ buildStepMs: 10 });
});
afterEach(() => sim.close());

const CALLBACK = 'http://127.0.0.1:9/cb';
const atCallback = (u: URL) => u.hostname === '127.0.0.1' && u.port === '9' && u.pathname === '/cb';

/** Field access on a parsed body without casts. */
function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null ? Reflect.get(v, key) : undefined;
}
function text(v: unknown, key: string): string {
  const f = field(v, key);
  return typeof f === 'string' ? f : '';
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function call(
  method: string,
  path: string,
  init: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body }),
  });
  const raw = await res.text();
  const json: unknown = (res.headers.get('content-type') ?? '').startsWith('application/json')
    ? JSON.parse(raw)
    : undefined;
  return { status: res.status, headers: res.headers, raw, json };
}

async function register(redirectUri = CALLBACK, extra: Record<string, unknown> = {}) {
  const res = await call('POST', '/oauth2/register', {
    json: {
      redirect_uris: [redirectUri],
      client_name: 'test client',
      token_endpoint_auth_method: 'client_secret_post',
      ...extra,
    },
  });
  expect(res.status).toBe(201);
  return { clientId: text(res.json, 'client_id'), clientSecret: text(res.json, 'client_secret'), json: res.json };
}

function authorizeUrl(clientId: string, params: Record<string, string>): URL {
  const u = new URL('/oauth2/authorize', sim.url);
  u.search = new URLSearchParams({ client_id: clientId, response_type: 'code', ...params }).toString();
  return u;
}

function credentials(user: SimUser) {
  return { email: user.email, password: user.password };
}

interface Flow {
  clientId: string;
  clientSecret: string;
  verifier: string;
  code: string;
  landing: URL;
}

/** Registers (unless given an app), signs in through the browser and approves: the code at the redirect URI. */
async function consent(
  opts: {
    app?: { clientId: string; clientSecret: string };
    resource?: string;
    state?: string;
    browser?: Browser;
    user?: SimUser;
  } = {},
): Promise<Flow> {
  const app = opts.app ?? (await register());
  const { verifier, challenge } = pkce();
  const params: Record<string, string> = {
    redirect_uri: CALLBACK,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: opts.state ?? 'st-1',
  };
  if (opts.resource !== undefined) params.resource = opts.resource;
  const browser = opts.browser ?? new Browser();
  const landing = await browser.visit(authorizeUrl(app.clientId, params), {
    stopAt: atCallback,
    consent: 'approve',
    credentials: credentials(opts.user ?? sim.demo.user),
  });
  expect(landing.stopped).toBe(true);
  return { ...app, verifier, code: landing.url.searchParams.get('code') ?? '', landing: landing.url };
}

function exchange(flow: Flow, overrides: Record<string, string | undefined> = {}) {
  const form: Record<string, string> = {};
  const all = {
    grant_type: 'authorization_code',
    code: flow.code,
    client_id: flow.clientId,
    client_secret: flow.clientSecret,
    code_verifier: flow.verifier,
    redirect_uri: CALLBACK,
    ...overrides,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) form[k] = v;
  return call('POST', '/oauth2/tokens', { form });
}

const me = (token: string) => call('GET', '/api/v2/users/me', { headers: { authorization: `Bearer ${token}` } });

describe('discovery and switches', () => {
  it("serves coderd's authorization server and protected resource metadata", async () => {
    const as = await call('GET', '/.well-known/oauth-authorization-server');
    expect(as.status).toBe(200);
    expect(as.json).toMatchObject({
      issuer: sim.url,
      authorization_endpoint: `${sim.url}/oauth2/authorize`,
      token_endpoint: `${sim.url}/oauth2/tokens`,
      registration_endpoint: `${sim.url}/oauth2/register`,
      revocation_endpoint: `${sim.url}/oauth2/revoke`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
    expect(field(as.json, 'scopes_supported')).toEqual(
      expect.arrayContaining(['coder:all', 'workspace:read', 'coder:workspaces.access']),
    );
    const pr = await call('GET', '/.well-known/oauth-protected-resource');
    expect(pr.json).toMatchObject({
      resource: sim.url,
      authorization_servers: [sim.url],
      bearer_methods_supported: ['header', 'query'],
    });
  });

  it('answers 404 "Route not found." on every provider route while the provider is off', async () => {
    const app = await register();
    sim.setOAuth2Provider({ enabled: false });
    const routes: [string, string][] = [
      ['GET', '/.well-known/oauth-authorization-server'],
      ['GET', '/.well-known/oauth-protected-resource'],
      ['GET', `/oauth2/authorize?client_id=${app.clientId}`],
      ['POST', '/oauth2/authorize'],
      ['POST', '/oauth2/tokens'],
      ['POST', '/oauth2/revoke'],
      ['POST', '/oauth2/register'],
      ['GET', `/oauth2/clients/${app.clientId}`],
    ];
    for (const [method, path] of routes) {
      const res = await call(method, path);
      expect([method, path, res.status, res.json]).toEqual([method, path, 404, { message: 'Route not found.' }]);
    }
    sim.setOAuth2Provider({ enabled: true });
    expect((await call('GET', '/.well-known/oauth-authorization-server')).status).toBe(200);
  });

  it('refuses registration with 403 and drops registration_endpoint while dynamic registration is off', async () => {
    sim.setOAuth2Provider({ registration: false });
    const res = await call('POST', '/oauth2/register', { json: { redirect_uris: [CALLBACK] } });
    expect(res.status).toBe(403);
    expect(text(res.json, 'error')).toBe('invalid_request');
    expect(text(res.json, 'error_description')).toContain('disabled');
    const as = await call('GET', '/.well-known/oauth-authorization-server');
    expect(as.json).not.toHaveProperty('registration_endpoint');
    // An operator-registered app still works: the fallback mode.
    const flow = await consent({ app: sim.createOAuth2App({ name: 'operator app', redirectUri: CALLBACK }) });
    expect((await exchange(flow)).status).toBe(200);
    expect(sim.oauth2Apps()).toMatchObject({
      dynamicallyRegistered: 0,
      apps: [{ name: 'operator app', dynamicallyRegistered: false }],
    });
  });
});

describe('dynamic client registration', () => {
  it("registers a confidential client with coderd's response shape", async () => {
    const { json, clientId, clientSecret } = await register('https://app.example.com/cb', {
      token_endpoint_auth_method: undefined,
    });
    expect(clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(clientSecret).toMatch(/^coder_[A-Za-z0-9]{10}_[A-Za-z0-9]{40}$/);
    expect(json).toMatchObject({
      redirect_uris: ['https://app.example.com/cb'],
      client_name: 'test client',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      registration_client_uri: `${sim.url}/oauth2/clients/${clientId}`,
    });
    expect(text(json, 'registration_access_token')).toMatch(/^coder_/);
    expect(json).not.toHaveProperty('client_secret_expires_at');
    expect(sim.oauth2Apps().dynamicallyRegistered).toBe(1);

    const config = await call('GET', `/oauth2/clients/${clientId}`, {
      headers: { authorization: `Bearer ${text(json, 'registration_access_token')}` },
    });
    expect(config.status).toBe(200);
    expect(config.json).not.toHaveProperty('client_secret');
    expect((await call('GET', `/oauth2/clients/${clientId}`)).status).toBe(401);
  });

  it.each([
    [
      'http to a non-loopback host',
      { redirect_uris: ['http://app.example.com/cb'] },
      'must use https scheme for non-localhost URLs',
    ],
    ['a fragment', { redirect_uris: ['https://app.example.com/cb#x'] }, 'must not contain a fragment component'],
    ['a dangerous scheme', { redirect_uris: ['javascript:alert(1)'] }, 'uses the dangerous scheme javascript'],
    ['no redirect URI', { redirect_uris: [] }, 'redirect_uris is required for authorization code flow'],
    [
      'an unsupported grant',
      { redirect_uris: [CALLBACK], grant_types: ['client_credentials'] },
      'unsupported grant type: client_credentials',
    ],
    [
      'a public client on http to a non-loopback host',
      { redirect_uris: ['http://dev.localhost/cb'], token_endpoint_auth_method: 'none' },
      'public clients may only use http with loopback',
    ],
  ])('refuses %s with invalid_client_metadata', async (_what, body, detail) => {
    const res = await call('POST', '/oauth2/register', { json: body });
    expect(res.status).toBe(400);
    expect(text(res.json, 'error')).toBe('invalid_client_metadata');
    expect(text(res.json, 'error_description')).toContain(detail);
  });

  it('accepts http to loopback, and issues no secret to a public client', async () => {
    await register('http://localhost:3000/cb');
    const pub = await register(CALLBACK, { token_endpoint_auth_method: 'none' });
    expect(pub.json).not.toHaveProperty('client_secret');
    // PKCE alone binds a public client's exchange.
    const flow = await consent({ app: { clientId: pub.clientId, clientSecret: '' } });
    expect((await exchange(flow, { client_secret: undefined })).status).toBe(200);
  });
});

describe('authorize', () => {
  it('refuses a missing or unknown client_id with RFC 6749 JSON errors', async () => {
    const missing = await call('GET', '/oauth2/authorize?response_type=code');
    expect([missing.status, missing.json]).toEqual([
      400,
      { error: 'invalid_request', error_description: 'Missing client_id parameter' },
    ]);
    const unknown = await call('GET', `/oauth2/authorize?client_id=${randomUUID()}&response_type=code`);
    expect([unknown.status, unknown.json]).toEqual([
      401,
      { error: 'invalid_client', error_description: 'The client credentials are invalid' },
    ]);
  });

  it('sends a browser without a Coder session to /login with the authorize path and query', async () => {
    const app = await register();
    const url = authorizeUrl(app.clientId, { code_challenge: pkce().challenge, redirect_uri: CALLBACK });
    const res = await call('GET', `${url.pathname}${url.search}`);
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') ?? '', sim.url);
    expect(location.pathname).toBe('/login');
    expect(location.searchParams.get('redirect')).toBe(`${url.pathname}${url.search}`);
    expect(location.searchParams.get('message')).toContain('signed out');
  });

  it('signs in on the login page, shows the consent page, and returns the code and state', async () => {
    const browser = new Browser();
    const flow = await consent({ browser, state: 'xyz~1' });
    expect(flow.code).toMatch(/^coder_[A-Za-z0-9]{10}_[A-Za-z0-9]{40}$/);
    expect(flow.landing.searchParams.get('state')).toBe('xyz~1');
    expect(browser.visited).toEqual([
      `${sim.url}/oauth2/authorize`,
      `${sim.url}/login`,
      `${sim.url}/login`,
      `${sim.url}/oauth2/authorize`,
      `${sim.url}/oauth2/authorize`,
    ]);
    expect(
      browser.jar
        .list()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['coder_session_token', 'csrf_token']);
  });

  it('refuses a wrong password on the login page and stays there', async () => {
    const app = await register();
    const landing = await new Browser().visit(authorizeUrl(app.clientId, { code_challenge: pkce().challenge }), {
      credentials: { email: sim.demo.user.email, password: 'wrong' },
      consent: 'approve',
      stopAt: atCallback,
    });
    expect(landing.stopped).toBe(false);
    expect(landing.status).toBe(401);
    expect(landing.url.pathname).toBe('/login');
    expect(landing.body).toContain('Incorrect email or password.');
  });

  describe('with a session', () => {
    let browser: Browser;
    let clientId: string;
    beforeEach(async () => {
      clientId = (await register()).clientId;
      browser = new Browser();
      const login = await call('POST', '/api/v2/users/login', {
        json: { email: sim.demo.user.email, password: sim.demo.user.password },
      });
      for (const sc of login.headers.getSetCookie()) browser.jar.set(new URL(sim.url), sc);
    });
    const visit = (params: Record<string, string>) =>
      browser.visit(authorizeUrl(clientId, params), { stopAt: atCallback });

    it.each([
      ['no code_challenge', { code_challenge: '' }, 'Query param "code_challenge" is required and cannot be empty'],
      ['a short code_challenge', { code_challenge: 'abc' }, 'must be 43 to 128 characters'],
      ['another redirect_uri', { redirect_uri: 'http://127.0.0.1:9/other' }, 'Query param "redirect_uri"'],
      ['an unknown parameter', { prompt: 'consent' }, '"prompt" is not a valid query param'],
      [
        'a resource with a fragment',
        { resource: 'https://coder.example.com/#x' },
        'must be an absolute URI without fragment',
      ],
      ['a relative resource', { resource: '/coder' }, 'must be an absolute URI without fragment'],
      ['an unknown response_type', { response_type: 'id_token' }, '"id_token" is not a valid value'],
    ])('answers 400 with the error page for %s', async (_what, params, warning) => {
      const landing = await visit({ code_challenge: pkce().challenge, ...params });
      expect(landing.status).toBe(400);
      const page = landing.body
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&');
      expect(page).toContain('Invalid Query Parameters');
      expect(page).toContain(warning);
    });

    it.each([
      ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
      ['code_challenge_method=plain', { code_challenge_method: 'plain' }, 'invalid_request'],
      ['a scope outside the catalog', { scope: 'admin:everything' }, 'invalid_scope'],
    ])('redirects %s back to the client with the error and the state', async (_what, params, error) => {
      const landing = await visit({ code_challenge: pkce().challenge, state: 's1', ...params });
      expect(landing.stopped).toBe(true);
      expect(landing.url.searchParams.get('error')).toBe(error);
      expect(landing.url.searchParams.get('state')).toBe('s1');
      expect(landing.url.searchParams.get('code')).toBeNull();
    });

    it('ignores the port of a loopback redirect URI and answers at the one presented', async () => {
      const landing = await browser.visit(
        authorizeUrl(clientId, { code_challenge: pkce().challenge, redirect_uri: 'http://127.0.0.1:4567/cb' }),
        {
          consent: 'approve',
          stopAt: (u) => u.pathname === '/cb',
        },
      );
      expect(landing.url.port).toBe('4567');
      expect(landing.url.searchParams.get('code')).toMatch(/^coder_/);
    });

    it("refuses the consent POST without the CSRF token, or with another browser's", async () => {
      const url = authorizeUrl(clientId, { code_challenge: pkce().challenge });
      const page = await browser.visit(url);
      const token = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      expect(token).not.toBe('');
      const post = (form: Record<string, string>, jar: CookieJar) =>
        fetch(url, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: jar.header(url), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form).toString(),
        });
      const without = await post({}, browser.jar);
      expect(without.status).toBe(400);
      expect(await without.text()).toBe(
        'Something is wrong with your CSRF token. Please refresh the page. If this error persists, try clearing your cookies.\n',
      );
      // A second browser profile: the same session cookie, its own CSRF cookie.
      const other = new Browser(new CookieJar());
      for (const c of browser.jar.list().filter((x) => x.name === 'coder_session_token'))
        other.jar.set(new URL(sim.url), `${c.name}=${c.value}; Path=/`);
      await other.visit(url);
      expect((await post({ csrf_token: token }, other.jar)).status).toBe(400);
      expect((await post({ csrf_token: token }, browser.jar)).status).toBe(302);
    });

    it('answers Cancel with access_denied and the state, and issues no code', async () => {
      const landing = await browser.visit(
        authorizeUrl(clientId, { code_challenge: pkce().challenge, state: 'deny-me' }),
        { consent: 'deny', stopAt: atCallback },
      );
      expect(Object.fromEntries(landing.url.searchParams)).toEqual({
        error: 'access_denied',
        error_description: 'The resource owner or authorization server denied the request',
        state: 'deny-me',
      });
      expect(sim.oauth2Keys(sim.demo.user.username)).toEqual([]);
    });
  });
});

describe('password login', () => {
  it("answers 201 with the session token and coderd's cookie, and 401 for a wrong password", async () => {
    const ok = await call('POST', '/api/v2/users/login', {
      json: { email: sim.demo.member.email, password: sim.demo.member.password },
    });
    expect(ok.status).toBe(201);
    const token = text(ok.json, 'session_token');
    expect(ok.headers.get('set-cookie')).toBe(`coder_session_token=${token}; Path=/; HttpOnly; SameSite=Lax`);
    expect(text((await me(token)).json, 'username')).toBe(sim.demo.member.username);
    const bad = await call('POST', '/api/v2/users/login', {
      json: { email: sim.demo.member.email, password: sim.demo.user.password },
    });
    expect([bad.status, bad.json]).toEqual([401, { message: 'Incorrect email or password.' }]);
  });
});

describe('token exchange', () => {
  it('mints a key bound to the resource: its audience decides REST and the PTY', async () => {
    const good = await exchange(await consent({ resource: sim.url }), { resource: sim.url });
    expect(good.status).toBe(200);
    expect(good.json).toMatchObject({ token_type: 'Bearer' });
    expect(field(good.json, 'expires_in')).toBeGreaterThan(86_390);
    expect(text(good.json, 'refresh_token')).toMatch(/^coder_/);
    const access = text(good.json, 'access_token');
    expect((await me(access)).status).toBe(200);
    expect(sim.oauth2Keys(sim.demo.user.username)).toEqual([expect.objectContaining({ audience: sim.url })]);

    const mcp = 'https://mcp.example.com/mcp';
    const foreign = text(
      (await exchange(await consent({ resource: mcp, user: sim.demo.member }), { resource: mcp })).json,
      'access_token',
    );
    const refused = await me(foreign);
    expect([refused.status, refused.json]).toEqual([403, { message: 'Token audience validation failed' }]);
    expect(await ptyStatus(foreign)).toBe(403);
    expect(await ptyStatus(access)).toBe(101);
  });

  it('spends a code on the first exchange', async () => {
    const flow = await consent();
    expect((await exchange(flow)).status).toBe(200);
    const again = await exchange(flow);
    expect([again.status, again.json]).toEqual([
      400,
      { error: 'invalid_grant', error_description: 'The authorization code is invalid or expired' },
    ]);
  });

  it('spends a code on a failed attempt too (wrong PKCE verifier)', async () => {
    const flow = await consent();
    const wrong = await exchange(flow, { code_verifier: pkce().verifier });
    expect([wrong.status, wrong.json]).toEqual([
      400,
      { error: 'invalid_grant', error_description: 'The PKCE code verifier is invalid' },
    ]);
    expect(text((await exchange(flow)).json, 'error')).toBe('invalid_grant');
  });

  it("refuses a resource other than the authorize request's with invalid_target", async () => {
    const other = await exchange(await consent({ resource: sim.url }), { resource: `${sim.url}/` });
    expect([other.status, other.json]).toEqual([
      400,
      { error: 'invalid_target', error_description: 'The resource parameter is invalid' },
    ]);
    expect(text((await exchange(await consent({ resource: sim.url }))).json, 'error')).toBe('invalid_target');
    expect(text((await exchange(await consent(), { resource: sim.url })).json, 'error')).toBe('invalid_target');
  });

  it('authenticates the client before it spends the code; HTTP Basic works, a conflict does not', async () => {
    const flow = await consent();
    const wrong = await exchange(flow, { client_secret: 'coder_aaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' });
    expect([wrong.status, wrong.json]).toEqual([
      401,
      { error: 'invalid_client', error_description: 'The client credentials are invalid' },
    ]);
    const basic = `Basic ${Buffer.from(`${flow.clientId}:${flow.clientSecret}`).toString('base64')}`;
    const conflict = await call('POST', '/oauth2/tokens', {
      headers: { authorization: basic },
      form: {
        grant_type: 'authorization_code',
        code: flow.code,
        client_id: flow.clientId,
        client_secret: 'another',
        code_verifier: flow.verifier,
      },
    });
    expect(conflict.status).toBe(400);
    expect(text(conflict.json, 'error_description')).toBe(
      'Conflicting client credentials between Authorization header and request body',
    );
    const viaBasic = await call('POST', '/oauth2/tokens', {
      headers: { authorization: basic },
      form: { grant_type: 'authorization_code', code: flow.code, code_verifier: flow.verifier },
    });
    expect(viaBasic.status).toBe(200);
  });

  it('reads form bodies only', async () => {
    const flow = await consent();
    const json = await call('POST', '/oauth2/tokens', {
      json: {
        grant_type: 'authorization_code',
        code: flow.code,
        client_id: flow.clientId,
        client_secret: flow.clientSecret,
      },
    });
    expect([json.status, json.json]).toEqual([
      400,
      { error: 'invalid_request', error_description: 'Missing client_id parameter' },
    ]);
    const noGrant = await call('POST', `/oauth2/tokens?client_id=${flow.clientId}`, {
      json: { grant_type: 'authorization_code' },
    });
    expect([noGrant.status, text(noGrant.json, 'error')]).toEqual([400, 'unsupported_grant_type']);
    expect((await exchange(flow)).status).toBe(200);
  });

  it('keeps one key per user and app: a new exchange deletes the previous key', async () => {
    const app = await register();
    const first = text((await exchange(await consent({ app }))).json, 'access_token');
    const second = text((await exchange(await consent({ app }))).json, 'access_token');
    expect((await me(first)).status).toBe(401);
    expect((await me(second)).status).toBe(200);
    expect(sim.oauth2Keys(sim.demo.user.username)).toHaveLength(1);
  });

  it("deletes the user's earlier unused code for the app on a new consent", async () => {
    const app = await register();
    const browser = new Browser();
    const older = await consent({ app, browser });
    const newer = await consent({ app, browser });
    expect(text((await exchange(older)).json, 'error')).toBe('invalid_grant');
    expect((await exchange(newer)).status).toBe(200);
  });

  it('uses the configured access token lifetime', async () => {
    sim.setOAuth2AccessTokenLifetime(60_000);
    const res = await exchange(await consent());
    expect(field(res.json, 'expires_in')).toBeGreaterThanOrEqual(58);
    expect(field(res.json, 'expires_in')).toBeLessThanOrEqual(60);
    expect(Date.parse(text(res.json, 'expiry')) - Date.now()).toBeLessThanOrEqual(60_000);
  });
});

describe('refresh and revocation', () => {
  async function tokens(resource?: string) {
    const flow = await consent(resource === undefined ? {} : { resource });
    const res = await exchange(flow, resource === undefined ? {} : { resource });
    return { flow, access: text(res.json, 'access_token'), refresh: text(res.json, 'refresh_token') };
  }
  const refresh = (flow: Flow, token: string, extra: Record<string, string> = {}) =>
    call('POST', '/oauth2/tokens', {
      form: {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: flow.clientId,
        client_secret: flow.clientSecret,
        ...extra,
      },
    });

  it('rotates: the old refresh and access tokens stop working, the audience stays', async () => {
    const t = await tokens(sim.url);
    const res = await refresh(t.flow, t.refresh);
    expect(res.status).toBe(200);
    const next = text(res.json, 'access_token');
    expect((await me(next)).status).toBe(200);
    expect((await me(t.access)).status).toBe(401);
    expect(sim.oauth2Keys(sim.demo.user.username)).toEqual([expect.objectContaining({ audience: sim.url })]);
    const old = await refresh(t.flow, t.refresh);
    expect([old.status, old.json]).toEqual([
      400,
      { error: 'invalid_grant', error_description: 'The refresh token is invalid or expired' },
    ]);
    expect(
      text(
        (await refresh(t.flow, text(res.json, 'refresh_token'), { resource: 'https://other.example.com' })).json,
        'error',
      ),
    ).toBe('invalid_target');
  });

  it("revokes an access token: later calls get coderd's 401, and its refresh token is gone", async () => {
    const t = await tokens();
    const res = await call('POST', '/oauth2/revoke', {
      form: { token: t.access, client_id: t.flow.clientId, client_secret: t.flow.clientSecret },
    });
    expect([res.status, res.raw]).toEqual([200, '']);
    const after = await me(t.access);
    expect(after.status).toBe(401);
    expect(text(after.json, 'detail')).toBe('API key is invalid.');
    expect((await refresh(t.flow, t.refresh)).status).toBe(400);
  });

  it('revokes a refresh token with its access token; refuses a wrong secret and a malformed token', async () => {
    const t = await tokens();
    const wrong = await call('POST', '/oauth2/revoke', {
      form: { token: t.refresh, client_id: t.flow.clientId, client_secret: 'nope' },
    });
    expect([wrong.status, text(wrong.json, 'error')]).toEqual([401, 'invalid_client']);
    expect((await me(t.access)).status).toBe(200);
    const bad = await call('POST', '/oauth2/revoke', {
      form: { token: 'not-a-token', client_id: t.flow.clientId, client_secret: t.flow.clientSecret },
    });
    expect([bad.status, bad.json]).toEqual([
      400,
      { error: 'invalid_request', error_description: 'Invalid token format' },
    ]);
    const ok = await call('POST', '/oauth2/revoke', {
      form: { token: t.refresh, client_id: t.flow.clientId, client_secret: t.flow.clientSecret },
    });
    expect(ok.status).toBe(200);
    expect((await me(t.access)).status).toBe(401);
    // Unknown tokens answer 200 (RFC 7009 §2.2).
    const unknown = await call('POST', '/oauth2/revoke', {
      form: {
        token: `coder_${'a'.repeat(10)}_${'b'.repeat(40)}`,
        client_id: t.flow.clientId,
        client_secret: t.flow.clientSecret,
      },
    });
    expect(unknown.status).toBe(200);
  });
});

/** The status of a PTY WebSocket upgrade with this bearer token (101 when accepted). */
function ptyStatus(token: string): Promise<number> {
  const url = `${sim.url.replace('http', 'ws')}/api/v2/workspaceagents/${sim.demo.agentId}/pty?reconnect=${randomUUID()}&width=80&height=24`;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => undefined);
  });
}

describe("the scripted browser's cookie jar", () => {
  const at = (u: string) => new URL(u);

  it('shares cookies between ports of one host, and keeps hosts apart', () => {
    const jar = new CookieJar();
    jar.set(at('http://127.0.0.1:1111/a'), 'sid=1; Path=/');
    expect(jar.header(at('http://127.0.0.1:2222/x'))).toBe('sid=1');
    expect(jar.header(at('http://localhost:1111/x'))).toBe('');
  });

  it('honours Path, its default, Max-Age and Expires, and deletion', () => {
    let now = 1_000_000;
    const jar = new CookieJar(() => now);
    const u = at('http://127.0.0.1:1/oauth/authorize');
    jar.set(u, 'a=1');
    jar.set(u, 'b=2; Path=/api');
    jar.set(u, 'c=3; Path=/; Max-Age=10');
    jar.set(u, `d=4; Path=/; Expires=${new Date(now + 5000).toUTCString()}`);
    expect(jar.header(at('http://127.0.0.1:1/oauth/callback'))).toBe('a=1; c=3; d=4');
    expect(jar.header(at('http://127.0.0.1:1/api/v2'))).toBe('b=2; c=3; d=4');
    expect(jar.header(at('http://127.0.0.1:1/apix'))).toBe('c=3; d=4');
    now += 6000;
    expect(jar.header(at('http://127.0.0.1:1/'))).toBe('c=3');
    jar.set(u, 'c=; Path=/; Max-Age=0');
    expect(jar.header(at('http://127.0.0.1:1/'))).toBe('');
  });

  it('takes Secure cookies over http on loopback only, and enforces the __Host- prefix', () => {
    const jar = new CookieJar();
    expect(jar.set(at('http://127.0.0.1:1/'), '__Host-n=1; Secure; Path=/; HttpOnly; SameSite=Lax')).toBe(true);
    expect(jar.set(at('http://127.0.0.1:1/'), '__Host-p=1; Secure; Path=/x')).toBe(false);
    expect(jar.set(at('http://127.0.0.1:1/'), '__Host-q=1; Path=/')).toBe(false);
    expect(jar.set(at('http://localhost:1/'), '__Host-r=1; Secure; Path=/; Domain=localhost')).toBe(false);
    expect(jar.set(at('http://app.example.com/'), 's=1; Secure')).toBe(false);
    expect(jar.set(at('https://app.example.com/'), 's=1; Secure')).toBe(true);
    expect(jar.header(at('http://app.example.com/'))).toBe('');
    expect(jar.header(at('http://127.0.0.1:9/'))).toBe('__Host-n=1');
    const copy = jar.copy();
    jar.clear();
    expect(copy.header(at('http://127.0.0.1:9/'))).toBe('__Host-n=1');
    expect(jar.list()).toEqual([]);
  });
});
