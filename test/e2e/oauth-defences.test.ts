/**
 * The authorization server's defences in the browser's part of a sign-in, end to end over HTTP against
 * the local server in front of the simulator's Coder OAuth2 provider, one negative test per defence and
 * a control beside it that takes the same road with nothing wrong (so each refusal is the defence's):
 * - the confused deputy (CVE-2026-27124 in FastMCP): a sign-in ends only in the browser that started it;
 * - redirect URIs: an allow-list at registration, exact match at authorize, and a page (never a redirect)
 *   when the client or its redirect URI is not known good;
 * - the authorize request's own checks, answered at the client's redirect URI with `state` and `iss`;
 * - our authorization codes: single use, bound to the client, the redirect URI and PKCE, short-lived,
 *   of their own kind, for our resource only.
 * Tokens on /mcp, client authentication, refresh and revocation: oauth-tokens.test.ts; deployments
 * without Coder's provider or registration, and MCP_ACCEPT_CODER_TOKENS: oauth-modes.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { codeSchema, clientSchema, nowSeconds, stateSchema } from '../../lib/oauth/grants';
import { Browser } from '../helpers/browser';
import { bearer, forge, loopback, newKeys, OAuthFlow, unseal, toolCallBody } from '../helpers/oauth-flow';
import { INIT_REQUEST, postMcp, startStack, type Stack } from '../helpers/stack';

const KEYS = newKeys();
let stack: Stack;
let flow: OAuthFlow;

beforeAll(async () => {
  stack = await startStack({ env: { MCP_OAUTH: 'true', MCP_OAUTH_KEYS: KEYS } });
  flow = new OAuthFlow(stack);
});
afterAll(() => stack.close());

const person = () => stack.sim.demo.user;

/** A 400 page for the person: HTML, not cached, not framable, and above all no redirect. */
function expectPage(
  r: { status: number; location: string | null; headerLines: string; body: string },
  title: string,
): void {
  expect(r.status).toBe(400);
  expect(r.location).toBeNull();
  expect(r.body).toContain(`<h1>${title}</h1>`);
  expect(r.headerLines).toContain('content-type: text/html');
  expect(r.headerLines).toContain('cache-control: no-store');
  expect(r.headerLines).toMatch(/content-security-policy: .*frame-ancestors 'none'/);
}

async function whoAmI(token: string): Promise<number> {
  return (await postMcp(stack, toolCallBody('coder_get_authenticated_user'), bearer(token))).status;
}

