/**
 * Control over the tool surface, through the MCP SDK client: read-only mode and tool allow-lists chosen
 * by the request (URL or header) and by the operator (settings), where the request may tighten but never
 * loosen; unknown names are a 400 naming the known ones; read-only mode keeps the tools that read inside a
 * workspace but never starts a stopped one.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { captureOutput } from '../helpers/capture-output';
import { callTool, connectClient, INIT_REQUEST, postMcp, startStack, type Stack } from '../helpers/stack';
import { logLevel, setLogLevel } from '../../lib/log';

/** What read-only mode offers of the standard toolset: the read tools, and the reads that would otherwise start a workspace. */
const READ_ONLY_STANDARD = [
  'coder_await_chat',
  'coder_download_chat_file',
  'coder_get_authenticated_user',
  'coder_get_chat',
  'coder_get_chat_messages',
  'coder_get_template',
  'coder_get_template_version_logs',
  'coder_get_workspace',
  'coder_get_workspace_agent_logs',
  'coder_get_workspace_build_logs',
  'coder_list_chat_model_configs',
  'coder_list_chats',
  'coder_list_organizations',
  'coder_list_templates',
  'coder_list_workspaces',
  'coder_template_version_parameters',
  'coder_workspace_list_apps',
  'coder_workspace_ls',
  'coder_workspace_port_forward',
  'coder_workspace_read_file',
];
const STARTS_WORKSPACE = [
  'coder_workspace_list_apps',
  'coder_workspace_ls',
  'coder_workspace_port_forward',
  'coder_workspace_read_file',
];

let stack: Stack;
const open: Client[] = [];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await stack.close();
});

async function client(s: Stack, opts: { query?: string; headers?: Record<string, string> } = {}): Promise<Client> {
  const c = await connectClient(s, { token: s.sim.demo.user.token, ...opts });
  open.push(c);
  return c;
}

async function names(c: Client): Promise<string[]> {
  return (await c.listTools()).tools.map((t) => t.name);
}

