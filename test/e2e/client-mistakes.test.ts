/**
 * Client mistakes get the JSON-RPC error that names them: -32600 for a broken envelope, -32602 with one
 * readable sentence for bad params, -32700 for a body that is not UTF-8 JSON, and a JSON-RPC 413 for an
 * oversized body that the client actually receives. Raw HTTP for what the SDK client would never send.
 * Tool arguments that are not an object are the exception, as on coderd's go-sdk: the tool refuses them
 * with an `isError` result carrying the reason and its schema (coderd #28702).
 */
import http from 'node:http';
import { CallToolResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { refusal, type Refusal } from '../helpers/refusal';
import { connectClient, INIT_REQUEST, postMcp, startStack, type Stack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ env: { MCP_MAX_BODY_BYTES: String(64 * 1024) } });
});
afterAll(() => stack.close());

const auth = () => ({ authorization: `Bearer ${stack.sim.demo.user.token}` });

interface RpcAnswer {
  status: number;
  body: { jsonrpc?: string; id?: unknown; error?: { code: number; message: string }; result?: unknown };
}

async function rpc(message: unknown): Promise<RpcAnswer> {
  const res = await postMcp(stack, JSON.stringify(message), auth());
  return { status: res.status, body: (await res.json()) as RpcAnswer['body'] };
}

function call(params: unknown, id: number | string = 7): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'tools/call', params };
}

/** A readable sentence: no JSON dump of validation issues, no stack. */
function expectSentence(message: string | undefined): void {
  expect(message).toBeDefined();
  expect(message).not.toMatch(/[[{]/);
  expect((message ?? '').length).toBeLessThan(200);
}

describe('tools/call with bad request params → -32602 naming the field', () => {
  it.each([
    ['no name', { arguments: {} }, /params\.name is required/],
    ['a name that is not a string', { name: 42, arguments: {} }, /params\.name must be a string, not a number/],
    [
      'a name that is not a string, and arguments that are not an object',
      { name: 42, arguments: 'x' },
      /params\.name must be a string, not a number/,
    ],
  ])('%s', async (_what, params, expected) => {
    const { status, body } = await rpc(call(params));
    expect(status).toBe(200);
    expect(body).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32602 } });
    expect(body.error?.message).toMatch(/^Invalid params for tools\/call: /);
    expect(body.error?.message).toMatch(expected);
    expectSentence(body.error?.message);
  });

  it('through the SDK client as well', async () => {
    const client = await connectClient(stack, { token: stack.sim.demo.user.token });
    try {
      // The client's own types would refuse this; a loosely typed caller (or another SDK) sends it anyway.
      const sent = client.request({ method: 'tools/call', params: { name: 42, arguments: {} } }, CallToolResultSchema);
      await expect(sent).rejects.toThrow(McpError);
      await expect(
        client.request({ method: 'tools/call', params: { arguments: {} } }, CallToolResultSchema),
      ).rejects.toMatchObject({
        code: -32602,
        message: expect.stringMatching(/params\.name is required/),
      });
    } finally {
      await client.close();
    }
  });

  it('a call that asks for progress (answered as SSE) gets the same error on its stream', async () => {
    const res = await postMcp(
      stack,
      JSON.stringify(call({ name: 42, arguments: {}, _meta: { progressToken: 'p1' } })),
      auth(),
    );
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = (await res.text()).split('\n').find((line) => line.startsWith('data: {'));
    expect(JSON.parse(data?.slice('data: '.length) ?? 'null')).toMatchObject({
      id: 7,
      error: { code: -32602, message: expect.stringMatching(/params\.name must be a string, not a number/) },
    });
  });

  it('a batch answers each call on its own: the good one succeeds, the bad one gets -32602', async () => {
    const res = await postMcp(
      stack,
      JSON.stringify([call({ name: 'coder_get_authenticated_user', arguments: {} }, 1), call({ arguments: {} }, 2)]),
      auth(),
    );
    expect(res.status).toBe(200);
    const answers = (await res.json()) as RpcAnswer['body'][];
    const byId = new Map(answers.map((a) => [a.id, a]));
    expect(byId.get(1)).toMatchObject({ result: { content: [{ type: 'text' }] } });
    expect(byId.get(2)).toMatchObject({
      error: { code: -32602, message: expect.stringMatching(/params\.name is required/) },
    });
  });
});

