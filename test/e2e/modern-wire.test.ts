/**
 * MCP 2026-07-28 on the wire, raw HTTP against the local server: what a client that speaks it gets,
 * including what the SDK clients never send (headers that contradict the body, a revision we do not
 * serve, a modern header without the envelope, bad params), and that the 2025 answers did not change.
 */
import { postMcp, startStack, type Stack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  // Beats every 150 ms, so a short command reports progress.
  stack = await startStack({ allowOwnOrigin: true, env: { MCP_PROGRESS_INTERVAL_MS: '150' } });
});
afterAll(() => stack.close());

const REVISION = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': REVISION,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
};

const auth = () => ({ authorization: `Bearer ${stack.sim.demo.user.token}` });

/** A 2026-07-28 request as a client sends it: the envelope in `_meta` and the headers that repeat the body. */
function modern(method: string, params: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const name: Record<string, string> = typeof params.name === 'string' ? { 'mcp-name': params.name } : {};
  const meta = typeof params._meta === 'object' ? params._meta : {};
  const body = { jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: { ...ENVELOPE, ...meta } } };
  return postMcp(stack, JSON.stringify(body), {
    ...auth(),
    'mcp-protocol-version': REVISION,
    'mcp-method': method,
    ...name,
    ...headers,
  });
}

describe('what a 2026-07-28 client gets', () => {
  it('server/discover: the revision, capabilities without the 2025-only ones, instructions and cache hints', async () => {
    const res = await modern('server/discover');
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: Record<string, unknown> };
    expect(result).toMatchObject({
      supportedVersions: [REVISION],
      instructions: 'Coder MCP Server providing workspace and template management tools',
      resultType: 'complete',
      ttlMs: 300_000,
      cacheScope: 'private',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'Coder' } },
    });
    // No list ever changes while the server runs, and logging/setLevel is not in this revision.
    expect(result.capabilities).toEqual({ tools: {}, prompts: {} });
  });

  it('tools/list: the tools with a private cache hint', async () => {
    const res = await modern('tools/list');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: number; result: { tools: { name: string }[] } };
    expect(body).toMatchObject({ id: 7, result: { resultType: 'complete', ttlMs: 300_000, cacheScope: 'private' } });
    expect(body.result.tools.map((t) => t.name)).toContain('coder_get_authenticated_user');
  });

  it('tools/call: one request, no initialize, answered as JSON', async () => {
    const res = await modern('tools/call', { name: 'coder_get_authenticated_user', arguments: {} });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { result: { content: { text: string }[]; resultType: string } };
    expect(body.result.resultType).toBe('complete');
    expect(JSON.parse(body.result.content[0]?.text ?? '')).toMatchObject({ username: stack.sim.demo.user.username });
  });

  it('tools/call with progress: an SSE stream, notifications before the result', async () => {
    const raw = await modern('tools/call', {
      name: 'coder_workspace_bash',
      arguments: { workspace: 'dev', command: 'sleep 0.5; echo done' },
      _meta: { progressToken: 'p1' },
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await raw.text()).split('\n').filter((l) => l.startsWith('data: '));
    const messages = events.map((l) => JSON.parse(l.slice(6)) as { method?: string; id?: number });
    expect(messages[0]?.method).toBe('notifications/progress');
    expect(messages.at(-1)).toMatchObject({ id: 7, result: { resultType: 'complete' } });
  });

  it('params that miss the schema: -32602 with one sentence naming the field', async () => {
    const res = await modern('tools/call', { name: 5 }, { 'mcp-name': '5' });
    const body = (await res.json()) as { error: { code: number; message: string } };
    expect(body.error).toEqual({
      code: -32602,
      message: 'Invalid params for tools/call: params.name must be a string, not a number',
    });
  });

  it('arguments that are not an object: the tool refuses them with its schema, as for 2025 clients', async () => {
    const res = await modern('tools/call', { name: 'coder_get_workspace', arguments: 'dev' });
    const body = (await res.json()) as { result: { isError: boolean; content: { text: string }[] } };
    expect(body.result.isError).toBe(true);
    expect(JSON.parse(body.result.content[0]?.text ?? '')).toMatchObject({
      error: expect.stringMatching(/invalid arguments/),
      expectedSchema: { type: 'object' },
    });
  });

  it('an unknown tool: -32602', async () => {
    const res = await modern('tools/call', { name: 'coder_nope', arguments: {} });
    expect(((await res.json()) as { error: { code: number; message: string } }).error).toEqual({
      code: -32602,
      message: 'unknown tool "coder_nope"',
    });
  });

  it('no token: the same 401 and challenge as for 2025 clients', async () => {
    const res = await modern('tools/list', {}, { authorization: '' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('allows the new headers from an allowed browser origin', async () => {
    const pre = await fetch(stack.mcpUrl, {
      method: 'OPTIONS',
      headers: { origin: `http://127.0.0.1:${stack.server.port}`, 'access-control-request-method': 'POST' },
    });
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/mcp-method, mcp-name/);
  });
});

describe('what the spec refuses', () => {
  it('an Mcp-Name header that contradicts the body: 400, -32020', async () => {
    const res = await modern('tools/call', { name: 'coder_list_templates', arguments: {} }, { 'mcp-name': 'other' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
  });

  it('an Mcp-Method header that contradicts the body: 400, -32020', async () => {
    const res = await modern('tools/list', {}, { 'mcp-method': 'prompts/list' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
  });

  it('a revision it does not serve: 400, -32022, listing the revisions server/discover offers', async () => {
    const body = {
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/list',
      params: { _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
    };
    const res = await postMcp(stack, JSON.stringify(body), {
      ...auth(),
      'mcp-protocol-version': '2099-01-01',
      'mcp-method': 'tools/list',
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as {
      error: { code: number; data: { supported: string[]; requested: string } };
    };
    expect(error.code).toBe(-32022);
    expect(error.data).toEqual({ requested: '2099-01-01', supported: [REVISION] });
  });

  it('the 2026 header on a request without the envelope: 400, -32602', async () => {
    const res = await postMcp(stack, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} }), {
      ...auth(),
      'mcp-protocol-version': REVISION,
      'mcp-method': 'tools/list',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32602);
  });

  it('subscriptions/listen: refused at once, not a stream that would hold the invocation open', async () => {
    const res = await modern('subscriptions/listen', { notifications: { toolsListChanged: true } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ id: 7, error: { code: -32601 } });
  });
});

describe('2025 clients see no change', () => {
  it('tools/list without the envelope carries no 2026 fields', async () => {
    const res = await postMcp(stack, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), auth());
    const { result } = (await res.json()) as { result: Record<string, unknown> };
    expect(Object.keys(result)).toEqual(['tools']);
  });

  it('initialize announces the 2025 capabilities, coderd’s', async () => {
    const res = await postMcp(
      stack,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
      auth(),
    );
    const { result } = (await res.json()) as { result: { capabilities: unknown; protocolVersion: string } };
    expect(result.protocolVersion).toBe('2025-11-25');
    expect(result.capabilities).toEqual({ tools: { listChanged: true }, logging: {}, prompts: {} });
  });

  it('GET is still 405', async () => {
    const res = await fetch(stack.mcpUrl, { headers: auth() });
    expect(res.status).toBe(405);
  });
});
