/**
 * The product as users drive it: the official MCP SDK client over streamable HTTP against the local
 * server (Lambda handler behind the API Gateway v2 adapter) backed by the Coder simulator. Every
 * standard tool on its success path and at least one failure path.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';

const EXPECTED: Record<string, { cls: 'read' | 'mutation' | 'destructive'; required: string[] }> = {
  coder_create_template: { cls: 'mutation', required: ['name', 'display_name', 'description', 'version_id'] },
  coder_create_template_version: { cls: 'mutation', required: ['file_id'] },
  coder_create_workspace: { cls: 'mutation', required: ['user', 'name', 'rich_parameters'] },
  coder_create_workspace_build: { cls: 'destructive', required: ['workspace_id', 'transition'] },
  coder_delete_template: { cls: 'destructive', required: ['template_id'] },
  coder_get_authenticated_user: { cls: 'read', required: [] },
  coder_get_template: { cls: 'read', required: ['template_id'] },
  coder_get_template_version_logs: { cls: 'read', required: ['template_version_id'] },
  coder_get_workspace: { cls: 'read', required: ['workspace_id'] },
  coder_get_workspace_agent_logs: { cls: 'read', required: ['workspace_agent_id'] },
  coder_get_workspace_build_logs: { cls: 'read', required: ['workspace_build_id'] },
  coder_list_organizations: { cls: 'read', required: [] },
  coder_list_templates: { cls: 'read', required: [] },
  coder_list_workspaces: { cls: 'read', required: [] },
  coder_template_version_parameters: { cls: 'read', required: ['template_version_id'] },
  coder_update_template_active_version: { cls: 'mutation', required: ['template_id', 'template_version_id'] },
  coder_upload_tar_file: { cls: 'mutation', required: ['files'] },
  coder_workspace_bash: { cls: 'destructive', required: ['workspace', 'command'] },
  coder_workspace_edit_file: { cls: 'destructive', required: ['workspace', 'path', 'edits'] },
  coder_workspace_edit_files: { cls: 'destructive', required: ['workspace', 'files'] },
  coder_workspace_list_apps: { cls: 'mutation', required: ['workspace'] },
  coder_workspace_ls: { cls: 'mutation', required: ['workspace', 'path'] },
  coder_workspace_read_file: { cls: 'mutation', required: ['workspace', 'path'] },
  coder_workspace_write_file: { cls: 'destructive', required: ['workspace', 'path', 'content'] },
  coder_workspace_port_forward: { cls: 'mutation', required: ['workspace', 'port'] },
  // The chat tools (contract §1.3-§1.4), listed where Coder serves the chats API (the simulator does).
  coder_archive_chat: { cls: 'mutation', required: ['chat_id'] },
  coder_await_chat: { cls: 'read', required: ['chat_id'] },
  coder_create_chat: { cls: 'mutation', required: ['prompt'] },
  coder_download_chat_file: { cls: 'read', required: [] },
  coder_get_chat: { cls: 'read', required: ['chat_id'] },
  coder_get_chat_messages: { cls: 'read', required: ['chat_id'] },
  coder_interrupt_chat: { cls: 'mutation', required: ['chat_id'] },
  coder_list_chat_model_configs: { cls: 'read', required: [] },
  coder_list_chats: { cls: 'read', required: [] },
  coder_send_chat_message: { cls: 'mutation', required: ['chat_id', 'text'] },
};

// ls, read_file, port_forward and list_apps only read, but start a stopped workspace to do it: coderd now classes
// them as mutating, and so do we (read-only mode offers them as read-only with auto-start off: tool-surface.test.ts).
const CLASSES = {
  read: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  mutation: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  destructive: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
};

const MISSING_UUID = '6a0f1c1e-3f5b-4c41-9d3e-8f2b7a9d0c11';

let stack: Stack;
let client: Client;

beforeAll(async () => {
  stack = await startStack();
  client = await connectClient(stack, { token: stack.sim.demo.user.token });
});

afterAll(async () => {
  await client.close();
  await stack.close();
});

describe('initialize and tools/list', () => {
  it('identifies as Coder with its instructions', () => {
    expect(client.getServerVersion()?.name).toBe('Coder');
    expect(client.getServerVersion()?.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(client.getInstructions()).toBe('Coder MCP Server providing workspace and template management tools');
    expect(client.getServerCapabilities()?.tools).toBeDefined();
  });

  it('lists exactly the standard toolset, sorted, with coderd annotations and required arguments', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(Object.keys(EXPECTED).sort());
    for (const tool of tools) {
      const want = EXPECTED[tool.name];
      expect(want).toBeDefined();
      if (!want) continue;
      expect(tool.annotations).toEqual(CLASSES[want.cls]);
      expect([...(tool.inputSchema.required ?? [])].sort()).toEqual([...want.required].sort());
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.inputSchema.properties).toBeDefined();
      // coderd since #28702 (coderd/mcp/mcp.go): the arguments object is closed, nested objects are not.
      expect(tool.inputSchema.additionalProperties).toBe(false);
      expect(tool.inputSchema).not.toHaveProperty('$schema');
      expect(tool.description?.length).toBeGreaterThan(10);
    }
    const portForward = tools.find((t) => t.name === 'coder_workspace_port_forward');
    expect(portForward?.inputSchema.properties?.port).toMatchObject({ type: 'number' });
    const build = tools.find((t) => t.name === 'coder_create_workspace_build');
    expect(build?.inputSchema.properties?.transition).toMatchObject({ enum: ['start', 'stop', 'delete'] });
  });
});

describe('users and workspaces', () => {
  it('coder_get_authenticated_user returns the caller, with the trailing newline of Go JSON', async () => {
    const res = await callTool(client, 'coder_get_authenticated_user');
    expect(res.isError).toBe(false);
    expect(res.text.endsWith('\n')).toBe(true);
    expect(res.json()).toMatchObject({ id: stack.sim.demo.user.id, username: stack.sim.demo.user.username });
  });

  it('coder_list_workspaces lists minimal workspaces for me and for another owner', async () => {
    const mine = await callTool(client, 'coder_list_workspaces');
    expect(mine.isError).toBe(false);
    const list = mine.json() as Record<string, unknown>[];
    expect(list.map((w) => w.name)).toEqual(
      expect.arrayContaining([stack.sim.demo.workspaceName, stack.sim.demo.stoppedWorkspaceName]),
    );
    expect(Object.keys(list[0] ?? {}).sort()).toEqual(
      [
        'id',
        'name',
        'organization_id',
        'outdated',
        'template_active_version_id',
        'template_display_name',
        'template_icon',
        'template_id',
        'template_name',
      ].sort(),
    );
    const alices = await callTool(client, 'coder_list_workspaces', { owner: stack.sim.demo.member.username });
    expect(alices.json()).toEqual([]);
  });

  it('coder_get_workspace resolves a UUID, a name, owner/name and owner--name', async () => {
    const { workspaceId, workspaceName, user } = stack.sim.demo;
    for (const ref of [
      workspaceId,
      workspaceName,
      `${user.username}/${workspaceName}`,
      `${user.username}--${workspaceName}`,
    ]) {
      const res = await callTool(client, 'coder_get_workspace', { workspace_id: ref });
      expect(res.isError).toBe(false);
      expect(res.json()).toMatchObject({ id: workspaceId, name: workspaceName });
    }
  });

  it("coder_get_workspace reports an unknown workspace with Coder's message", async () => {
    const res = await callTool(client, 'coder_get_workspace', { workspace_id: 'no-such-workspace' });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(
      /unexpected status code 404: Resource not found or you do not have access to this resource/,
    );
  });

  it('coder_create_workspace creates from a template and the build finishes with logs', async () => {
    const res = await callTool(client, 'coder_create_workspace', {
      user: 'me',
      name: 'e2e-new',
      template_id: stack.sim.demo.templateId,
      rich_parameters: { region: 'us-east' },
    });
    expect(res.isError).toBe(false);
    const ws = res.json() as { id: string; name: string; latest_build: { id: string } };
    expect(ws.name).toBe('e2e-new');
    const logs = await callTool(client, 'coder_get_workspace_build_logs', { workspace_build_id: ws.latest_build.id });
    expect(logs.isError).toBe(false);
    expect(Array.isArray(logs.json())).toBe(true);
    expect((logs.json() as string[]).length).toBeGreaterThan(0);
    const after = await callTool(client, 'coder_get_workspace', { workspace_id: ws.id });
    expect(after.json()).toMatchObject({ latest_build: { status: 'running', job: { status: 'succeeded' } } });
  });

  it('coder_create_workspace refuses both or neither template ids, and bad UUIDs', async () => {
    const neither = await callTool(client, 'coder_create_workspace', { user: 'me', name: 'x', rich_parameters: {} });
    expect(neither).toMatchObject({
      isError: true,
      text: 'exactly one of template_id or template_version_id must be provided',
    });
    const bad = await callTool(client, 'coder_create_workspace', {
      user: 'me',
      name: 'x',
      rich_parameters: {},
      template_id: 'nope',
    });
    expect(bad).toMatchObject({ isError: true, text: 'template_id must be a valid UUID' });
  });

  it('coder_create_workspace_build stops and starts a workspace; preset with stop is refused', async () => {
    const created = await callTool(client, 'coder_create_workspace', {
      user: 'me',
      name: 'e2e-build',
      template_id: stack.sim.demo.templateId,
      rich_parameters: {},
    });
    const ws = created.json() as { id: string; latest_build: { id: string } };
    await callTool(client, 'coder_get_workspace_build_logs', { workspace_build_id: ws.latest_build.id });
    const stop = await callTool(client, 'coder_create_workspace_build', { workspace_id: ws.id, transition: 'stop' });
    expect(stop.isError).toBe(false);
    expect(stop.json()).toMatchObject({ transition: 'stop', workspace_id: ws.id });
    const misuse = await callTool(client, 'coder_create_workspace_build', {
      workspace_id: ws.id,
      transition: 'stop',
      template_version_preset_id: MISSING_UUID,
      rich_parameters: { a: 'b' },
    });
    expect(misuse.isError).toBe(true);
    expect(misuse.text.split('\n')).toHaveLength(2);
    const badTransition = await callTool(client, 'coder_create_workspace_build', {
      workspace_id: ws.id,
      transition: 'restart',
    });
    expect(badTransition.isError).toBe(true);
    expect(badTransition.text).toMatch(/transition/);
  });
});

describe('templates', () => {
  it('coder_list_templates, coder_get_template and coder_template_version_parameters', async () => {
    const list = await callTool(client, 'coder_list_templates');
    expect(list.isError).toBe(false);
    const [first] = list.json() as Record<string, unknown>[];
    expect(first).toMatchObject({
      id: stack.sim.demo.templateId,
      name: 'docker',
      active_version_id: stack.sim.demo.templateVersionId,
    });
    expect(first).toHaveProperty('active_user_count');

    const one = await callTool(client, 'coder_get_template', { template_id: stack.sim.demo.templateId });
    expect(one.isError).toBe(false);
    const detail = one.json() as {
      parameters: { name: string }[];
      presets?: { id: string; name: string; parameters: unknown[] }[];
    };
    expect(detail.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['region', 'cpu']));
    expect(detail.presets?.[0]).toMatchObject({
      id: expect.any(String),
      name: expect.any(String),
      parameters: expect.any(Array),
    });

    const params = await callTool(client, 'coder_template_version_parameters', {
      template_version_id: stack.sim.demo.templateVersionId,
    });
    expect((params.json() as { name: string }[]).map((p) => p.name)).toEqual(expect.arrayContaining(['region', 'cpu']));
  });

  it('reports unknown templates and malformed ids', async () => {
    const missing = await callTool(client, 'coder_get_template', { template_id: MISSING_UUID });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/404/);
    const malformed = await callTool(client, 'coder_template_version_parameters', { template_version_id: 'abc' });
    expect(malformed).toMatchObject({ isError: true, text: 'template_version_id must be a valid UUID' });
  });

  it('uploads a tar, imports a version, creates a template, promotes a version and deletes the template', async () => {
    const upload = await callTool(client, 'coder_upload_tar_file', {
      files: { 'main.tf': 'resource "coder_agent" "main" {}\n' },
    });
    expect(upload.isError).toBe(false);
    const { hash } = upload.json() as { hash: string };
    expect(hash).toMatch(/^[0-9a-f-]{36}$/);

    const version = await callTool(client, 'coder_create_template_version', { file_id: hash });
    expect(version.isError).toBe(false);
    const v1 = version.json() as { id: string };
    const logs = await callTool(client, 'coder_get_template_version_logs', { template_version_id: v1.id });
    expect(logs.isError).toBe(false);

    const template = await callTool(client, 'coder_create_template', {
      name: 'e2e-template',
      display_name: 'E2E',
      description: 'made by a test',
      version_id: v1.id,
    });
    expect(template.isError).toBe(false);
    const t = template.json() as { id: string; name: string };
    expect(t.name).toBe('e2e-template');

    const v2 = (
      await callTool(client, 'coder_create_template_version', { file_id: hash, template_id: t.id })
    ).json() as { id: string };
    await callTool(client, 'coder_get_template_version_logs', { template_version_id: v2.id });
    const promote = await callTool(client, 'coder_update_template_active_version', {
      template_id: t.id,
      template_version_id: v2.id,
    });
    expect(promote).toMatchObject({ isError: false, text: '"Successfully updated active version!"\n' });
    const check = (await callTool(client, 'coder_get_template', { template_id: t.id })).json() as {
      active_version_id: string;
    };
    expect(check.active_version_id).toBe(v2.id);

    const del = await callTool(client, 'coder_delete_template', { template_id: t.id });
    expect(del.json()).toEqual({ message: 'Template deleted successfully.' });
    const gone = await callTool(client, 'coder_get_template', { template_id: t.id });
    expect(gone.isError).toBe(true);
  });

  it('a template version without Terraform fails its import, and the logs say so', async () => {
    const { hash } = (
      await callTool(client, 'coder_upload_tar_file', { files: { 'README.md': '# nothing here' } })
    ).json() as { hash: string };
    const v = (await callTool(client, 'coder_create_template_version', { file_id: hash })).json() as { id: string };
    const logs = await callTool(client, 'coder_get_template_version_logs', { template_version_id: v.id });
    expect(logs.isError).toBe(false);
    const promote = await callTool(client, 'coder_create_template', {
      name: 'broken',
      display_name: 'B',
      description: 'd',
      version_id: v.id,
    });
    expect(promote.isError).toBe(true);
  });

  it("refuses template changes to a member with Coder's 403 text", async () => {
    const member = await connectClient(stack, { token: stack.sim.demo.member.token });
    try {
      const res = await callTool(member, 'coder_delete_template', { template_id: stack.sim.demo.templateId });
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(/unexpected status code 403/);
    } finally {
      await member.close();
    }
  });

  it('refuses to delete a template that workspaces still use', async () => {
    const res = await callTool(client, 'coder_delete_template', { template_id: stack.sim.demo.templateId });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/DELETE .*\/api\/v2\/templates\/.*unexpected status code/);
  });
});

describe('logs', () => {
  it('coder_get_workspace_agent_logs returns the startup output lines', async () => {
    const res = await callTool(client, 'coder_get_workspace_agent_logs', {
      workspace_agent_id: stack.sim.demo.agentId,
    });
    expect(res.isError).toBe(false);
    const lines = res.json() as string[];
    expect(lines.length).toBeGreaterThan(0);
    expect(typeof lines[0]).toBe('string');
  });

  it('log tools report unknown ids', async () => {
    for (const [name, arg] of [
      ['coder_get_workspace_agent_logs', 'workspace_agent_id'],
      ['coder_get_workspace_build_logs', 'workspace_build_id'],
      ['coder_get_template_version_logs', 'template_version_id'],
    ] as const) {
      const res = await callTool(client, name, { [arg]: MISSING_UUID });
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(/404/);
    }
  });
});

describe('apps and port forwarding', () => {
  it('coder_workspace_port_forward builds the wildcard app URL', async () => {
    const { workspaceName, agentName, user } = stack.sim.demo;
    const res = await callTool(client, 'coder_workspace_port_forward', { workspace: workspaceName, port: 3000 });
    expect(res.isError).toBe(false);
    expect(res.json()).toEqual({ url: `http://3000--${agentName}--${workspaceName}--${user.username}.apps.sim.local` });
  });

  it('coder_workspace_port_forward says when no app host is configured, and refuses fractional ports', async () => {
    stack.sim.setAppHost('');
    try {
      const res = await callTool(client, 'coder_workspace_port_forward', {
        workspace: stack.sim.demo.workspaceName,
        port: 3000,
      });
      expect(res).toMatchObject({ isError: true, text: 'no app host for forwarding has been configured' });
    } finally {
      stack.sim.setAppHost('*.apps.sim.local');
    }
    const frac = await callTool(client, 'coder_workspace_port_forward', {
      workspace: stack.sim.demo.workspaceName,
      port: 80.5,
    });
    expect(frac.isError).toBe(true);
    expect(frac.text).toMatch(/port: must be a whole number/);
  });

  it('coder_workspace_list_apps lists apps by display name or slug, with agent selection', async () => {
    const { workspaceName, agentName } = stack.sim.demo;
    const res = await callTool(client, 'coder_workspace_list_apps', { workspace: `${workspaceName}.${agentName}` });
    expect(res.isError).toBe(false);
    const { apps } = res.json() as { apps: { name: string; url: string }[] };
    expect(apps).toHaveLength(2);
    for (const app of apps) expect(app).toEqual({ name: expect.any(String), url: expect.any(String) });
    const wrongAgent = await callTool(client, 'coder_workspace_list_apps', { workspace: `${workspaceName}.nope` });
    expect(wrongAgent).toMatchObject({
      isError: true,
      text: `failed to find workspace: agent not found by name "nope", available agents: [${agentName}]`,
    });
  });

  it('auto-starts a stopped workspace before answering', async () => {
    const { stoppedWorkspaceName, stoppedWorkspaceId } = stack.sim.demo;
    const res = await callTool(client, 'coder_workspace_list_apps', { workspace: stoppedWorkspaceName });
    expect(res.isError).toBe(false);
    const ws = await callTool(client, 'coder_get_workspace', { workspace_id: stoppedWorkspaceId });
    expect(ws.json()).toMatchObject({ latest_build: { transition: 'start', status: 'running' } });
  });
});
