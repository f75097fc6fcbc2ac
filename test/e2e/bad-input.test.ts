/**
 * Bad input gets a clear error and loses nothing: after each bad request the next good one is served.
 * Raw HTTP for what the SDK client would never send; the SDK client for the rest.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { refusal } from '../helpers/refusal';
import { callTool, connectClient, INIT_REQUEST, postMcp, startStack, type Stack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ env: { MCP_MAX_BODY_BYTES: String(64 * 1024) } });
});
afterAll(() => stack.close());

function auth(): Record<string, string> {
  return { authorization: `Bearer ${stack.sim.demo.user.token}` };
}

/** The proof that nothing was lost: a fresh SDK client lists the tools and calls one. */
async function stillServes(s: Stack = stack): Promise<void> {
  const client = await connectClient(s, { token: s.sim.demo.user.token });
  try {
    expect((await client.listTools()).tools.length).toBe(35);
    const me = await callTool(client, 'coder_get_authenticated_user');
    expect(me.isError).toBe(false);
  } finally {
    await client.close();
  }
}

describe('transport-level faults', () => {
  it('malformed JSON → 400 with a JSON-RPC parse error', async () => {
    const res = await postMcp(stack, '{"jsonrpc": "2.0", "id": 1, "method": ', auth());
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    await stillServes();
  });

  it('a JSON body that is not JSON-RPC → 400 invalid request', async () => {
    const res = await postMcp(stack, JSON.stringify({ hello: 'world' }), auth());
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: expect.any(Number) } });
    await stillServes();
  });

  it('wrong content type → 415', async () => {
    const res = await postMcp(stack, JSON.stringify(INIT_REQUEST), { ...auth(), 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    await stillServes();
  });

  it('oversized body → 413', async () => {
    const big = JSON.stringify({
      ...INIT_REQUEST,
      params: { ...INIT_REQUEST.params, padding: 'x'.repeat(100 * 1024) },
    });
    const res = await postMcp(stack, big, auth());
    expect(res.status).toBe(413);
    await stillServes();
  });

  it('a missing Accept header is tolerated like coderd does', async () => {
    const res = await fetch(stack.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth() },
      body: JSON.stringify(INIT_REQUEST),
    });
    expect(res.status).toBe(200);
  });

  it('a foreign browser Origin → 403', async () => {
    const res = await postMcp(stack, JSON.stringify(INIT_REQUEST), { ...auth(), origin: 'https://evil.example.com' });
    expect(res.status).toBe(403);
    expect(JSON.stringify(await res.json())).toContain('MCP_ALLOWED_ORIGINS');
    await stillServes();
  });
});

describe('tool-level faults', () => {
  it('unknown tool → JSON-RPC invalid params naming the tool', async () => {
    const client = await connectClient(stack, { token: stack.sim.demo.user.token });
    try {
      await expect(client.callTool({ name: 'coder_no_such_tool', arguments: {} })).rejects.toThrow(McpError);
      await expect(client.callTool({ name: 'coder_no_such_tool', arguments: {} })).rejects.toThrow(
        /unknown tool "coder_no_such_tool"/,
      );
    } finally {
      await client.close();
    }
    await stillServes();
  });

  it('wrong argument types and missing arguments say which argument and why, with the schema (coderd #28702)', async () => {
    const client = await connectClient(stack, { token: stack.sim.demo.user.token });
    try {
      const { tools } = await client.listTools();
      const schemaOf = (name: string) => tools.find((t) => t.name === name)?.inputSchema;
      const refused = async (name: string, args: Record<string, unknown>) => {
        const body = refusal(await callTool(client, name, args));
        expect(body.expectedSchema).toEqual(schemaOf(name));
        return body.error;
      };
      expect(await refused('coder_get_workspace', { workspace_id: 42 })).toBe(
        'invalid arguments: $/workspace_id: expected string, received number',
      );
      expect(await refused('coder_get_workspace', {})).toBe('invalid arguments: $/workspace_id: is required');
      expect(
        await refused('coder_create_workspace_build', {
          workspace_id: stack.sim.demo.workspaceId,
          transition: 'reboot',
        }),
      ).toMatch(/^invalid arguments: \$\/transition: .*"start"\|"stop"\|"delete"/);
      expect(await refused('coder_upload_tar_file', { files: { 'main.tf': 7 } })).toMatch(
        /^invalid arguments: \$\/files\/main\.tf: expected string/,
      );
    } finally {
      await client.close();
    }
    await stillServes();
  });
});

