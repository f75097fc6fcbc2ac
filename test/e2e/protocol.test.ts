/**
 * Protocol versions and browser origins through the local server: every protocol version the SDK
 * serves, and CORS for an allowed origin (log secrecy is in log-secrecy.test.ts).
 */
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { INIT_REQUEST, postMcp, startStack, type Stack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ allowOwnOrigin: true });
});
afterAll(() => stack.close());

const auth = () => ({ authorization: `Bearer ${stack.sim.demo.user.token}` });

it.each(SUPPORTED_PROTOCOL_VERSIONS)(
  'negotiates protocol version %s and serves requests that carry it',
  async (version) => {
    const init = await postMcp(
      stack,
      JSON.stringify({ ...INIT_REQUEST, params: { ...INIT_REQUEST.params, protocolVersion: version } }),
      auth(),
    );
    expect(init.status).toBe(200);
    expect(await init.json()).toMatchObject({ result: { protocolVersion: version, serverInfo: { name: 'Coder' } } });
    const list = await postMcp(stack, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), {
      ...auth(),
      'mcp-protocol-version': version,
    });
    expect(list.status).toBe(200);
  },
);

it('refuses a protocol version header it does not serve', async () => {
  const res = await postMcp(stack, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), {
    ...auth(),
    'mcp-protocol-version': '1999-01-01',
  });
  expect(res.status).toBe(400);
  expect(await res.text()).toMatch(/Unsupported protocol version/);
});

it('answers an allowed browser origin with CORS headers, including the preflight', async () => {
  const origin = `http://127.0.0.1:${stack.server.port}`;
  const res = await postMcp(stack, JSON.stringify(INIT_REQUEST), { ...auth(), origin });
  expect(res.status).toBe(200);
  expect(res.headers.get('access-control-allow-origin')).toBe(origin);
  const pre = await fetch(stack.mcpUrl, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST' },
  });
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
  const foreign = await fetch(stack.mcpUrl, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com' } });
  expect(foreign.status).toBe(403);
});
