/**
 * Sign in with Coder, end to end: the MCP SDK client's own OAuth support against the local server
 * (the Lambda handler) in front of the simulator's port of Coder's OAuth2 provider, the person's part
 * done by a scripted browser (sign-in and consent on the simulator). Then a control-plane tool and a
 * workspace tool (through the pooled tunnel) run as that user.
 */
import { randomBytes } from 'node:crypto';
import { buildDiscoveryUrls } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Browser } from '../helpers/browser';
import { MemoryOAuthProvider, signInAndConnect, type BrowserStep } from '../helpers/oauth-client';
import { callTool, postMcp, INIT_REQUEST, startStack, type Stack } from '../helpers/stack';

const KEYS = `k1:${randomBytes(32).toString('base64url')}`;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ env: { MCP_OAUTH: 'true', MCP_OAUTH_KEYS: KEYS } });
});
afterAll(() => stack.close());

/** A person with their own browser, signed in to Coder as `user` when asked, approving consent. */
function person(user = stack.sim.demo.user, browser = new Browser()): BrowserStep {
  return async (authorizationUrl, redirectUrl) => {
    const landing = await browser.visit(authorizationUrl, {
      stopAt: (u) => u.href.startsWith(redirectUrl),
      credentials: { email: user.email, password: user.password },
      consent: 'approve',
    });
    if (!landing.stopped)
      throw new Error(
        `the browser stopped at ${landing.url.pathname} (${landing.status}): ${landing.body.slice(0, 300)}`,
      );
    return landing.url.href;
  };
}

function loopback(): string {
  return `http://127.0.0.1:${20_000 + Math.floor(Math.random() * 20_000)}/callback`;
}

async function whoAmI(client: Client): Promise<string> {
  const me = await callTool(client, 'coder_get_authenticated_user');
  expect(me.isError).toBe(false);
  return (me.json() as { username: string }).username;
}

it('a client signs in through the browser and then uses control-plane and workspace tools as that user', async () => {
  const { user, workspaceName } = stack.sim.demo;
  const provider = new MemoryOAuthProvider(loopback());
  const client = await signInAndConnect(stack.mcpUrl, provider, person(user));
  try {
    expect(await whoAmI(client)).toBe(user.username);
    const list = await callTool(client, 'coder_list_workspaces');
    expect(list.isError).toBe(false);
    expect((list.json() as { name: string }[]).map((w) => w.name)).toContain(workspaceName);

    // A workspace tool: a command in the user's running workspace, through the pooled tunnel.
    const ran = await callTool(client, 'coder_workspace_bash', {
      workspace: workspaceName,
      command: 'echo signed-in-$((20+22))',
      timeout_ms: 60_000,
    });
    expect(ran.text).toContain('signed-in-42');
    expect(ran.isError).toBe(false);
  } finally {
    await client.close();
  }
  // What the client holds is ours, not Coder's: the Coder key stays inside.
  expect(provider.stored?.access_token).toMatch(/^cmcp\.access\./);
  expect(provider.stored?.refresh_token).toMatch(/^cmcp\.refresh\./);
  const keys = stack.sim.oauth2Keys(user.username);
  expect(keys).toHaveLength(1);
  for (const key of keys) {
    expect(JSON.stringify(provider.stored)).not.toContain(key.keyId);
    expect(JSON.stringify(provider.client)).not.toContain(key.keyId);
  }
}, 120_000);