describe('credentials', () => {
  it('no token → 401 with a WWW-Authenticate challenge pointing at the metadata', async () => {
    const res = await postMcp(stack, JSON.stringify(INIT_REQUEST));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="coder", resource_metadata="${stack.server.url}/.well-known/oauth-protected-resource"`,
    );
    await stillServes();
  });

  it('a token Coder does not know → 401 invalid_token, and the token appears nowhere in the answer', async () => {
    const bogus = 'abcdefghij-ABCDEFGHIJKLMNOPQRSTUV';
    const res = await postMcp(stack, JSON.stringify(INIT_REQUEST), { authorization: `Bearer ${bogus}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const text = await res.text();
    expect(text).not.toContain(bogus);
    expect(text).toMatch(/sign in again/);
    await stillServes();
  });

  it('the Coder-Session-Token header works like a bearer token', async () => {
    const res = await postMcp(stack, JSON.stringify(INIT_REQUEST), {
      'coder-session-token': stack.sim.demo.user.token,
    });
    expect(res.status).toBe(200);
  });

  it('an expired token is refused even when it was accepted a moment before', async () => {
    const user = stack.sim.addUser('expiring', 'member');
    const client = await connectClient(stack, { token: user.token });
    expect((await callTool(client, 'coder_get_authenticated_user')).isError).toBe(false);
    stack.sim.expireToken(user.token);
    // Within the verification cache the request passes our check, so Coder's 401 from the tool turns the answer into a 401.
    await expect(client.callTool({ name: 'coder_get_authenticated_user', arguments: {} })).rejects.toThrow(
      /401|[Uu]nauthori[sz]ed/,
    );
    const res = await postMcp(stack, JSON.stringify(INIT_REQUEST), { authorization: `Bearer ${user.token}` });
    expect(res.status).toBe(401);
    await client.close().catch(() => undefined);
    await stillServes();
  });
});

describe('Coder misbehaving', () => {
  it("Coder answering 500 → an isError result with Coder's message", async () => {
    const client = await connectClient(stack, { token: stack.sim.demo.user.token });
    try {
      stack.sim.failNext({ method: 'GET', pathPrefix: '/api/v2/workspaces' }, 500, {
        message: 'Internal error fetching workspaces.',
        detail: 'db down',
      });
      const res = await callTool(client, 'coder_list_workspaces');
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(
        /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v2\/workspaces\?q=owner%3A%22me%22: unexpected status code 500: Internal error fetching workspaces\.\n\tError: db down$/,
      );
      stack.sim.failNext({ method: 'GET', pathPrefix: '/api/v2/templates' }, 502, '<html>bad gateway</html>');
      const html = await callTool(client, 'coder_list_templates');
      expect(html.text).toMatch(/unexpected status code 502: unexpected non-JSON response/);
      expect((await callTool(client, 'coder_list_workspaces')).isError).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('Coder unreachable → a clear isError result; requests keep being served', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = await startStack({ coderUrl: `http://127.0.0.1:${port}` });
    try {
      const client = await connectClient(down, { token: down.sim.demo.user.token });
      const res = await callTool(client, 'coder_list_workspaces');
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(/cannot reach Coder: .*ECONNREFUSED/);
      expect((await client.listTools()).tools.length).toBe(35);
      await client.close();
    } finally {
      await down.close();
    }
  });

  it('Coder accepting connections but never answering → bounded by the request timeout', async () => {
    const sockets: net.Socket[] = [];
    const hang = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const port = (hang.address() as AddressInfo).port;
    const slow = await startStack({ coderUrl: `http://127.0.0.1:${port}`, env: { CODER_REQUEST_TIMEOUT_MS: '300' } });
    try {
      const client = await connectClient(slow, { token: slow.sim.demo.user.token });
      const res = await callTool(client, 'coder_get_authenticated_user');
      expect(res).toMatchObject({ isError: true });
      expect(res.text).toMatch(/Coder did not answer within 300 ms/);
      await client.close();
    } finally {
      await slow.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  });

  it("a rejected service token is reported as the operator's problem, not the caller's", async () => {
    const svc = await startStack({ env: { CODER_SESSION_TOKEN: 'abcdefghij-ABCDEFGHIJKLMNOPQRSTUV' } });
    try {
      const res = await postMcp(svc, JSON.stringify(INIT_REQUEST));
      expect(res.status).toBe(502);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(await res.text()).toMatch(/CODER_SESSION_TOKEN/);
      await stillServes(svc);
    } finally {
      await svc.close();
    }
  });
});
