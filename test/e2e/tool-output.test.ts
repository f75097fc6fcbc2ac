/**
 * Every tool's declared result against its real results, through the MCP SDK client: after tools/list
 * the client checks each successful result's structuredContent against the tool's outputSchema and
 * throws on a mismatch (Client.callTool). The negative controls show that this check is on here and
 * would fail: the same client, with one outputSchema or one result altered on the wire, throws.
 * `search` and `fetch` send no structuredContent (as coderd) and so list no outputSchema; their text is
 * checked against their declared schema with the validator the SDK client uses.
 */
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { z } from 'zod';
import { toolsFor } from '../../lib/tools/registry';
import { connectClient, startStack, type Stack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ sim: { buildStepMs: 20 } });
});
afterAll(() => stack.close());

/** A successful call through the SDK client (which validated its structuredContent), with the text parsed. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = CallToolResultSchema.parse(await client.callTool({ name, arguments: args }));
  const first = result.content[0];
  const text = first?.type === 'text' ? first.text : '';
  if (result.isError) throw new Error(`${name} failed: ${text}`);
  return { json: JSON.parse(text) as unknown, structured: result.structuredContent };
}

const idOf = (value: unknown) => z.looseObject({ id: z.string() }).parse(value).id;

describe('every tool, called for real', () => {
  it('sends structuredContent that the SDK client validated against the listed outputSchema, equal to its JSON text', async () => {
    const client = await connectClient(stack, { token: stack.sim.demo.user.token });
    const { tools } = await client.listTools(); // This is what turns the client's output validation on.
    for (const t of tools)
      expect({ name: t.name, type: t.outputSchema?.type }).toEqual({ name: t.name, type: 'object' });
    const wrapped = new Set(
      tools
        .filter((t) => t.outputSchema?.required?.[0] === 'result' && 'result' in (t.outputSchema.properties ?? {}))
        .map((t) => t.name),
    );
    const called = new Set<string>();
    const run = async (name: string, args: Record<string, unknown> = {}) => {
      const { json, structured } = await call(client, name, args);
      // Objects go out as they are; arrays, null and strings inside {"result": ...} (lib/tools/output.ts).
      expect({ name, structured }).toEqual({ name, structured: wrapped.has(name) ? { result: json } : json });
      called.add(name);
      return json;
    };
    const { demo } = stack.sim;
    const home = stack.sim.pty.workspaceHome(demo.workspaceId);
    const WS = demo.workspaceName;
    try {
      await run('coder_get_authenticated_user');
      await run('coder_list_organizations');
      await run('coder_list_workspaces');
      await run('coder_get_workspace', { workspace_id: WS });
      await run('coder_list_templates');
      await run('coder_get_template', { template_id: demo.templateId });
      await run('coder_template_version_parameters', { template_version_id: demo.templateVersionId });
      await run('coder_get_workspace_agent_logs', { workspace_agent_id: demo.agentId });

      const { hash } = z
        .object({ hash: z.string() })
        .parse(await run('coder_upload_tar_file', { files: { 'main.tf': 'resource "null_resource" "x" {}\n' } }));
      const version = idOf(await run('coder_create_template_version', { file_id: hash }));
      await run('coder_get_template_version_logs', { template_version_id: version });
      const template = idOf(
        await run('coder_create_template', {
          name: 'outputs',
          display_name: 'Outputs',
          description: 'd',
          version_id: version,
        }),
      );
      await run('coder_update_template_active_version', { template_id: template, template_version_id: version });
      await run('coder_delete_template', { template_id: template });

      const ws = z.looseObject({ id: z.string(), latest_build: z.looseObject({ id: z.string() }) }).parse(
        await run('coder_create_workspace', {
          user: 'me',
          name: 'outputs',
          template_id: demo.templateId,
          rich_parameters: {},
        }),
      );
      await run('coder_get_workspace_build_logs', { workspace_build_id: ws.latest_build.id });
      await run('coder_create_workspace_build', { workspace_id: ws.id, transition: 'stop' });

      await run('coder_workspace_port_forward', { workspace: WS, port: 8080 });
      await run('coder_workspace_list_apps', { workspace: WS });
      await run('coder_workspace_bash', { workspace: WS, command: 'echo out' });
      const file = path.join(home, 'outputs.txt');
      await run('coder_workspace_write_file', {
        workspace: WS,
        path: file,
        content: Buffer.from('one two\n').toString('base64'),
      });
      await run('coder_workspace_read_file', { workspace: WS, path: file });
      await run('coder_workspace_ls', { workspace: WS, path: home });
      await run('coder_workspace_edit_file', {
        workspace: WS,
        path: file,
        edits: [{ old_text: 'one', new_text: '1' }],
      });
      await run('coder_workspace_edit_files', {
        workspace: WS,
        files: [{ path: file, edits: [{ old_text: 'two', new_text: '2' }] }],
      });

      // The other branch of the results that can be null.
      stack.sim.setAgentApps(demo.agentId, []);
      expect(await run('coder_workspace_list_apps', { workspace: WS })).toEqual({ apps: null });
      const stopped = z.looseObject({
        latest_build: z.looseObject({
          resources: z.array(z.looseObject({ agents: z.array(z.looseObject({ id: z.string() })) })),
        }),
      });
      const stoppedAgent = stopped.parse(await run('coder_get_workspace', { workspace_id: demo.stoppedWorkspaceId }))
        .latest_build.resources[0]?.agents[0]?.id;
      expect(await run('coder_get_workspace_agent_logs', { workspace_agent_id: stoppedAgent })).toBeNull();

      // The chat tools, against the simulator's chats API: a turn that leaves a file, and one that fails (last_error).
      stack.sim.chats.scriptNextTurn({ files: [{ name: 'out.md', mimeType: 'text/markdown', content: '# out\n' }] });
      const chat = idOf(await run('coder_create_chat', { prompt: 'outputs', labels: { suite: 'outputs' } }));
      await run('coder_await_chat', { chat_id: chat, wait_secs: 10 });
      const withFile = z
        .looseObject({ files: z.array(z.looseObject({ id: z.string() })) })
        .parse(await run('coder_get_chat', { chat_id: chat }));
      await run('coder_get_chat_messages', { chat_id: chat });
      await run('coder_download_chat_file', { file_id: withFile.files[0]?.id });
      await run('coder_list_chats', { labels: { suite: 'outputs' } });
      await run('coder_list_chat_model_configs');
      stack.sim.chats.scriptNextTurn({ fail: { message: 'The provider is overloaded.', kind: 'overloaded' } });
      await run('coder_send_chat_message', { chat_id: chat, text: 'fail this time' });
      expect(await run('coder_await_chat', { chat_id: chat, wait_secs: 10 })).toMatchObject({
        chat: { status: 'error', last_error: { message: 'The provider is overloaded.' } },
      });
      await run('coder_interrupt_chat', { chat_id: chat });
      await run('coder_archive_chat', { chat_id: chat });

      expect([...called].sort()).toEqual(tools.map((t) => t.name));
      expect([...wrapped].sort()).toEqual([
        'coder_get_template_version_logs',
        'coder_get_workspace_agent_logs',
        'coder_get_workspace_build_logs',
        'coder_list_organizations',
        'coder_list_templates',
        'coder_list_workspaces',
        'coder_template_version_parameters',
        'coder_update_template_active_version',
      ]);
    } finally {
      stack.sim.setAgentApps(demo.agentId, [
        { slug: 'code-server', display_name: 'VS Code Web', url: 'http://localhost:13337' },
      ]);
      await client.close();
    }
  });

  it('search and fetch answer in text only, which fits their declared result schema', async () => {
    const client = await connectClient(stack, { token: stack.sim.demo.user.token, query: '?toolset=chatgpt' });
    const ajv = new AjvJsonSchemaValidator();
    try {
      const { tools } = await client.listTools();
      for (const t of tools)
        expect({ name: t.name, outputSchema: t.outputSchema }).toEqual({ name: t.name, outputSchema: undefined });
      const chatgpt = toolsFor('chatgpt');
      const declared = new Map(
        chatgpt.map((t) => [t.name, ajv.getValidator(toJsonSchemaCompat(t.output, { pipeStrategy: 'output' }))]),
      );
      const check = async (name: string, args: Record<string, unknown>) => {
        const { json, structured } = await call(client, name, args);
        expect(structured).toBeUndefined();
        expect(declared.get(name)?.(json)).toMatchObject({ valid: true });
        expect(chatgpt.find((t) => t.name === name)?.output.safeParse(json).success).toBe(true);
        return json;
      };
      await check('search', { query: 'templates' });
      await check('search', { query: 'workspaces' });
      await check('fetch', { id: `workspace:${stack.sim.demo.workspaceId}` });
      await check('fetch', { id: `template:${stack.sim.demo.templateId}` });
      // The validator does refuse what does not match.
      expect(declared.get('fetch')?.({ id: 'x', title: 't', text: 1, url: 'u' })).toMatchObject({ valid: false });
    } finally {
      await client.close();
    }
  });
});

describe('outputSchema', () => {
  it("is what the SDK's McpServer would list for the same zod schema (draft-07, output types)", () => {
    for (const tool of toolsFor('standard')) {
      const declared = tool.output instanceof z.ZodObject ? tool.output : z.object({ result: tool.output });
      expect({ name: tool.name, schema: tool.outputSchema }).toEqual({
        name: tool.name,
        schema: toJsonSchemaCompat(declared, { pipeStrategy: 'output' }),
      });
    }
  });
});

/** A JSON-RPC answer from the server, changed before the SDK client reads it. */
type Rewrite = (method: string, answer: Record<string, unknown>) => void;

