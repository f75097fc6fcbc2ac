/**
 * Sign in with Coder through the Lambda handler as API Gateway's REST API (payload v1) delivers it,
 * under the `prod` stage prefix: every request of ours is a REST event (query strings, form and JSON
 * bodies, base64 bodies, the cookie header), every answer a proxy result (Location, Set-Cookie in
 * multi-value headers); the browser's visit to Coder goes to the simulator's real provider. What the MCP
 * SDK client probes for an issuer with a path is taken from the SDK itself (`buildDiscoveryUrls`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildDiscoveryUrls } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  OAuthMetadataSchema,
  OpenIdProviderDiscoveryMetadataSchema,
  OAuthTokensSchema,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { clearVerified } from '../../lib/auth/verified';
import { parseConfig } from '../../lib/config';
import { makeHandler, type Handler } from '../../lib/handler';
import type { ProxyResult, RestResult } from '../../lib/http/results';
import { resetDiscovery } from '../../lib/oauth/upstream';
import { Browser } from '../helpers/browser';
import { startSimulator, type Simulator } from '../sim';

type Json = Record<string, unknown>;
const HOST = 'abcdef1234.execute-api.eu-west-1.amazonaws.com';
const BASE = `https://${HOST}/prod`;
const CLIENT_REDIRECT = 'http://127.0.0.1:33418/callback';

let sim: Simulator;
let handler: Handler;

beforeAll(async () => {
  sim = await startSimulator();
  const env = { CODER_URL: sim.url, MCP_OAUTH: 'true', MCP_OAUTH_KEYS: `k1:${randomBytes(32).toString('base64url')}` };
  handler = makeHandler(() => parseConfig(env));
});
afterAll(() => sim.close());
beforeEach(() => {
  clearVerified();
  resetDiscovery();
});

/** A REST API v1 event for `method path` under stage `prod`, as API Gateway builds it. */
function restEvent(opts: {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  base64?: boolean;
}): Json {
  const e = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'apigw-rest-v1.json'), 'utf8')) as Json;
  const headers: Record<string, string> = { Host: HOST, 'X-Forwarded-Proto': 'https', ...opts.headers };
  const ctx = e.requestContext as Json;
  return {
    ...e,
    resource: '/{proxy+}',
    httpMethod: opts.method,
    path: opts.path,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    requestContext: { ...ctx, path: `/prod${opts.path}`, httpMethod: opts.method },
    queryStringParameters: opts.query ?? null,
    multiValueQueryStringParameters: opts.query
      ? Object.fromEntries(Object.entries(opts.query).map(([k, v]) => [k, [v]]))
      : null,
    body: opts.body === undefined ? null : opts.base64 ? Buffer.from(opts.body).toString('base64') : opts.body,
    isBase64Encoded: opts.base64 === true,
  };
}

function header(res: ProxyResult, name: string): string[] {
  const r = res as RestResult;
  return r.multiValueHeaders[name] ?? [];
}

function bodyOf(res: ProxyResult): unknown {
  return JSON.parse(res.isBase64Encoded ? Buffer.from(res.body, 'base64').toString('utf8') : res.body) as unknown;
}

