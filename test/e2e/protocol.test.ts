/**
 * Protocol versions, browser origins and secrecy of tokens, through the local server: every protocol
 * version the SDK serves, CORS for an allowed origin, and no token in any log line or answer.
 */
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { callTool, connectClient, INIT_REQUEST, postMcp, startStack, type Stack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ allowOwnOrigin: true });
});
afterAll(() => stack.close());

const auth = () => ({ authorization: `Bearer ${stack.sim.demo.user.token}` });

it.each(SUPPORTED_PROTOCOL_VERSIONS)('negotiates protocol version %s and serves requests that carry it', async (version) => {
  const init = await postMcp(stack, JSON.stringify({ ...INIT_REQUEST, params: { ...INIT_REQUEST.params, protocolVersion: version } }), auth());
  expect(init.status).toBe(200);
  expect(await init.json()).toMatchObject({ result: { protocolVersion: version, serverInfo: { name: 'Coder' } } });
  const list = await postMcp(stack, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), { ...auth(), 'mcp-protocol-version': version });
  expect(list.status).toBe(200);
});

it('refuses a protocol version header it does not serve', async () => {
  const res = await postMcp(stack, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), { ...auth(), 'mcp-protocol-version': '1999-01-01' });
  expect(res.status).toBe(400);
  expect(await res.text()).toMatch(/Unsupported protocol version/);
});

it('answers an allowed browser origin with CORS headers, including the preflight', async () => {
  const origin = `http://127.0.0.1:${stack.server.port}`;
  const res = await postMcp(stack, JSON.stringify(INIT_REQUEST), { ...auth(), origin });
  expect(res.status).toBe(200);
  expect(res.headers.get('access-control-allow-origin')).toBe(origin);
  const pre = await fetch(stack.mcpUrl, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
  const foreign = await fetch(stack.mcpUrl, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com' } });
  expect(foreign.status).toBe(403);
});

const FILE_CONTENT = 'TOP-SECRET-FILE-CONTENT 42\n';

it('writes no token into logs or answers, and no file content into logs, during a session of calls', async () => {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  });
  const previous = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'debug';
  const answers: string[] = [];
  const token = stack.sim.demo.user.token;
  const bogus = 'abcdefghij-ZZZZZZZZZZZZZZZZZZZZZZ';
  try {
    const client = await connectClient(stack, { token });
    const file = `${stack.sim.pty.workspaceHome(stack.sim.demo.workspaceId)}/secret.txt`;
    for (const [name, args] of [
      ['coder_workspace_write_file', { workspace: 'dev', path: file, content: Buffer.from(FILE_CONTENT).toString('base64') }],
      ['coder_workspace_read_file', { workspace: 'dev', path: file }],
      ['coder_workspace_bash', { workspace: 'dev', command: `cat ${file}` }],
      ['coder_workspace_edit_file', { workspace: 'dev', path: file, edits: [{ search: 'FILE', replace: 'FILE2' }] }],
      ['coder_get_authenticated_user', {}],
      ['coder_list_workspaces', {}],
      ['coder_get_workspace', { workspace_id: 'no-such' }],
      ['coder_get_workspace_build_logs', { workspace_build_id: 'not-a-uuid' }],
    ] as const) {
      answers.push((await callTool(client, name, args)).text);
    }
    await client.close();
    answers.push(await (await postMcp(stack, JSON.stringify(INIT_REQUEST), { authorization: `Bearer ${bogus}` })).text());
  } finally {
    spy.mockRestore();
    process.env.LOG_LEVEL = previous;
  }
  expect(lines.length).toBeGreaterThan(3);
  expect(lines.some((l) => l.includes('"tool":"coder_workspace_bash"'))).toBe(true);
  expect(answers.some((a) => a.includes('TOP-SECRET-FILE-CONTENT 42'))).toBe(true);
  for (const line of lines) {
    expect(line).not.toContain('TOP-SECRET');
    expect(line).not.toContain(Buffer.from(FILE_CONTENT).toString('base64').slice(0, 16));
  }
  expect(lines.some((l) => l.includes('"message":"request"'))).toBe(true);
  for (const text of [...lines, ...answers]) {
    // Tool answers may echo the session token only if a tool returned it, which none does.
    expect(text).not.toContain(token);
    expect(text).not.toContain(bogus);
    expect(text).not.toContain(token.split('-')[1] ?? token);
  }
});
