/**
 * The authorization server's defences after the browser's part, end to end over HTTP against the local
 * server and the simulator's Coder OAuth2 provider, each refusal beside a control that passes:
 * - our access tokens on /mcp: tampered, expired, foreign audience or issuer, of another kind or sealed
 *   with a key we do not hold => 401 `invalid_token` with the resource metadata, before Coder is asked;
 * - client authentication at /oauth/token and /oauth/revoke, and the token endpoint's request rules;
 * - refresh (Coder rotates: the old refresh token is spent), also by the MCP SDK client on its own;
 * - revocation, which ends the Coder key inside.
 * The tests forge sealed values with the stack's own MCP_OAUTH_KEYS (lib/oauth/seal.ts).
 */
import { randomBytes } from 'node:crypto';
import { accessSchema, clientSchema, nowSeconds, refreshSchema } from '../../lib/oauth/grants';
import { Browser } from '../helpers/browser';
import { MemoryOAuthProvider, signInAndConnect, type BrowserStep } from '../helpers/oauth-client';
import {
  bearer,
  forge,
  loopback,
  newKeys,
  OAuthFlow,
  unseal,
  toolCallBody,
  type Registered,
} from '../helpers/oauth-flow';
import { callTool, INIT_REQUEST, postMcp, startStack, type Stack } from '../helpers/stack';

const KEYS = newKeys();
let stack: Stack;
let flow: OAuthFlow;

beforeAll(async () => {
  stack = await startStack({ env: { MCP_OAUTH: 'true', MCP_OAUTH_KEYS: KEYS } });
  flow = new OAuthFlow(stack);
});
afterAll(() => stack.close());

const person = () => stack.sim.demo.user;

async function whoAmI(token: string): Promise<Response> {
  return postMcp(stack, toolCallBody('coder_get_authenticated_user'), bearer(token));
}

async function expectWhoAmI(token: string): Promise<void> {
  const res = await whoAmI(token);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain(person().username);
}

/** The 401 that sends an OAuth client to refresh or sign in again, without the token in it. */
async function expectInvalidToken(res: Response, presented: string[]): Promise<string> {
  expect(res.status).toBe(401);
  const challenge = res.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toContain('error="invalid_token"');
  expect(challenge).toContain(`resource_metadata="${stack.server.url}/.well-known/oauth-protected-resource"`);
  const text = await res.text();
  const body = JSON.parse(text) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
  expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32001 } });
  expect(body.error.message).toMatch(/^Unauthorized/);
  for (const secret of presented) expect(text).not.toContain(secret);
  return challenge;
}

