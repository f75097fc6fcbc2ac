/**
 * The Lambda handler driven with events shaped as AWS sends them: API Gateway REST (payload v1), HTTP
 * API (payload v2) and Function URL, base64 bodies and stage prefixes included, against the simulator.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { clearVerified } from '../../lib/auth/verified';
import { parseConfig } from '../../lib/config';
import { makeHandler, type Handler } from '../../lib/handler';
import type { HttpResult, ProxyResult, RestResult } from '../../lib/http/results';
import { startSimulator, type Simulator } from '../sim';

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8')) as Json;
}

function rpc(method: string, params: Json = {}, id = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params });
}

const INIT = rpc('initialize', {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'events', version: '1' },
});

let sim: Simulator;
let handler: Handler;
let token: string;

beforeAll(async () => {
  sim = await startSimulator();
  token = sim.demo.user.token;
  handler = makeHandler(() => parseConfig({ CODER_URL: sim.url }));
});
afterAll(() => sim.close());
beforeEach(() => clearVerified());

/** REST API v1 event for `method path` under stage `prod`. */
function restEvent(opts: {
  method?: string;
  path?: string;
  body?: string;
  base64?: boolean;
  auth?: boolean;
  query?: Record<string, string>;
}): Json {
  const e = fixture('apigw-rest-v1.json');
  const p = opts.path ?? '/mcp';
  const headers = e.headers as Record<string, string>;
  const multi = e.multiValueHeaders as Record<string, string[]>;
  if (opts.auth !== false) {
    headers.Authorization = `Bearer ${token}`;
    multi.Authorization = [`Bearer ${token}`];
  }
  const ctx = e.requestContext as Json;
  return {
    ...e,
    httpMethod: opts.method ?? 'POST',
    path: p,
    requestContext: { ...ctx, path: `/prod${p}`, httpMethod: opts.method ?? 'POST' },
    queryStringParameters: opts.query ?? null,
    multiValueQueryStringParameters: opts.query
      ? Object.fromEntries(Object.entries(opts.query).map(([k, v]) => [k, [v]]))
      : null,
    body: opts.body === undefined ? null : opts.base64 ? Buffer.from(opts.body).toString('base64') : opts.body,
    isBase64Encoded: opts.base64 === true,
  };
}

/** HTTP API v2 (or Function URL) event. */
function v2Event(
  file: string,
  opts: { method?: string; rawPath?: string; body?: string; base64?: boolean; auth?: boolean; query?: string },
): Json {
  const e = fixture(file);
  const headers = { ...(e.headers as Record<string, string>) };
  if (opts.auth !== false) headers.authorization = `Bearer ${token}`;
  const ctx = e.requestContext as Json;
  const rawPath = opts.rawPath ?? (e.rawPath as string);
  return {
    ...e,
    rawPath,
    rawQueryString: opts.query ?? '',
    headers,
    requestContext: { ...ctx, http: { ...(ctx.http as Json), method: opts.method ?? 'POST', path: rawPath } },
    ...(opts.body === undefined ? {} : { body: opts.base64 ? Buffer.from(opts.body).toString('base64') : opts.body }),
    isBase64Encoded: opts.base64 === true,
  };
}

function bodyOf(result: ProxyResult): Json {
  const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
  return JSON.parse(text) as Json;
}

describe('API Gateway REST API (payload v1) with stage prefix', () => {
  it('initializes over a plain body and answers with multi-value headers', async () => {
    const res = (await handler(restEvent({ body: INIT }))) as RestResult;
    expect(res.statusCode).toBe(200);
    expect(res.multiValueHeaders['content-type']).toEqual([expect.stringContaining('application/json')]);
    expect(bodyOf(res)).toMatchObject({ result: { serverInfo: { name: 'Coder' } } });
  });

  it('accepts a base64-encoded body', async () => {
    const res = await handler(restEvent({ body: rpc('tools/list'), base64: true }));
    expect(res.statusCode).toBe(200);
    const tools = (bodyOf(res).result as { tools: { name: string }[] }).tools;
    expect(tools).toHaveLength(35);
  });

  it('selects the chatgpt toolset from the query and refuses unknown toolsets like coderd', async () => {
    const chat = await handler(restEvent({ body: rpc('tools/list'), query: { toolset: 'chatgpt' } }));
    expect((bodyOf(chat).result as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual([
      'fetch',
      'search',
    ]);
    const bad = await handler(restEvent({ body: rpc('tools/list'), query: { toolset: 'bogus' } }));
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad)).toEqual({ message: 'Invalid toolset: bogus' });
  });

  it('challenges a caller without a token with metadata under the stage prefix', async () => {
    const res = await handler(restEvent({ body: INIT, auth: false }));
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain(
      'resource_metadata="https://abcdef1234.execute-api.eu-west-1.amazonaws.com/prod/.well-known/oauth-protected-resource"',
    );
  });

  it('serves RFC 9728 metadata whose resource is the URL clients call', async () => {
    const res = await handler(restEvent({ method: 'GET', path: '/.well-known/oauth-protected-resource', auth: false }));
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toMatchObject({ resource: 'https://abcdef1234.execute-api.eu-west-1.amazonaws.com/prod/mcp' });
    // Sign-in is off here: no authorization server is named, and never Coder's (its tokens for our URL fail, docs/oauth.md).
    expect(bodyOf(res)).not.toHaveProperty('authorization_servers');
    const suffixed = await handler(
      restEvent({ method: 'GET', path: '/.well-known/oauth-protected-resource/mcp', auth: false }),
    );
    expect(bodyOf(suffixed)).toEqual(bodyOf(res));
  });

  it('answers GET and DELETE on /mcp with 405, unknown routes with 404 and /healthz with 200', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await handler(restEvent({ method }));
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
    }
    const missing = await handler(restEvent({ method: 'GET', path: '/nope' }));
    expect(missing.statusCode).toBe(404);
    expect(bodyOf(missing)).toEqual({ message: 'Route not found.' });
    const health = await handler(restEvent({ method: 'GET', path: '/healthz', auth: false }));
    expect(bodyOf(health)).toMatchObject({ status: 'ok' });
  });
});

