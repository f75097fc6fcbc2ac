/**
 * Sign-in with Coder in the deployments that differ from the default, end to end over HTTP, one stack
 * each: Coder's OAuth2 provider off (CODER_OAUTH2_PROVIDER_ENABLE), Coder's dynamic client registration
 * off with and without an operator-registered app (MCP_OAUTH_UPSTREAM_CLIENT_ID), and raw Coder tokens
 * refused (MCP_ACCEPT_CODER_TOKENS=false).
 *
 * Discovery of Coder's provider is cached per container (lib/oauth/upstream.ts discoverProvider: 5 minutes
 * when found, 60 s when off), keyed by CODER_URL. Each stack here has its own simulator URL, so each starts
 * with nothing cached; a test that switches the provider on a running stack calls resetDiscovery(), as a
 * new container would, and says so.
 */
import { resetDiscovery } from '../../lib/oauth/upstream';
import { bearer, newKeys, OAuthFlow, toolCallBody } from '../helpers/oauth-flow';
import { Browser } from '../helpers/browser';
import { INIT_REQUEST, postMcp, startStack, type Stack, type StackOptions } from '../helpers/stack';

const KEYS = newKeys();

function useStack(opts: StackOptions): { stack: () => Stack; flow: () => OAuthFlow } {
  let stack: Stack | undefined;
  let flow: OAuthFlow | undefined;
  beforeAll(async () => {
    resetDiscovery();
    stack = await startStack({ ...opts, env: { MCP_OAUTH: 'true', MCP_OAUTH_KEYS: KEYS, ...opts.env } });
    flow = new OAuthFlow(stack);
  });
  afterAll(() => stack?.close());
  return { stack: () => started(stack), flow: () => started(flow) };
}

function started<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the stack did not start');
  return value;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function whoAmI(stack: Stack, headers: Record<string, string>): Promise<Response> {
  return postMcp(stack, toolCallBody('coder_get_authenticated_user'), headers);
}

describe("Coder's OAuth2 provider off", () => {
  const { stack, flow } = useStack({ sim: { oauth2: { enabled: false } } });

  it('the protected-resource metadata lists no authorization server', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const { status, body } = await getJson(`${stack().server.url}${path}`);
      expect(status).toBe(200);
      expect(body.resource).toBe(stack().mcpUrl);
      expect(body).not.toHaveProperty('authorization_servers');
    }
  });

  it('the authorization-server documents answer 404 naming CODER_OAUTH2_PROVIDER_ENABLE', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const { status, body } = await getJson(`${stack().server.url}${path}`);
      expect([path, status]).toEqual([path, 404]);
      expect(String(body.error_description)).toContain('CODER_OAUTH2_PROVIDER_ENABLE');
      expect(body).not.toHaveProperty('issuer');
    }
  });

  it('registration answers 503 temporarily_unavailable saying why', async () => {
    const res = await flow().registerRaw({
      client_name: 'x',
      redirect_uris: ['http://127.0.0.1:9/cb'],
      token_endpoint_auth_method: 'none',
    });
    expect(res.status).toBe(503);
    const body = JSON.parse(res.body) as { error: string; error_description: string };
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.error_description).toContain('CODER_OAUTH2_PROVIDER_ENABLE');
    expect(stack().sim.oauth2Apps().apps).toHaveLength(0);
  });

  it('a raw Coder token in Authorization still works for tools', async () => {
    const res = await whoAmI(stack(), bearer(stack().sim.demo.user.token));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(stack().sim.demo.user.username);
  });

  it('switched on and off on a running stack: seen once the cached discovery is renewed (resetDiscovery, as a new container)', async () => {
    const servers = async () =>
      (await getJson(`${stack().server.url}/.well-known/oauth-protected-resource`)).body.authorization_servers;
    stack().sim.setOAuth2Provider({ enabled: true });
    try {
      // The container found the provider off a moment ago and keeps that answer for 60 s.
      expect(await servers()).toBeUndefined();
      resetDiscovery();
      expect(await servers()).toEqual([stack().server.url]);
      const client = await flow().register();

      stack().sim.setOAuth2Provider({ enabled: false });
      // Found on, the answer is kept for 5 minutes.
      expect(await servers()).toEqual([stack().server.url]);
      resetDiscovery();
      expect(await servers()).toBeUndefined();
      // A client registered while it was on is sent back from authorize with the reason, not left at a dead end.
      const res = await flow().authorize(new Browser(), flow().authorizeUrl(client, { state: 's1' }));
      expect(res.status).toBe(302);
      const back = new URL(res.location ?? '');
      expect(`${back.origin}${back.pathname}`).toBe(client.redirectUri);
      expect([back.searchParams.get('error'), back.searchParams.get('state')]).toEqual([
        'temporarily_unavailable',
        's1',
      ]);
      expect(back.searchParams.get('error_description')).toContain('CODER_OAUTH2_PROVIDER_ENABLE');
    } finally {
      stack().sim.setOAuth2Provider({ enabled: false });
      resetDiscovery();
    }
  });
});