describe('the confused deputy (CVE-2026-27124): a sign-in finishes only in the browser that started it', () => {
  it('control: the browser that started the sign-in gets the code, with its state and our issuer', async () => {
    const client = await flow.register();
    const { code, verifier, state, landed } = await flow.signIn(client, person());
    expect(`${landed.origin}${landed.pathname}`).toBe(client.redirectUri);
    expect(landed.searchParams.get('state')).toBe(state);
    expect(landed.searchParams.get('iss')).toBe(stack.server.url);
    // The code travels in a URL: the answer carrying it is never cached and sends no Referer on.
    const back = flow.answers.filter((a) => a.what === 'callback').at(-1);
    expect(back?.headerLines).toContain('cache-control: no-store');
    expect(back?.headerLines).toContain('referrer-policy: no-referrer');
    const redeemed = await flow.redeem(client, code, verifier);
    expect(redeemed.status).toBe(200);
    expect(redeemed.headerLines).toContain('cache-control: no-store');
  });

  it('the cookie is spent at the callback: the same callback URL replayed in that browser stops', async () => {
    const client = await flow.register();
    const browser = new Browser();
    const started = await flow.authorize(browser, flow.authorizeUrl(client));
    const callbackUrl = await flow.atCoder(browser, started.location ?? '', person());
    expect((await flow.callback(browser, callbackUrl)).status).toBe(302);
    expect(browser.jar.list().filter((c) => c.name.startsWith('__Host-cmcp-'))).toEqual([]);
    expectPage(await flow.callback(browser, callbackUrl), 'Sign-in stopped');
  });

  it('control: two sign-ins started in one browser both finish (one cookie each)', async () => {
    const client = await flow.register();
    const browser = new Browser();
    const first = await flow.authorize(browser, flow.authorizeUrl(client));
    const second = await flow.authorize(browser, flow.authorizeUrl(client));
    expect(browser.jar.list().filter((c) => c.name.startsWith('__Host-cmcp-'))).toHaveLength(2);
    for (const started of [second, first]) {
      const back = await flow.callback(browser, await flow.atCoder(browser, started.location ?? '', person()));
      expect(new URL(back.location ?? '').searchParams.get('code')).toMatch(/^cmcp\.code\./);
    }
  });

  it('a person who declines at Coder sends the client access_denied with its state, and no code', async () => {
    const client = await flow.register();
    const browser = new Browser();
    const url = flow.authorizeUrl(client, { state: 'declined-1' });
    const started = await flow.authorize(browser, url);
    const back = await flow.callback(browser, await flow.atCoder(browser, started.location ?? '', person(), 'deny'));
    expect(back.status).toBe(302);
    const landed = new URL(back.location ?? '');
    expect(`${landed.origin}${landed.pathname}`).toBe(client.redirectUri);
    expect([
      landed.searchParams.get('error'),
      landed.searchParams.get('state'),
      landed.searchParams.get('iss'),
    ]).toEqual(['access_denied', 'declined-1', stack.server.url]);
    expect(landed.searchParams.has('code')).toBe(false);
  });

  it('the Coder consent link an attacker started, opened by a victim who signs in and approves, stops at our callback', async () => {
    const victimUser = stack.sim.addUser('victim', 'member');
    const client = await flow.register();
    const attacker = new Browser();
    const started = await flow.authorize(attacker, flow.authorizeUrl(client));
    expect(started.status).toBe(302);
    expect(started.setCookie.join('\n')).toMatch(/^__Host-cmcp-[^=]+=[^;]+; Path=\/;.*HttpOnly; Secure; SameSite=Lax/m);
    const coderLink = started.location ?? '';
    expect(coderLink.startsWith(`${stack.sim.url}/oauth2/authorize?`)).toBe(true);

    // The victim's own browser (no cookie of ours), signed in to Coder, approving what looks like a normal consent.
    const victim = new Browser();
    const landing = await victim.visit(coderLink, {
      stopAt: (u) => u.href.startsWith(client.redirectUri),
      credentials: { email: victimUser.email, password: victimUser.password },
      consent: 'approve',
    });
    expect(landing.stopped).toBe(false);
    expect(`${landing.url.origin}${landing.url.pathname}`).toBe(`${stack.server.url}/oauth/callback`);
    expect(landing.status).toBe(400);
    expect(landing.body).toContain('<h1>Sign-in stopped</h1>');
    // The victim did consent at Coder (the attack got that far), but no code of ours went anywhere and Coder's was never exchanged.
    expect(victim.visited).toContain(`${stack.sim.url}/oauth2/authorize`);
    expect(victim.visited.some((v) => v.startsWith(new URL(client.redirectUri).origin))).toBe(false);
    expect(landing.body).not.toMatch(/cmcp\.code\./);
    expect(stack.sim.oauth2Keys('victim')).toHaveLength(0);

    // The same callback URL fetched raw: a page, no Location.
    const raw = await flow.callback(new Browser(), landing.url.href);
    expectPage(raw, 'Sign-in stopped');
  });

  it('a state from one sign-in with the cookie of another sign-in is refused', async () => {
    const client = await flow.register();
    const attacker = new Browser();
    const theirs = await flow.authorize(attacker, flow.authorizeUrl(client));
    // The victim started a sign-in of their own in this browser (its cookie is in the jar), then follows the attacker's link.
    const victim = new Browser();
    const own = await flow.authorize(victim, flow.authorizeUrl(client));
    expect(own.status).toBe(302);
    expect(victim.jar.list().filter((c) => c.name.startsWith('__Host-cmcp-'))).toHaveLength(1);
    const callbackUrl = await flow.atCoder(victim, theirs.location ?? '', person());
    const res = await flow.callback(victim, callbackUrl);
    expectPage(res, 'Sign-in stopped');

    // A cookie of the right name with another nonce (say, planted by a sibling subdomain) does not pass either.
    const name = theirs.setCookie[0]?.split('=')[0] ?? '';
    const planted = new Browser();
    planted.jar.set(
      new URL(stack.server.url),
      `${name}=${randomBytes(32).toString('base64url')}; Path=/; Secure; HttpOnly`,
    );
    expectPage(await flow.callback(planted, callbackUrl), 'Sign-in stopped');

    // Control: the attacker's own browser, which holds the cookie, could finish this one (its Coder code is still unspent).
    const control = await flow.callback(attacker, callbackUrl);
    expect(control.status).toBe(302);
    expect(new URL(control.location ?? '').searchParams.get('code')).toMatch(/^cmcp\.code\./);
  });

  it('a state that is not ours, or has expired, is refused with a page', async () => {
    const client = await flow.register();
    const browser = new Browser();
    const started = await flow.authorize(browser, flow.authorizeUrl(client));
    const state = new URL(started.location ?? '').searchParams.get('state') ?? '';
    const opened = unseal(KEYS, 'state', state, stateSchema);
    // A state we forge with a nonce we hold, so the browser binding is right and only the expiry decides.
    const nonce = randomBytes(32).toString('base64url');
    const b = createHash('sha256').update(nonce).digest('base64url');
    browser.jar.set(new URL(stack.server.url), `__Host-cmcp-${b.slice(0, 16)}=${nonce}; Path=/; Secure; HttpOnly`);
    const at = (s: string) => `${stack.server.url}/oauth/callback?code=whatever&state=${encodeURIComponent(s)}`;

    const expired = await flow.callback(browser, at(forge(KEYS, 'state', { ...opened, b, exp: nowSeconds() - 1 })));
    expectPage(expired, 'Sign-in cannot continue');
    expect(expired.body).toContain('expired');
    const otherIssuer = await flow.callback(
      browser,
      at(forge(KEYS, 'state', { ...opened, b, iss: 'https://other.example' })),
    );
    expectPage(otherIssuer, 'Sign-in cannot continue');
    const foreignKey = await flow.callback(browser, at(forge(newKeys(), 'state', { ...opened, b })));
    expectPage(foreignKey, 'Sign-in cannot continue');
    expectPage(await flow.callback(browser, at('not-a-state')), 'Sign-in cannot continue');
    // Control: the same forgery, unexpired, goes through to the client's redirect URI.
    const fine = await flow.callback(browser, at(forge(KEYS, 'state', { ...opened, b })));
    expect(fine.status).toBe(302);
    expect(fine.location?.startsWith(client.redirectUri)).toBe(true);
  });
});