/** The refusal a tool answers with (coderd/mcp/mcp.go since #28702): the reason, and the schema to follow. */
function refusalOf(result: unknown): Refusal {
  const parsed = CallToolResultSchema.parse(result);
  const first = parsed.content[0];
  return refusal({ isError: parsed.isError === true, text: first?.type === 'text' ? first.text : '' });
}

const NO_ARGUMENTS_SCHEMA = { type: 'object', properties: {}, additionalProperties: false };

describe('tools/call with arguments that are not an object → the tool refuses them, with its schema', () => {
  it.each([
    ['a string', 'x', 'string'],
    ['an array', [1], 'array'],
    ['null', null, 'null'],
    ['a number', 7, 'number'],
    ['a boolean', true, 'boolean'],
  ])('%s', async (_what, args, kind) => {
    const { status, body } = await rpc(call({ name: 'coder_get_authenticated_user', arguments: args }));
    expect(status).toBe(200);
    expect(body.error).toBeUndefined();
    expect(refusalOf(body.result)).toEqual({
      error: `invalid arguments: $: expected object, received ${kind}`,
      expectedSchema: NO_ARGUMENTS_SCHEMA,
    });
  });

  it('the schema is the one tools/list gives, and the SDK client receives the refusal as a result', async () => {
    const client = await connectClient(stack, { token: stack.sim.demo.user.token });
    try {
      const listed = (await client.listTools()).tools.find((t) => t.name === 'coder_get_workspace')?.inputSchema;
      expect(listed).toBeDefined();
      const result = await client.request(
        { method: 'tools/call', params: { name: 'coder_get_workspace', arguments: ['dev'] } },
        CallToolResultSchema,
      );
      expect(refusalOf(result)).toEqual({
        error: 'invalid arguments: $: expected object, received array',
        expectedSchema: listed,
      });
    } finally {
      await client.close();
    }
  });

  it('an unknown tool stays -32602, whatever its arguments (go-sdk looks the tool up first)', async () => {
    const { body } = await rpc(call({ name: 'coder_nope', arguments: 'x' }));
    expect(body.error).toEqual({ code: -32602, message: 'unknown tool "coder_nope"' });
  });

  it('a call that asks for progress gets the refusal as the result on its stream', async () => {
    const res = await postMcp(
      stack,
      JSON.stringify(call({ name: 'coder_get_authenticated_user', arguments: 'x', _meta: { progressToken: 'p1' } })),
      auth(),
    );
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = (await res.text()).split('\n').find((line) => line.startsWith('data: {'));
    const answer = JSON.parse(data?.slice('data: '.length) ?? 'null') as RpcAnswer['body'];
    expect(answer.id).toBe(7);
    expect(refusalOf(answer.result).error).toBe('invalid arguments: $: expected object, received string');
  });

  it('in a batch each call keeps its own arguments: the one without an object is refused, the others run', async () => {
    const batch = [
      call({ name: 'coder_get_authenticated_user', arguments: 'x' }, 1),
      call({ name: 'coder_get_authenticated_user', arguments: {} }, 2),
      call({ name: 'coder_get_authenticated_user' }, 3),
    ];
    const res = await postMcp(stack, JSON.stringify(batch), auth());
    const byId = new Map(((await res.json()) as RpcAnswer['body'][]).map((a) => [a.id, a]));
    expect(refusalOf(byId.get(1)?.result).error).toBe('invalid arguments: $: expected object, received string');
    for (const id of [2, 3]) {
      expect(byId.get(id)).toMatchObject({ result: { structuredContent: { username: stack.sim.demo.user.username } } });
      expect(byId.get(id)?.result).not.toHaveProperty('isError');
    }
  });
});

describe('initialize with malformed params → -32602 naming the field', () => {
  it.each([
    [
      'no protocolVersion',
      { capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      /params\.protocolVersion is required/,
    ],
    [
      'a clientInfo that is a string',
      { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: 'raw' },
      /params\.clientInfo must be an object, not a string/,
    ],
    [
      'a clientInfo without a name',
      { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { version: '1' } },
      /params\.clientInfo\.name is required/,
    ],
  ])('%s', async (_what, params, expected) => {
    const { status, body } = await rpc({ ...INIT_REQUEST, params });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 1, error: { code: -32602 } });
    expect(body.error?.message).toMatch(/^Invalid params for initialize: /);
    expect(body.error?.message).toMatch(expected);
    expectSentence(body.error?.message);
  });
});