describe("Coder's dynamic registration off, with an operator-registered app", () => {
  let app: { clientId: string; clientSecret: string } | undefined;
  const { stack, flow } = useStack({
    sim: { oauth2: { registration: false } },
    // The app's redirect URI is our callback, whose port is known only once the server listens.
    lateEnv: ({ sim, serverUrl }) => {
      app = sim.createOAuth2App({ name: 'Coder MCP (operator)', redirectUri: `${serverUrl}/oauth/callback` });
      return { MCP_OAUTH_UPSTREAM_CLIENT_ID: app.clientId, MCP_OAUTH_UPSTREAM_CLIENT_SECRET: app.clientSecret };
    },
  });

  it('sign-in works through the operator app, and nothing is registered at Coder', async () => {
    const user = stack().sim.demo.user;
    const client = await flow().register({ method: 'client_secret_basic' });
    const started = await flow().authorize(new Browser(), flow().authorizeUrl(client));
    expect(new URL(started.location ?? '').searchParams.get('client_id')).toBe(app?.clientId);
    const { access } = await flow().tokensFor(user, { client });
    const res = await whoAmI(stack(), bearer(access));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(user.username);
    expect(stack().sim.oauth2Apps().dynamicallyRegistered).toBe(0);
    expect(
      stack()
        .sim.oauth2Keys(user.username)
        .map((k) => k.appId),
    ).toEqual([app?.clientId]);
  });

  it("the documented limit: a second client of the same user evicts the first client's Coder key (one key per user and app)", async () => {
    const user = stack().sim.addUser('two-clients', 'member');
    const first = await flow().tokensFor(user);
    expect((await whoAmI(stack(), bearer(first.access))).status).toBe(200);
    const second = await flow().tokensFor(user);
    expect((await whoAmI(stack(), bearer(second.access))).status).toBe(200);

    const evicted = await whoAmI(stack(), bearer(first.access));
    expect(evicted.status).toBe(401);
    expect(evicted.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // The first client cannot refresh its way back either: its Coder refresh token went with the key.
    expect((await flow().refresh(first.client, first.refresh)).json.error).toBe('invalid_grant');
    expect(stack().sim.oauth2Keys('two-clients')).toHaveLength(1);
  });

  it('one Coder app for every client: a code, a refresh token or a revocation of one client is still refused to another', async () => {
    // Coder cannot tell our clients apart here (they all act as the operator's app), so these checks are ours alone.
    const user = stack().sim.addUser('shared-app', 'member');
    const owner = await flow().register();
    const stranger = await flow().register({ method: 'client_secret_post' });
    const { code, verifier } = await flow().signIn(owner, user);
    const stolen = await flow().redeem({ ...stranger, redirectUri: owner.redirectUri }, code, verifier);
    expect([stolen.status, stolen.json.error]).toEqual([400, 'invalid_grant']);
    const redeemed = await flow().redeem(owner, code, verifier);
    expect(redeemed.status).toBe(200);
    const access = String(redeemed.json.access_token);
    const refresh = String(redeemed.json.refresh_token);

    const refreshed = await flow().refresh(stranger, refresh);
    expect([refreshed.status, refreshed.json.error]).toEqual([400, 'invalid_grant']);
    expect((await flow().revoke(stranger, access)).status).toBe(200);
    expect((await flow().revoke(stranger, refresh)).status).toBe(200);
    expect((await whoAmI(stack(), bearer(access))).status).toBe(200);
    // Control: the owner can do all of it.
    expect((await flow().refresh(owner, refresh)).status).toBe(200);
  });
});

describe("Coder's dynamic registration off, and no operator app", () => {
  const { stack, flow } = useStack({ sim: { oauth2: { registration: false } } });

  it('registration answers 503 naming MCP_OAUTH_UPSTREAM_CLIENT_ID', async () => {
    const res = await flow().registerRaw({
      client_name: 'x',
      redirect_uris: ['http://127.0.0.1:9/cb'],
      token_endpoint_auth_method: 'none',
    });
    expect(res.status).toBe(503);
    const body = JSON.parse(res.body) as { error: string; error_description: string };
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.error_description).toContain('MCP_OAUTH_UPSTREAM_CLIENT_ID');
    // Control: the provider itself is on, so the metadata still names us.
    expect((await getJson(`${stack().server.url}/.well-known/oauth-authorization-server`)).status).toBe(200);
  });
});

describe('MCP_ACCEPT_CODER_TOKENS=false', () => {
  const { stack, flow } = useStack({ env: { MCP_ACCEPT_CODER_TOKENS: 'false' } });

  it('a raw Coder token is refused with a 401 saying only our tokens are accepted', async () => {
    const token = stack().sim.demo.user.token;
    // The token is good at Coder itself.
    expect(
      (await fetch(`${stack().sim.url}/api/v2/users/me`, { headers: { 'coder-session-token': token } })).status,
    ).toBe(200);
    for (const headers of [bearer(token), { 'coder-session-token': token }]) {
      for (const body of [JSON.stringify(INIT_REQUEST), toolCallBody('coder_get_authenticated_user')]) {
        const res = await postMcp(stack(), body, headers);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
        const text = await res.text();
        expect(text).toContain('accepts only the tokens it issues');
        expect(text).not.toContain(token);
      }
    }
  });

  it('no token: the 401 asks for an OAuth sign-in only', async () => {
    const res = await postMcp(stack(), JSON.stringify(INIT_REQUEST));
    expect(res.status).toBe(401);
    const message = ((await res.json()) as { error: { message: string } }).error.message;
    expect(message).toBe('Unauthorized: sign in with OAuth');
  });

  it('our token works', async () => {
    const { access } = await flow().tokensFor(stack().sim.demo.user);
    const res = await whoAmI(stack(), bearer(access));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(stack().sim.demo.user.username);
  });
});