describe('read-only mode', () => {
  it.each([
    ['the URL', { query: '?readonly=true' }],
    ['the header', { headers: { 'Coder-MCP-Read-Only': 'true' } }],
  ])('chosen by %s: only tools that change nothing, announced as such, in order', async (_how, opts) => {
    const c = await client(stack, opts);
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual(READ_ONLY_STANDARD);
    for (const t of tools) expect(t.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  });

  it('refuses a tool that changes things, saying why', async () => {
    const c = await client(stack, { query: '?readonly=true' });
    await expect(
      callTool(c, 'coder_workspace_bash', { workspace: stack.sim.demo.workspaceName, command: 'true' }),
    ).rejects.toThrow(/tool "coder_workspace_bash" changes things, and this request is read-only/);
  });

  it('reads inside a running workspace, and reports a stopped one without starting it', async () => {
    const c = await client(stack, { query: '?readonly=true' });
    const ls = await callTool(c, 'coder_workspace_ls', { workspace: stack.sim.demo.workspaceName, path: '/' });
    expect(ls.isError).toBe(false);
    const stopped = stack.sim.demo.stoppedWorkspaceName;
    for (const [tool, args] of [
      ['coder_workspace_ls', { path: '/' }],
      ['coder_workspace_read_file', { path: '/etc/hostname' }],
      ['coder_workspace_list_apps', {}],
      ['coder_workspace_port_forward', { port: 8080 }],
    ] as const) {
      const res = await callTool(c, tool, { workspace: stopped, ...args });
      expect([tool, res.isError, res.text]).toEqual([
        tool,
        true,
        expect.stringContaining(`workspace "${stopped}" is stopped; read-only mode does not start workspaces`),
      ]);
    }
    const ws = await callTool(c, 'coder_get_workspace', { workspace_id: stack.sim.demo.stoppedWorkspaceId });
    expect((ws.json() as { latest_build: { transition: string } }).latest_build.transition).toBe('stop');
  });

  it('is forced by the operator, and a request cannot turn it off', async () => {
    const forced = await startStack({ env: { MCP_READ_ONLY: 'true' } });
    try {
      for (const query of ['', '?readonly=false', '?readonly=0']) {
        expect(await names(await client(forced, { query }))).toEqual(READ_ONLY_STANDARD);
      }
    } finally {
      await forced.close();
    }
  });

  it('without it, the workspace reads are announced as mutating, as coderd classes them (they start a stopped workspace: progress.test.ts)', async () => {
    const { tools } = await (await client(stack)).listTools();
    for (const name of STARTS_WORKSPACE)
      expect([name, tools.find((t) => t.name === name)?.annotations]).toEqual([
        name,
        expect.objectContaining({ readOnlyHint: false, destructiveHint: false }),
      ]);
  });
});

describe('tool allow-lists', () => {
  it('from the URL or the header; both given, the tools in both', async () => {
    expect(await names(await client(stack, { query: '?tools=coder_list_workspaces,coder_get_workspace' }))).toEqual([
      'coder_get_workspace',
      'coder_list_workspaces',
    ]);
    expect(await names(await client(stack, { headers: { 'Coder-MCP-Tools': 'coder_workspace_bash' } }))).toEqual([
      'coder_workspace_bash',
    ]);
    const both = await client(stack, {
      query: '?tools=coder_list_workspaces,coder_get_workspace',
      headers: { 'Coder-MCP-Tools': 'coder_get_workspace,coder_workspace_bash' },
    });
    expect(await names(both)).toEqual(['coder_get_workspace']);
  });

  it('combines with read-only mode, and names a toolset for all its tools', async () => {
    expect(
      await names(await client(stack, { query: '?tools=coder_workspace_bash,coder_workspace_ls&readonly=true' })),
    ).toEqual(['coder_workspace_ls']);
    expect(await names(await client(stack, { query: '?toolset=chatgpt&tools=chatgpt' }))).toEqual(['fetch', 'search']);
    expect(await names(await client(stack, { query: '?tools=standard&readonly=1' }))).toEqual(READ_ONLY_STANDARD);
  });

  it('refuses a tool left out, saying why', async () => {
    const c = await client(stack, { query: '?tools=coder_list_workspaces' });
    await expect(callTool(c, 'coder_get_authenticated_user')).rejects.toThrow(
      /tool "coder_get_authenticated_user" is not among the tools this request may use/,
    );
  });

  it('set by the operator: a request can narrow it, never widen it', async () => {
    const narrowed = await startStack({ env: { MCP_ALLOWED_TOOLS: 'coder_list_workspaces,coder_get_workspace' } });
    try {
      expect(await names(await client(narrowed))).toEqual(['coder_get_workspace', 'coder_list_workspaces']);
      expect(await names(await client(narrowed, { query: '?tools=coder_get_workspace,coder_workspace_bash' }))).toEqual(
        ['coder_get_workspace'],
      );
      expect(await names(await client(narrowed, { query: '?toolset=chatgpt' }))).toEqual([]);
    } finally {
      await narrowed.close();
    }
  });

  it('an unknown name is a 400 that lists the known tools and toolsets', async () => {
    for (const [query, headers] of [
      ['?tools=coder_list_workspaces,coder_no_such_tool', {}],
      ['', { 'coder-mcp-tools': 'rm_rf' }],
    ] as const) {
      const res = await fetch(`${stack.mcpUrl}${query}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${stack.sim.demo.user.token}`,
          ...headers,
        },
        body: JSON.stringify(INIT_REQUEST),
      });
      expect(res.status).toBe(400);
      const { message } = (await res.json()) as { message: string };
      expect(message).toMatch(
        /^Invalid tool filter: unknown tool in the tool filter: "(coder_no_such_tool|rm_rf)"; known tools: coder_archive_chat, .*coder_workspace_write_file, fetch, search; toolsets: standard, chatgpt$/,
      );
    }
    const flag = await postMcp(stack, JSON.stringify(INIT_REQUEST), {
      authorization: `Bearer ${stack.sim.demo.user.token}`,
      'coder-mcp-read-only': 'yes please',
    });
    expect(flag.status).toBe(400);
    expect(await flag.json()).toEqual({
      message: 'Invalid tool filter: Coder-MCP-Read-Only must be true or false, got "yes please"',
    });
  });

  it("an unknown name in the operator's list is a configuration fault, named in the log", async () => {
    const broken = await startStack({ env: { MCP_ALLOWED_TOOLS: 'coder_list_workspace' } });
    const level = logLevel();
    setLogLevel('INFO');
    const out = captureOutput();
    try {
      const res = await postMcp(broken, JSON.stringify(INIT_REQUEST), {
        authorization: `Bearer ${broken.sim.demo.user.token}`,
      });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        message: 'Internal error.',
        detail: 'the server is misconfigured; see its logs',
      });
    } finally {
      out.restore();
      setLogLevel(level);
      await broken.close();
    }
    expect(out.all.join('')).toContain(
      'MCP_ALLOWED_TOOLS: unknown tool in the tool filter: \\"coder_list_workspace\\"',
    );
  });
});