describe('a broken envelope → 400 with -32600 naming what is wrong', () => {
  it.each([
    ['no jsonrpc member', { id: 1, method: 'tools/list' }, /"jsonrpc" must be "2\.0"/],
    ['jsonrpc 1.0', { jsonrpc: '1.0', id: 1, method: 'tools/list' }, /"jsonrpc" must be "2\.0"/],
    [
      'an id that is a boolean',
      { jsonrpc: '2.0', id: true, method: 'tools/list' },
      /"id" must be a string or an integer/,
    ],
    ['an id that is null', { jsonrpc: '2.0', id: null, method: 'tools/list' }, /"id" must be a string or an integer/],
    [
      'an id that is a fraction',
      { jsonrpc: '2.0', id: 1.5, method: 'tools/list' },
      /"id" must be a string or an integer/,
    ],
    ['a method that is not a string', { jsonrpc: '2.0', id: 1, method: 42 }, /"method" must be a string/],
    [
      'params that are an array',
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: [1] },
      /"params" must be an object/,
    ],
    ['a message that is not an object', 42, /must be a JSON object/],
    ['an empty batch', [], /empty batch/],
    [
      'a batch with a broken member',
      [
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { jsonrpc: '2.0', id: 2, method: 7 },
      ],
      /message 2 of the batch: "method" must be a string/,
    ],
  ])('%s', async (_what, message, expected) => {
    const { status, body } = await rpc(message);
    expect(status).toBe(400);
    expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
    expect(body.error?.message).toMatch(/^Invalid Request: /);
    expect(body.error?.message).toMatch(expected);
    expectSentence(body.error?.message);
  });
});

describe('unknown tools', () => {
  it('a very long unknown name is echoed cut to about 100 characters', async () => {
    const name = `coder_${'x'.repeat(5000)}`;
    const { body } = await rpc(call({ name, arguments: {} }));
    expect(body.error?.code).toBe(-32602);
    const message = body.error?.message ?? '';
    expect(message.length).toBeLessThan(140);
    expect(message).toMatch(/^unknown tool "coder_x+…"$/);
  });

  it('a short unknown name is echoed whole', async () => {
    const { body } = await rpc(call({ name: 'coder_nope', arguments: {} }));
    expect(body.error).toEqual({ code: -32602, message: 'unknown tool "coder_nope"' });
  });
});

describe('bodies', () => {
  it('a body that is not valid UTF-8 → 400 parse error', async () => {
    const text = JSON.stringify(call({ name: 'coder_get_authenticated_user', arguments: { note: 'AB' } }));
    const bytes = Buffer.from(text, 'utf8');
    const at = bytes.indexOf('AB');
    bytes[at] = 0xff;
    bytes[at + 1] = 0xfe;
    const res = await fetch(stack.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth() },
      body: bytes,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as RpcAnswer['body'];
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: expect.stringMatching(/not valid UTF-8/) },
    });
  });

  it('over MCP_MAX_BODY_BYTES → 413 with a JSON-RPC error', async () => {
    const big = JSON.stringify({
      ...INIT_REQUEST,
      params: { ...INIT_REQUEST.params, padding: 'x'.repeat(100 * 1024) },
    });
    const res = await postMcp(stack, big, auth());
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: expect.stringMatching(/^Request body too large: .*65536 bytes/) },
    });
  });

  it('over the gateway limit on the local server → 413 with a JSON-RPC error the client receives whole', async () => {
    const size = 10 * 1024 * 1024 + 4096;
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        stack.mcpUrl,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(size), ...auth() } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      // Sent in pieces, as a real client would, so the server sees the limit pass mid-body.
      const piece = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const write = () => {
        while (sent < size) {
          const n = Math.min(piece.length, size - sent);
          sent += n;
          if (!req.write(piece.subarray(0, n))) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: expect.stringMatching(/^Request body too large/) },
    });
  });
});