describe('redirect URIs', () => {
  it.each([
    ['another host', 'https://evil.example/cb'],
    ['user info naming loopback before the real host', 'http://localhost:1@evil.example/'],
    ['user info on 127.0.0.1', 'http://127.0.0.1:8080@evil.example/cb'],
    ['a look-alike host', 'http://localhost.evil.example:8080/cb'],
    ['a known connector URI with a suffix host', 'https://claude.ai.evil.example/api/mcp/auth_callback'],
    ['a fragment', 'http://127.0.0.1:8080/cb#x'],
    ['a backslash', 'http://127.0.0.1:8080\\@evil.example/'],
    ['not a URL', 'not a url'],
  ])('registration refuses %s (%s) with invalid_redirect_uri, and registers nothing at Coder', async (_what, uri) => {
    const before = stack.sim.oauth2Apps().dynamicallyRegistered;
    const res = await flow.registerRaw({
      client_name: 'x',
      redirect_uris: [loopback(), uri],
      token_endpoint_auth_method: 'none',
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_redirect_uri' });
    expect(stack.sim.oauth2Apps().dynamicallyRegistered).toBe(before);
  });

  it('control: an allowed loopback URI registers', async () => {
    const res = await flow.registerRaw({
      client_name: 'x',
      redirect_uris: [loopback()],
      token_endpoint_auth_method: 'none',
    });
    expect(res.status).toBe(201);
  });

  it.each([
    ['one character changed', (u: string) => u.replace(/k$/, 'K')],
    ['a trailing slash', (u: string) => `${u}/`],
    ['an extra query', (u: string) => `${u}?next=https://evil.example`],
    ['another port', (u: string) => u.replace(/:(\d+)\//, (_m, p: string) => `:${Number(p) + 1}/`)],
    ['localhost for 127.0.0.1', (u: string) => u.replace('127.0.0.1', 'localhost')],
    ['another host', () => 'https://evil.example/callback'],
  ])('authorize with a redirect_uri differing by %s answers a page and never redirects', async (_what, change) => {
    const client = await flow.register();
    const asked = change(client.redirectUri);
    expect(asked).not.toBe(client.redirectUri);
    const res = await flow.authorize(new Browser(), flow.authorizeUrl(client, { redirect_uri: asked }));
    expectPage(res, 'Redirect URI mismatch');
    expect(res.setCookie).toEqual([]);
  });

  it('authorize without a redirect_uri for a client with two answers a page', async () => {
    const client = await flow.register({ redirectUris: [loopback(), loopback()] });
    expectPage(
      await flow.authorize(new Browser(), flow.authorizeUrl(client, { redirect_uri: undefined })),
      'Redirect URI mismatch',
    );
    // Control: with one registered URI it may be left out.
    const single = await flow.register();
    expect((await flow.authorize(new Browser(), flow.authorizeUrl(single, { redirect_uri: undefined }))).status).toBe(
      302,
    );
  });

  it('an unknown, garbage, foreign or missing client_id answers a page, even with an allowed redirect_uri', async () => {
    const client = await flow.register();
    const grant = unseal(KEYS, 'client', client.clientId, clientSchema);
    for (const clientId of [
      'garbage',
      `${client.clientId.slice(0, -4)}AAAA`,
      forge(newKeys(), 'client', grant),
      forge(KEYS, 'client', { ...grant, iss: 'https://other.example' }),
      client.clientId.replace('cmcp.client.', 'cmcp.state.'),
      undefined,
    ]) {
      const res = await flow.authorize(new Browser(), flow.authorizeUrl(client, { client_id: clientId }));
      expectPage(res, 'Unknown MCP client');
    }
    // Control: the same forgery with our issuer is a client we know.
    const ours = forge(KEYS, 'client', grant);
    expect((await flow.authorize(new Browser(), flow.authorizeUrl({ ...client, clientId: ours }))).status).toBe(302);
  });
});

describe('authorize request checks answered at the redirect URI', () => {
  it.each([
    ['no code_challenge', 'invalid_request', { code_challenge: undefined }],
    ['code_challenge_method=plain', 'invalid_request', { code_challenge_method: 'plain' }],
    ['no code_challenge_method', 'invalid_request', { code_challenge_method: undefined }],
    ['a code_challenge too short', 'invalid_request', { code_challenge: 'abc' }],
    ['response_type=token', 'unsupported_response_type', { response_type: 'token' }],
    ['no response_type', 'unsupported_response_type', { response_type: undefined }],
    ['resource=<another server>', 'invalid_target', { resource: 'https://other.example/mcp' }],
    ['resource=<Coder itself>', 'invalid_target', { resource: 'CODER' }],
  ])(
    '%s => error=%s with state and iss, and no sign-in begins',
    async (_what, error, params: Record<string, string | undefined>) => {
      const client = await flow.register();
      const state = randomBytes(8).toString('hex');
      const asked = { ...params, state, ...(params.resource === 'CODER' ? { resource: stack.sim.url } : {}) };
      const res = await flow.authorize(new Browser(), flow.authorizeUrl(client, asked));
      expect(res.status).toBe(302);
      const back = new URL(res.location ?? '');
      expect(`${back.origin}${back.pathname}`).toBe(client.redirectUri);
      expect(back.searchParams.get('error')).toBe(error);
      expect(back.searchParams.get('error_description')).toBeTruthy();
      expect(back.searchParams.get('state')).toBe(state);
      expect(back.searchParams.get('iss')).toBe(stack.server.url);
      expect(back.searchParams.has('code')).toBe(false);
      expect(res.setCookie).toEqual([]);
    },
  );

  it('control: a good request goes on to Coder with our own PKCE challenge and resource=<CODER_URL>', async () => {
    const client = await flow.register();
    const res = await flow.authorize(new Browser(), flow.authorizeUrl(client, { resource: `${stack.mcpUrl}/` }));
    expect(res.status).toBe(302);
    const coder = new URL(res.location ?? '');
    expect(`${coder.origin}${coder.pathname}`).toBe(`${stack.sim.url}/oauth2/authorize`);
    expect(coder.searchParams.get('resource')).toBe(stack.sim.url);
    expect(coder.searchParams.get('code_challenge_method')).toBe('S256');
    expect(coder.searchParams.get('redirect_uri')).toBe(`${stack.server.url}/oauth/callback`);
  });
});

describe('authorization codes', () => {
  async function signedIn(method: 'none' | 'client_secret_basic' = 'none') {
    const client = await flow.register({ method });
    return { client, ...(await flow.signIn(client, person())) };
  }

  it('are single use: the second redemption is invalid_grant, and the first tokens still work', async () => {
    const { client, code, verifier } = await signedIn();
    const first = await flow.redeem(client, code, verifier);
    expect(first.status).toBe(200);
    const second = await flow.redeem(client, code, verifier);
    expect([second.status, second.json.error]).toEqual([400, 'invalid_grant']);
    expect(second.body).not.toContain('access_token');
    expect(await whoAmI(String(first.json.access_token))).toBe(200);
  });

  it('are single use under a race too: of two redemptions at once, exactly one gets tokens', async () => {
    const { client, code, verifier } = await signedIn();
    const both = await Promise.all([flow.redeem(client, code, verifier), flow.redeem(client, code, verifier)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(both.find((r) => r.status === 400)?.json.error).toBe('invalid_grant');
  });

  it('redeemed by another client: invalid_grant, and the code is not spent for its own client', async () => {
    const { client, code, verifier } = await signedIn();
    const other = await flow.register();
    const res = await flow.redeem({ ...other, redirectUri: client.redirectUri }, code, verifier);
    expect([res.status, res.json.error]).toEqual([400, 'invalid_grant']);
    expect(String(res.json.error_description)).toContain('another client');
    expect((await flow.redeem(client, code, verifier)).status).toBe(200);
  });

  it.each([
    ['another registered redirect_uri', (c: string[]) => ({ redirect_uri: c[1] ?? '' })],
    ['a trailing slash on the redirect_uri', (c: string[]) => ({ redirect_uri: `${c[0]}/` })],
    ['an empty redirect_uri', () => ({ redirect_uri: '' })],
    ['a wrong code_verifier', () => ({ code_verifier: randomBytes(32).toString('base64url') })],
    ['a malformed code_verifier', () => ({ code_verifier: 'short' })],
    ['an empty code_verifier', () => ({ code_verifier: '' })],
  ])('%s at the token endpoint: invalid_grant (and the code still redeems properly after)', async (_what, change) => {
    const client = await flow.register({ redirectUris: [loopback(), loopback()] });
    const { code, verifier } = await flow.signIn(client, person());
    const res = await flow.redeem(client, code, verifier, change(client.redirectUris));
    expect([res.status, res.json.error]).toEqual([400, 'invalid_grant']);
    expect((await flow.redeem(client, code, verifier)).status).toBe(200);
  });

  it('an expired code (ours, resealed with exp in the past) is invalid_grant; the same code unexpired redeems', async () => {
    const { client, code, verifier } = await signedIn();
    const inside = unseal(KEYS, 'code', code, codeSchema);
    const expired = forge(KEYS, 'code', { ...inside, exp: nowSeconds() - 1 });
    const res = await flow.redeem(client, expired, verifier);
    expect([res.status, res.json.error]).toEqual([400, 'invalid_grant']);
    expect(String(res.json.error_description)).toContain('expired');
    const otherIssuer = await flow.redeem(
      client,
      forge(KEYS, 'code', { ...inside, iss: 'https://other.example' }),
      verifier,
    );
    expect([otherIssuer.status, otherIssuer.json.error]).toEqual([400, 'invalid_grant']);
    expect((await flow.redeem(client, forge(KEYS, 'code', inside), verifier)).status).toBe(200);
  });

  it('a code is no access token, relabelled or not, and no refresh token', async () => {
    const { client, code, verifier } = await signedIn();
    for (const value of [code, code.replace(/^cmcp\.code\./, 'cmcp.access.')]) {
      const res = await postMcp(stack, JSON.stringify(INIT_REQUEST), bearer(value));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    const asRefresh = await flow.refresh(client, code);
    expect([asRefresh.status, asRefresh.json.error]).toEqual([400, 'invalid_grant']);
    // Control: the code itself was fine.
    expect((await flow.redeem(client, code, verifier)).status).toBe(200);
  });

  it('a resource other than ours at the token endpoint is invalid_target', async () => {
    const { client, code, verifier } = await signedIn();
    for (const resource of ['https://other.example/mcp', stack.sim.url]) {
      const res = await flow.redeem(client, code, verifier, { resource });
      expect([res.status, res.json.error]).toEqual([400, 'invalid_target']);
    }
    expect((await flow.redeem(client, code, verifier, { resource: stack.mcpUrl })).status).toBe(200);
  });
});