describe('our tokens on /mcp', () => {
  let access: string;
  let refresh: string;

  beforeAll(async () => {
    ({ access, refresh } = await flow.tokensFor(person()));
  });

  const inside = () => unseal(KEYS, 'access', access, accessSchema);
  /** One base64url character in the middle of the sealed data changed. */
  const flipped = (v: string) => {
    const i = v.length - 30;
    return `${v.slice(0, i)}${v[i] === 'A' ? 'B' : 'A'}${v.slice(i + 1)}`;
  };

  it('control: the token, and the same payload sealed again by the test, work for initialize and tools', async () => {
    expect((await postMcp(stack, JSON.stringify(INIT_REQUEST), bearer(access))).status).toBe(200);
    await expectWhoAmI(access);
    await expectWhoAmI(forge(KEYS, 'access', inside()));
  });

  it.each([
    ['tampered (one character flipped)', () => flipped(access), 'invalid or expired'],
    [
      'expired (resealed with exp in the past)',
      () => forge(KEYS, 'access', { ...inside(), exp: nowSeconds() - 1 }),
      'has expired',
    ],
    [
      'for another audience',
      () => forge(KEYS, 'access', { ...inside(), aud: 'https://other.example/mcp' }),
      'audience',
    ],
    ['for Coder as audience', () => forge(KEYS, 'access', { ...inside(), aud: stack.sim.url }), 'audience'],
    ['from another issuer', () => forge(KEYS, 'access', { ...inside(), iss: 'https://other.example' }), 'audience'],
    ['a refresh token', () => refresh, 'invalid or expired'],
    [
      'a refresh token relabelled as access',
      () => refresh.replace(/^cmcp\.refresh\./, 'cmcp.access.'),
      'invalid or expired',
    ],
    ['sealed with a key not in the ring', () => forge(newKeys('k9'), 'access', inside()), 'invalid or expired'],
    ['sealed with another key under our key id', () => forge(newKeys('k1'), 'access', inside()), 'invalid or expired'],
    ['truncated', () => access.slice(0, 40), 'invalid or expired'],
    [
      'with the Coder token left out',
      () => forge(KEYS, 'access', { ...inside(), ct: undefined }),
      'invalid or expired',
    ],
  ])('%s: 401 invalid_token, decided without asking Coder', async (_what, make, description) => {
    const token = make();
    const coderToken = inside().ct;
    const asked = stack.sim.requestCount('/api/v2/');
    for (const body of [JSON.stringify(INIT_REQUEST), toolCallBody('coder_get_authenticated_user')]) {
      const challenge = await expectInvalidToken(await postMcp(stack, body, bearer(token)), [
        token,
        coderToken,
        access,
      ]);
      expect(challenge).toContain(description);
    }
    // As Coder-Session-Token too.
    await expectInvalidToken(await postMcp(stack, JSON.stringify(INIT_REQUEST), { 'coder-session-token': token }), [
      token,
      coderToken,
    ]);
    // The Coder token inside is valid: had it been used, Coder would have been asked (and said yes).
    expect(stack.sim.requestCount('/api/v2/')).toBe(asked);
  });

  it('the kind is sealed in: a payload valid as both kinds, sealed as a refresh token and relabelled as access, is refused', async () => {
    const both = { ...unseal(KEYS, 'access', access, accessSchema), rt: 'unused' };
    const relabelled = forge(KEYS, 'refresh', both).replace(/^cmcp\.refresh\./, 'cmcp.access.');
    await expectInvalidToken(await postMcp(stack, JSON.stringify(INIT_REQUEST), bearer(relabelled)), [relabelled]);
    // Control: the same payload sealed as what it claims to be works.
    await expectWhoAmI(forge(KEYS, 'access', both));
  });
});