describe('API Gateway HTTP API (payload v2) with stage prefix', () => {
  it('lists tools through a named stage', async () => {
    const res = (await handler(v2Event('apigw-http-v2.json', { body: rpc('tools/list') }))) as HttpResult;
    expect(res.statusCode).toBe(200);
    expect(res).not.toHaveProperty('multiValueHeaders');
    expect((bodyOf(res).result as { tools: unknown[] }).tools).toHaveLength(35);
  });

  it('calls a tool with a base64 body', async () => {
    const call = rpc('tools/call', { name: 'coder_get_authenticated_user', arguments: {} });
    const res = await handler(v2Event('apigw-http-v2.json', { body: call, base64: true }));
    const result = bodyOf(res).result as { content: { text: string }[]; isError?: boolean };
    expect(result.isError).toBeUndefined();
    expect(JSON.parse(result.content[0]?.text ?? '')).toMatchObject({ username: sim.demo.user.username });
  });

  it('routes the metadata and challenge under the stage', async () => {
    const meta = await handler(
      v2Event('apigw-http-v2.json', {
        method: 'GET',
        rawPath: '/prod/.well-known/oauth-protected-resource',
        auth: false,
      }),
    );
    expect(bodyOf(meta)).toMatchObject({ resource: 'https://r3pmxmplak.execute-api.us-east-2.amazonaws.com/prod/mcp' });
    const challenge = await handler(v2Event('apigw-http-v2.json', { body: INIT, auth: false }));
    expect(challenge.statusCode).toBe(401);
  });
});

describe('Lambda Function URL', () => {
  it('serves /mcp at the root with the chatgpt toolset from the raw query string', async () => {
    const res = await handler(v2Event('function-url.json', { body: rpc('tools/list'), query: 'toolset=chatgpt' }));
    expect((bodyOf(res).result as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual(['fetch', 'search']);
  });

  it('decodes a base64 body (Function URLs encode bodies they do not recognise as text)', async () => {
    const call = rpc('tools/call', { name: 'coder_get_authenticated_user', arguments: {} });
    const res = (await handler(v2Event('function-url.json', { body: call, base64: true }))) as HttpResult;
    expect(res.statusCode).toBe(200);
    const result = bodyOf(res).result as { content: { text: string }[] };
    expect(JSON.parse(result.content[0]?.text ?? '')).toMatchObject({ username: sim.demo.user.username });
  });

  it('puts the metadata URL at the origin when there is no prefix', async () => {
    const res = await handler(v2Event('function-url.json', { body: INIT, auth: false }));
    expect(res.headers['www-authenticate']).toContain(
      'resource_metadata="https://a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.lambda-url.us-east-2.on.aws/.well-known/oauth-protected-resource"',
    );
  });
});

describe('invocation limits', () => {
  it('answers a tool call with a deadline result when the Lambda has no time left', async () => {
    const call = rpc('tools/call', { name: 'coder_list_workspaces', arguments: {} });
    const res = await handler(v2Event('function-url.json', { body: call }), {
      awsRequestId: 'r',
      getRemainingTimeInMillis: () => 500,
    });
    const result = bodyOf(res).result as { content: { text: string }[]; isError?: boolean };
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/no time is left/);
  });

  it('refuses an event of an unknown shape with 400', async () => {
    const res = await handler({ hello: 'world' });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).message).toMatch(/unsupported event/);
  });
});