it("the flow that failed before works: our base is the authorization server, and the Coder token carries Coder's own URL as audience", async () => {
  const meta = await (await fetch(`${stack.server.url}/.well-known/oauth-protected-resource`)).json();
  // Before: authorization_servers named Coder, whose token for resource=<our URL> coderd then refused (403 audience).
  expect(meta).toMatchObject({ resource: stack.mcpUrl, authorization_servers: [stack.server.url] });
  expect(meta).not.toHaveProperty('authorization_servers', [stack.sim.url]);

  const bob = stack.sim.addUser('bob', 'member');
  const provider = new MemoryOAuthProvider(loopback());
  const client = await signInAndConnect(stack.mcpUrl, provider, person(bob));
  try {
    expect(await whoAmI(client)).toBe('bob');
  } finally {
    await client.close();
  }
  const keys = stack.sim.oauth2Keys('bob');
  expect(keys).toHaveLength(1);
  expect(keys[0]?.audience).toBe(stack.sim.url);
  // The token the old flow produced (Coder's, for our URL) is still refused by coderd, with the 401 that sends a client to sign in.
  const old = stack.sim.mintOAuth2Token('bob', stack.mcpUrl);
  expect((await postMcp(stack, JSON.stringify(INIT_REQUEST), { authorization: `Bearer ${old}` })).status).toBe(401);
}, 60_000);

it('two clients of the same user stay signed in side by side (one Coder app and key each)', async () => {
  const carol = stack.sim.addUser('carol', 'member');
  const appsBefore = stack.sim.oauth2Apps().dynamicallyRegistered;
  const desktop = new MemoryOAuthProvider(loopback(), 'none', 'Desktop');
  const editor = new MemoryOAuthProvider(loopback(), 'client_secret_basic', 'Editor');
  const first = await signInAndConnect(stack.mcpUrl, desktop, person(carol));
  const second = await signInAndConnect(stack.mcpUrl, editor, person(carol));
  try {
    expect(await whoAmI(second)).toBe('carol');
    // The first sign-in's Coder key survived the second one.
    expect(await whoAmI(first)).toBe('carol');
  } finally {
    await first.close();
    await second.close();
  }
  expect(stack.sim.oauth2Apps().dynamicallyRegistered - appsBefore).toBe(2);
  expect(new Set(stack.sim.oauth2Keys('carol').map((k) => k.appId)).size).toBe(2);
}, 60_000);

it('serves the metadata document at the address the SDK client probes for our issuer', async () => {
  const urls = buildDiscoveryUrls(stack.server.url);
  const doc = await fetch(urls[0]?.url ?? '');
  expect(doc.status).toBe(200);
  expect(await doc.json()).toMatchObject({
    issuer: stack.server.url,
    authorization_endpoint: `${stack.server.url}/oauth/authorize`,
    token_endpoint: `${stack.server.url}/oauth/token`,
    registration_endpoint: `${stack.server.url}/oauth/register`,
    code_challenge_methods_supported: ['S256'],
  });
});

it("answers browser-based clients (the MCP Inspector's page) with CORS on the cookie-free endpoints, and not on authorize", async () => {
  const origin = 'http://localhost:6274';
  const preflight = (path: string, method: string) =>
    fetch(`${stack.server.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'mcp-protocol-version, content-type',
      },
    });
  for (const [path, method] of [
    ['/.well-known/oauth-protected-resource', 'GET'],
    ['/.well-known/oauth-protected-resource/mcp', 'GET'],
    ['/.well-known/oauth-authorization-server', 'GET'],
    ['/.well-known/openid-configuration', 'GET'],
    ['/oauth/register', 'POST'],
    ['/oauth/token', 'POST'],
    ['/oauth/revoke', 'POST'],
  ] as const) {
    const res = await preflight(path, method);
    expect([path, res.status, res.headers.get('access-control-allow-origin')]).toEqual([path, 204, '*']);
    expect(res.headers.get('access-control-allow-methods')).toContain(method);
    expect(res.headers.get('access-control-allow-headers')).toContain('mcp-protocol-version');
  }
  for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-authorization-server']) {
    const res = await fetch(`${stack.server.url}${path}`, {
      headers: { origin, 'mcp-protocol-version': '2025-06-18' },
    });
    expect([path, res.status, res.headers.get('access-control-allow-origin')]).toEqual([path, 200, '*']);
  }
  // Authorize and the callback are navigations that set and read a cookie: no page may script them.
  const authorize = await preflight('/oauth/authorize', 'GET');
  expect(authorize.headers.get('access-control-allow-origin')).toBeNull();
});