describe('client authentication and the token endpoint', () => {
  async function withCode(method: 'none' | 'client_secret_basic' | 'client_secret_post') {
    const client = await flow.register({ method });
    const { code, verifier } = await flow.signIn(client, person());
    const form = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: client.redirectUri };
    return { client, form };
  }
  const basic = (id: string, secret: string) => Buffer.from(`${id}:${secret}`).toString('base64');

  it('a confidential client (client_secret_basic) with a wrong, empty or missing secret: 401 invalid_client', async () => {
    const { client, form } = await withCode('client_secret_basic');
    const other = await flow.register({ method: 'client_secret_basic' });
    const attempts: [string, Parameters<OAuthFlow['token']>, boolean][] = [
      ['wrong secret in Basic', [client, form, { basic: basic(client.clientId, 'wrong') }], true],
      [
        "another client's secret in Basic",
        [client, form, { basic: basic(client.clientId, other.clientSecret ?? '') }],
        true,
      ],
      ['empty secret in Basic', [client, form, { basic: basic(client.clientId, '') }], true],
      ['Basic without a colon', [client, form, { basic: Buffer.from(client.clientId).toString('base64') }], true],
      [
        'Basic naming another client than the body',
        [client, { ...form, client_id: other.clientId }, { basic: basic(client.clientId, client.clientSecret ?? '') }],
        true,
      ],
      [
        'no secret at all (client_id in the body)',
        [client, { ...form, client_id: client.clientId }, { headers: {} }],
        false,
      ],
      [
        'a wrong secret in the body',
        [client, { ...form, client_id: client.clientId, client_secret: 'wrong' }, { headers: {} }],
        false,
      ],
    ];
    for (const [what, args, usedBasic] of attempts) {
      const res = await flow.token(...args);
      expect([what, res.status, res.json.error]).toEqual([what, 401, 'invalid_client']);
      expect([what, res.headers.get('www-authenticate')]).toEqual([what, usedBasic ? 'Basic realm="coder-mcp"' : null]);
      expect(res.body).not.toContain(client.clientSecret ?? '-');
    }
    // Control: the right secret redeems the very code the attempts carried.
    expect((await flow.token(client, form)).status).toBe(200);
  });

  it('a confidential client (client_secret_post) with a wrong secret: 401 invalid_client without a Basic challenge', async () => {
    const { client, form } = await withCode('client_secret_post');
    const res = await flow.token(
      client,
      { ...form, client_id: client.clientId, client_secret: `${client.clientSecret ?? ''}x` },
      { headers: {} },
    );
    expect([res.status, res.json.error, res.headers.get('www-authenticate')]).toEqual([401, 'invalid_client', null]);
    expect((await flow.token(client, form)).status).toBe(200);
  });

  it('malformed percent-encoding in Basic credentials is a 401 invalid_client, not a server error', async () => {
    const { client, form } = await withCode('client_secret_basic');
    const res = await flow.token(client, form, { basic: basic(`${client.clientId}%E0%A4%A`, 'x') });
    expect([res.status, res.json.error]).toEqual([401, 'invalid_client']);
  });

  it('an unknown client, or one sealed for another issuer: 401 invalid_client', async () => {
    const { client, form } = await withCode('none');
    const grant = unseal(KEYS, 'client', client.clientId, clientSchema);
    for (const clientId of [
      'garbage',
      forge(KEYS, 'client', { ...grant, iss: 'https://other.example' }),
      forge(newKeys(), 'client', grant),
    ]) {
      const res = await flow.token(undefined, { ...form, client_id: clientId });
      expect([res.status, res.json.error]).toEqual([401, 'invalid_client']);
    }
    expect((await flow.token(client, form)).status).toBe(200);
  });

  it('refuses a JSON body and repeated parameters with invalid_request', async () => {
    const { client, form } = await withCode('none');
    const json = await flow.token(
      client,
      {},
      {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...form, client_id: client.clientId }),
      },
    );
    expect([json.status, json.json.error]).toEqual([400, 'invalid_request']);
    const fields = new URLSearchParams({ ...form, client_id: client.clientId, resource: stack.mcpUrl });
    // Even a repeat of the same value: which one counts must never be a question.
    for (const [name, value] of [
      ['code', 'cmcp.code.k1.AAAA'],
      ['grant_type', 'refresh_token'],
      ['client_id', client.clientId],
      ['resource', stack.mcpUrl],
      ['code_verifier', form.code_verifier],
    ]) {
      const repeated = new URLSearchParams(fields);
      repeated.append(name ?? '', value ?? '');
      const res = await flow.token(client, {}, { headers: {}, body: repeated.toString() });
      expect([name, res.status, res.json.error]).toEqual([name, 400, 'invalid_request']);
    }
    expect((await flow.token(client, form)).status).toBe(200);
  });

  it('refuses oversized bodies at the token and registration endpoints with 413, and the code still works', async () => {
    const { client, form } = await withCode('none');
    const padded = new URLSearchParams({ ...form, client_id: client.clientId, padding: 'x'.repeat(17 * 1024) });
    const big = await flow.token(client, {}, { headers: {}, body: padded.toString() });
    expect([big.status, big.json.error, big.json.error_description]).toEqual([
      413,
      'invalid_request',
      'the body is larger than 16384 bytes',
    ]);
    const registration = await fetch(`${stack.server.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [loopback()], client_name: 'x'.repeat(17 * 1024) }),
    });
    expect([registration.status, ((await registration.json()) as { error: string }).error]).toEqual([
      413,
      'invalid_client_metadata',
    ]);
    expect((await flow.token(client, form)).status).toBe(200);
  });

  it.each([
    'password',
    'client_credentials',
    'implicit',
    'urn:ietf:params:oauth:grant-type:device_code',
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
    '',
  ])('grant_type=%s: unsupported_grant_type', async (grantType) => {
    const client = await flow.register({ method: 'client_secret_post' });
    const res = await flow.token(client, { grant_type: grantType, username: 'admin', password: 'x', code: 'x' });
    expect([res.status, res.json.error]).toEqual([400, 'unsupported_grant_type']);
  });

  it('at /oauth/revoke too: a wrong secret is 401 invalid_client and the token stays valid', async () => {
    const { client, access } = await flow.tokensFor(person(), { method: 'client_secret_basic' });
    const res = await fetch(`${stack.server.url}/oauth/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${basic(client.clientId, 'wrong')}`,
      },
      body: new URLSearchParams({ token: access }).toString(),
    });
    expect([res.status, res.headers.get('www-authenticate'), ((await res.json()) as { error: string }).error]).toEqual([
      401,
      'Basic realm="coder-mcp"',
      'invalid_client',
    ]);
    const noSecret = await flow.revoke({ ...client, method: 'none' }, access);
    expect([noSecret.status, JSON.parse(noSecret.body).error]).toEqual([401, 'invalid_client']);
    await expectWhoAmI(access);
  });
});

describe('refresh', () => {
  it('returns new tokens that work; Coder rotated, so the old refresh token (and the old access token) are spent', async () => {
    const { client, access, refresh } = await flow.tokensFor(person());
    const first = await flow.refresh(client, refresh);
    expect(first.status).toBe(200);
    const next = { access: String(first.json.access_token), refresh: String(first.json.refresh_token) };
    expect(next.access).toMatch(/^cmcp\.access\./);
    expect(next.refresh).toMatch(/^cmcp\.refresh\./);
    expect(next.access).not.toBe(access);
    await expectWhoAmI(next.access);

    const again = await flow.refresh(client, refresh);
    expect([again.status, again.json.error]).toEqual([400, 'invalid_grant']);
    await expectInvalidToken(await whoAmI(access), [access]);
    // The new refresh token is the one that works now.
    expect((await flow.refresh(client, next.refresh)).status).toBe(200);
  });

  it('a refresh token is bound to its client, its kind, its audience and its expiry', async () => {
    const { client, access, refresh } = await flow.tokensFor(person());
    const other = await flow.register();
    const inside = unseal(KEYS, 'refresh', refresh, refreshSchema);
    const attempts: [string, Registered, string][] = [
      ['another client', other, refresh],
      ['an access token', client, access],
      ['expired', client, forge(KEYS, 'refresh', { ...inside, exp: nowSeconds() - 1 })],
      ['another audience', client, forge(KEYS, 'refresh', { ...inside, aud: 'https://other.example/mcp' })],
      ['another issuer', client, forge(KEYS, 'refresh', { ...inside, iss: 'https://other.example' })],
      ['tampered', client, `${refresh.slice(0, -30)}${refresh.at(-30) === 'A' ? 'B' : 'A'}${refresh.slice(-29)}`],
    ];
    for (const [what, who, token] of attempts) {
      const res = await flow.refresh(who, token);
      expect([what, res.status, res.json.error]).toEqual([what, 400, 'invalid_grant']);
    }
    const wrongResource = await flow.refresh(client, refresh, { resource: 'https://other.example/mcp' });
    expect([wrongResource.status, wrongResource.json.error]).toEqual([400, 'invalid_target']);
    // Control: none of those spent it.
    expect((await flow.refresh(client, refresh)).status).toBe(200);
  });

  it('the MCP SDK client refreshes by itself when our access token expires, and the tool call succeeds', async () => {
    const user = stack.sim.addUser('refresher', 'member');
    stack.sim.setOAuth2AccessTokenLifetime(3_000);
    const provider = new MemoryOAuthProvider(loopback());
    const browser: BrowserStep = async (authorizationUrl, redirectUrl) => {
      const landing = await new Browser().visit(authorizationUrl, {
        stopAt: (u) => u.href.startsWith(redirectUrl),
        credentials: user,
        consent: 'approve',
      });
      return landing.url.href;
    };
    const client = await signInAndConnect(stack.mcpUrl, provider, browser);
    try {
      expect((await callTool(client, 'coder_get_authenticated_user')).text).toContain('refresher');
      const held = provider.stored;
      const exp = unseal(KEYS, 'access', held?.access_token ?? '', accessSchema).exp;
      expect(exp - nowSeconds()).toBeLessThanOrEqual(3);
      await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 100));
      await expectInvalidToken(
        await postMcp(stack, JSON.stringify(INIT_REQUEST), bearer(held?.access_token ?? '')),
        [],
      );

      const after = await callTool(client, 'coder_get_authenticated_user');
      expect(after.isError).toBe(false);
      expect(after.text).toContain('refresher');
      expect(provider.stored?.access_token).not.toBe(held?.access_token);
      expect(provider.stored?.refresh_token).not.toBe(held?.refresh_token);
    } finally {
      stack.sim.setOAuth2AccessTokenLifetime(undefined);
      await client.close();
    }
  }, 30_000);
});

describe('revocation', () => {
  it('revoking the access token: 200, Coder deleted the key, and the next call with it is 401 invalid_token', async () => {
    const user = stack.sim.addUser('revoker', 'member');
    const { client, access, refresh } = await flow.tokensFor(user);
    const res = await whoAmI(access);
    expect([res.status, await res.text()]).toEqual([200, expect.stringContaining('revoker')]);
    expect(stack.sim.oauth2Keys('revoker')).toHaveLength(1);

    const revoked = await flow.revoke(client, access);
    expect(revoked.status).toBe(200);
    expect(stack.sim.oauth2Keys('revoker')).toHaveLength(0);
    await expectInvalidToken(await whoAmI(access), [access]);
    // The refresh token went with the key.
    expect((await flow.refresh(client, refresh)).json.error).toBe('invalid_grant');
  });

  it('revocation takes effect at once here, even for a call that needs nothing from Coder (initialize)', async () => {
    const user = stack.sim.addUser('revoker2', 'member');
    const { client, access } = await flow.tokensFor(user);
    // A call a moment ago: the server remembers Coder accepted this token (MCP_AUTH_CACHE_MS).
    expect((await postMcp(stack, JSON.stringify(INIT_REQUEST), bearer(access))).status).toBe(200);
    expect((await flow.revoke(client, access)).status).toBe(200);
    await expectInvalidToken(await postMcp(stack, JSON.stringify(INIT_REQUEST), bearer(access)), [access]);
  });

  it('revoking the refresh token ends the access issued with it at once too, even for initialize', async () => {
    const { client, access, refresh } = await flow.tokensFor(stack.sim.addUser('revoker4', 'member'));
    expect((await postMcp(stack, JSON.stringify(INIT_REQUEST), bearer(access))).status).toBe(200);
    expect((await flow.revoke(client, refresh)).status).toBe(200);
    await expectInvalidToken(await postMcp(stack, JSON.stringify(INIT_REQUEST), bearer(access)), [access]);
  });

  it('revoking the refresh token ends the access token too', async () => {
    const { client, access, refresh } = await flow.tokensFor(stack.sim.addUser('revoker3', 'member'));
    expect((await flow.revoke(client, refresh)).status).toBe(200);
    await expectInvalidToken(await whoAmI(access), [access]);
    expect((await flow.refresh(client, refresh)).json.error).toBe('invalid_grant');
  });

  it("revoking garbage, or another client's token, answers 200 and revokes nothing; no token is invalid_request", async () => {
    const { client, access } = await flow.tokensFor(person());
    const stranger = await flow.register({ method: 'client_secret_post' });
    for (const token of ['garbage', `cmcp.access.k1.${randomBytes(60).toString('base64url')}`, access]) {
      expect((await flow.revoke(stranger, token)).status).toBe(200);
    }
    await expectWhoAmI(access);
    const empty = await flow.revoke(client, '');
    expect([empty.status, JSON.parse(empty.body).error]).toEqual([400, 'invalid_request']);
  });
});