it('discovery: the challenge, the protected-resource metadata and the one metadata address the SDK probes that API Gateway routes to us', async () => {
  const challenged = await handler(
    restEvent({
      method: 'POST',
      path: '/mcp',
      headers: { 'Content-Type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    }),
  );
  expect(challenged.statusCode).toBe(401);
  expect(header(challenged, 'www-authenticate')[0]).toContain(
    `resource_metadata="${BASE}/.well-known/oauth-protected-resource"`,
  );

  const prm = await handler(restEvent({ method: 'GET', path: '/.well-known/oauth-protected-resource' }));
  expect(bodyOf(prm)).toMatchObject({ resource: `${BASE}/mcp`, authorization_servers: [BASE] });

  // For an issuer with a path, the SDK tries three addresses; behind a stage only those under /prod reach the function.
  const probes = buildDiscoveryUrls(BASE);
  const reachable = probes.filter((p) => p.url.host === HOST && p.url.pathname.startsWith('/prod/'));
  expect(reachable.map((p) => p.url.pathname)).toEqual(['/prod/.well-known/openid-configuration']);
  for (const probe of reachable) {
    const res = await handler(restEvent({ method: 'GET', path: probe.url.pathname.slice('/prod'.length) }));
    expect(res.statusCode).toBe(200);
    const doc =
      probe.type === 'oidc'
        ? OpenIdProviderDiscoveryMetadataSchema.parse(bodyOf(res))
        : OAuthMetadataSchema.parse(bodyOf(res));
    expect(doc).toMatchObject({
      issuer: BASE,
      token_endpoint: `${BASE}/oauth/token`,
      registration_endpoint: `${BASE}/oauth/register`,
    });
  }
});

it('the whole sign-in as REST events, then a tool call with the token', async () => {
  const registered = await handler(
    restEvent({
      method: 'POST',
      path: '/oauth/register',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Events',
        redirect_uris: [CLIENT_REDIRECT],
        token_endpoint_auth_method: 'client_secret_post',
      }),
    }),
  );
  expect(registered.statusCode).toBe(201);
  const client = bodyOf(registered) as { client_id: string; client_secret: string };

  const verifier = randomBytes(32).toString('base64url');
  const authorize = await handler(
    restEvent({
      method: 'GET',
      path: '/oauth/authorize',
      query: {
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: CLIENT_REDIRECT,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        state: 'client-state-1',
        resource: `${BASE}/mcp`,
      },
    }),
  );
  expect(authorize.statusCode).toBe(302);
  const toCoder = new URL(header(authorize, 'location')[0] ?? '');
  expect(`${toCoder.origin}${toCoder.pathname}`).toBe(`${sim.url}/oauth2/authorize`);
  expect(toCoder.searchParams.get('resource')).toBe(sim.url);
  expect(toCoder.searchParams.get('redirect_uri')).toBe(`${BASE}/oauth/callback`);
  const [cookie] = header(authorize, 'set-cookie');
  expect(cookie).toMatch(/^__Host-cmcp-[\w-]+=[\w-]+; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/);

  // The person signs in to Coder and consents; Coder sends the browser to our callback, which API Gateway turns into an event.
  const browser = new Browser();
  const landing = await browser.visit(toCoder, {
    stopAt: (u) => u.href.startsWith(`${BASE}/oauth/callback`),
    credentials: { email: sim.demo.user.email, password: sim.demo.user.password },
    consent: 'approve',
  });
  expect(landing.stopped).toBe(true);
  const callback = await handler(
    restEvent({
      method: 'GET',
      path: '/oauth/callback',
      query: Object.fromEntries(landing.url.searchParams),
      headers: { Cookie: (cookie ?? '').split(';')[0] ?? '' },
    }),
  );
  expect(callback.statusCode).toBe(302);
  expect(header(callback, 'set-cookie')[0]).toMatch(/Max-Age=0/);
  const back = new URL(header(callback, 'location')[0] ?? '');
  expect(`${back.origin}${back.pathname}`).toBe(CLIENT_REDIRECT);
  expect(back.searchParams.get('state')).toBe('client-state-1');
  expect(back.searchParams.get('iss')).toBe(BASE);

  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: back.searchParams.get('code') ?? '',
    redirect_uri: CLIENT_REDIRECT,
    code_verifier: verifier,
    client_id: client.client_id,
    client_secret: client.client_secret,
    resource: `${BASE}/mcp`,
  });
  const token = await handler(
    restEvent({
      method: 'POST',
      path: '/oauth/token',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      base64: true,
    }),
  );
  expect(token.statusCode).toBe(200);
  expect(header(token, 'cache-control')).toEqual(['no-store']);
  const tokens = OAuthTokensSchema.parse(bodyOf(token));

  const call = await handler(
    restEvent({
      method: 'POST',
      path: '/mcp',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: `Bearer ${tokens.access_token}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'coder_get_authenticated_user', arguments: {} },
      }),
    }),
  );
  expect(call.statusCode).toBe(200);
  const result = (bodyOf(call) as { result: { content: { text: string }[]; isError?: boolean } }).result;
  expect(result.isError).toBeFalsy();
  expect(JSON.parse(result.content[0]?.text ?? '{}')).toMatchObject({ username: sim.demo.user.username });
});