const rpcAnswer = z.looseObject({ result: z.looseObject({}).optional() });
const listAnswer = z.looseObject({
  result: z.looseObject({
    tools: z.array(
      z.looseObject({
        name: z.string(),
        outputSchema: z.looseObject({ properties: z.record(z.string(), z.unknown()) }).optional(),
      }),
    ),
  }),
});

async function tamperingClient(rewrite: Rewrite): Promise<Client> {
  const tamper: FetchLike = async (url, init) => {
    const res = await fetch(url, init);
    const method =
      typeof init?.body === 'string'
        ? z.looseObject({ method: z.string() }).safeParse(JSON.parse(init.body))
        : undefined;
    if (!method?.success || !res.headers.get('content-type')?.startsWith('application/json')) return res;
    const answer = rpcAnswer.parse(await res.json());
    rewrite(method.data.method, answer);
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    return new Response(JSON.stringify(answer), { status: res.status, headers });
  };
  const transport = new StreamableHTTPClientTransport(new URL(stack.mcpUrl), {
    fetch: tamper,
    requestInit: { headers: { authorization: `Bearer ${stack.sim.demo.user.token}` } },
  });
  const client = new Client({ name: 'tampering-tests', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Changes the structuredContent of every tools/call answer. */
const onResults =
  (change: (structured: Record<string, unknown>, result: Record<string, unknown>) => void): Rewrite =>
  (method, answer) => {
    const result = z.looseObject({ structuredContent: z.looseObject({}) }).safeParse(answer.result);
    if (method === 'tools/call' && result.success && answer.result) {
      change(result.data.structuredContent, result.data);
      answer.result = result.data;
    }
  };

describe("negative controls: the client's check is on and fails on a mismatch", () => {
  it('an outputSchema changed on the wire makes the real result fail, for that tool only', async () => {
    const client = await tamperingClient((method, answer) => {
      if (method !== 'tools/list') return;
      const list = listAnswer.parse(answer);
      const user = list.result.tools.find((t) => t.name === 'coder_get_authenticated_user');
      if (user?.outputSchema) user.outputSchema.properties.username = { type: 'number' };
      answer.result = list.result;
    });
    try {
      await client.listTools();
      await expect(client.callTool({ name: 'coder_get_authenticated_user', arguments: {} })).rejects.toThrow(
        /Structured content does not match the tool's output schema/,
      );
      await expect(call(client, 'coder_list_templates')).resolves.toBeDefined();
    } finally {
      await client.close();
    }
  });

  it('a result changed on the wire fails: a field missing, or no structuredContent at all', async () => {
    const missing = await tamperingClient(onResults((structured) => delete structured.username));
    const none = await tamperingClient(onResults((_s, result) => delete result.structuredContent));
    try {
      await missing.listTools();
      await expect(missing.callTool({ name: 'coder_get_authenticated_user', arguments: {} })).rejects.toThrow(McpError);
      await expect(missing.callTool({ name: 'coder_get_authenticated_user', arguments: {} })).rejects.toThrow(
        /does not match the tool's output schema/,
      );
      await none.listTools();
      await expect(
        none.callTool({
          name: 'coder_delete_template',
          arguments: { template_id: '6a0f1c1e-3f5b-4c41-9d3e-8f2b7a9d0c11' },
        }),
      ).resolves.toMatchObject({ isError: true });
      await expect(none.callTool({ name: 'coder_get_authenticated_user', arguments: {} })).rejects.toThrow(
        /has an output schema but did not return structured content/,
      );
    } finally {
      await missing.close();
      await none.close();
    }
  });

  it('without tools/list first the client checks nothing: the same altered result passes', async () => {
    const client = await tamperingClient(onResults((structured) => delete structured.username));
    try {
      await expect(call(client, 'coder_get_authenticated_user')).resolves.toMatchObject({
        structured: { id: stack.sim.demo.user.id },
      });
    } finally {
      await client.close();
    }
  });
});
