/**
 * Details of coderd's toolset that prompts written for Coder rely on, through the MCP SDK client and
 * the local server: every argument of every tool with its JSON type, closed argument objects and the
 * invalid-arguments answer (coderd #28702), a sorted and stable tools/list, the `null` and left-out
 * cases of result JSON, the version, failure paths not covered elsewhere, and the auto-start rules
 * (contract §1.4-§1.5, §2.2, §8).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { refusal } from '../helpers/refusal';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';

const S = 'string';
const I = 'integer';
const B = 'boolean';
const O = 'object';
const A = 'array';

/** Contract §1.4-§1.5, HEAD: the properties of each tool's input schema and their JSON types. */
const ARGUMENTS: Record<string, Record<string, string>> = {
  coder_create_template: { name: S, display_name: S, description: S, version_id: S, icon: S, organization_id: S },
  coder_create_template_version: { file_id: S, template_id: S, organization_id: S },
  coder_create_workspace: {
    user: S,
    name: S,
    rich_parameters: O,
    template_id: S,
    template_version_id: S,
    template_version_preset_id: S,
    organization_id: S,
  },
  coder_create_workspace_build: {
    workspace_id: S,
    transition: S,
    template_version_id: S,
    template_version_preset_id: S,
    rich_parameters: O,
  },
  coder_delete_template: { template_id: S },
  coder_get_authenticated_user: {},
  coder_get_template: { template_id: S },
  coder_get_template_version_logs: { template_version_id: S },
  coder_get_workspace: { workspace_id: S },
  coder_get_workspace_agent_logs: { workspace_agent_id: S },
  coder_get_workspace_build_logs: { workspace_build_id: S },
  coder_list_organizations: {},
  coder_list_templates: { organization_id: S },
  coder_list_workspaces: { owner: S },
  coder_template_version_parameters: { template_version_id: S },
  coder_update_template_active_version: { template_id: S, template_version_id: S },
  coder_upload_tar_file: { files: O },
  coder_workspace_bash: { workspace: S, command: S, timeout_ms: I, background: B },
  coder_workspace_edit_file: { workspace: S, path: S, edits: A },
  coder_workspace_edit_files: { workspace: S, files: A },
  coder_workspace_list_apps: { workspace: S },
  coder_workspace_ls: { workspace: S, path: S },
  coder_workspace_port_forward: { workspace: S, port: 'number' },
  coder_workspace_read_file: { workspace: S, path: S, offset: I, limit: I },
  coder_workspace_write_file: { workspace: S, path: S, content: S },
  coder_archive_chat: { chat_id: S },
  coder_await_chat: { chat_id: S, wait_secs: I },
  coder_create_chat: { prompt: S, organization_id: S, model_config_id: S, labels: O },
  coder_download_chat_file: { file_id: S, chat_id: S, file_name: S },
  coder_get_chat: { chat_id: S },
  coder_get_chat_messages: { chat_id: S, limit: I, before_id: I, after_id: I },
  coder_interrupt_chat: { chat_id: S },
  coder_list_chat_model_configs: {},
  coder_list_chats: { labels: O, query: S, limit: I },
  coder_send_chat_message: { chat_id: S, text: S, busy_behavior: S },
};

const MISSING_UUID = '0b7e2f4c-5d1a-4e8b-9c3f-2a6d8e1f4b70';

let stack: Stack;
let client: Client;

beforeAll(async () => {
  stack = await startStack({ sim: { buildStepMs: 40 } });
  client = await connectClient(stack, { token: stack.sim.demo.user.token });
});

afterAll(async () => {
  await client.close();
  await stack.close();
});

const json = async (name: string, args: Record<string, unknown> = {}) => {
  const res = await callTool(client, name, args);
  if (res.isError) throw new Error(`${name} failed: ${res.text}`);
  return res.json();
};

/** A new workspace from the demo template, its first build finished. */
async function newWorkspace(name: string): Promise<{ id: string; name: string }> {
  const ws = (await json('coder_create_workspace', {
    user: 'me',
    name,
    template_id: stack.sim.demo.templateId,
    rich_parameters: {},
  })) as {
    id: string;
    name: string;
    latest_build: { id: string };
  };
  await json('coder_get_workspace_build_logs', { workspace_build_id: ws.latest_build.id });
  return ws;
}

async function build(workspaceId: string, transition: 'start' | 'stop' | 'delete'): Promise<string> {
  const b = (await json('coder_create_workspace_build', { workspace_id: workspaceId, transition })) as { id: string };
  return b.id;
}

describe('schemas and identity', () => {
  it("gives every tool exactly coderd's argument names and JSON types", async () => {
    const { tools } = await client.listTools();
    for (const tool of tools) {
      const props = (tool.inputSchema.properties ?? {}) as Record<string, { type?: string }>;
      const types = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.type]));
      expect({ tool: tool.name, types }).toEqual({ tool: tool.name, types: ARGUMENTS[tool.name] });
    }
    const bash = tools.find((t) => t.name === 'coder_workspace_bash');
    expect(bash?.inputSchema.properties?.timeout_ms).toMatchObject({ default: 60000, minimum: 1 });
  });

  it('lists the tools sorted by name, the same list for every request, in both toolsets', async () => {
    for (const query of ['', '?toolset=chatgpt']) {
      const lists: string[] = [];
      for (let i = 0; i < 3; i++) {
        const other = await connectClient(stack, { token: stack.sim.demo.user.token, query });
        try {
          const { tools } = await other.listTools();
          const names = tools.map((t) => t.name);
          expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
          lists.push(JSON.stringify(tools));
        } finally {
          await other.close();
        }
      }
      expect(new Set(lists).size).toBe(1);
    }
  });

  it('reports the version from package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(client.getServerVersion()?.version).toBe(pkg.version);
  });
});

describe('closed argument objects (coderd #28702: additionalProperties false, enforced)', () => {
  it('every tool advertises additionalProperties: false and refuses a property it does not name, with its schema', async () => {
    for (const query of ['', '?toolset=chatgpt']) {
      const c = await connectClient(stack, { token: stack.sim.demo.user.token, query });
      try {
        const { tools } = await c.listTools();
        for (const tool of tools) {
          expect({ tool: tool.name, additionalProperties: tool.inputSchema.additionalProperties }).toEqual({
            tool: tool.name,
            additionalProperties: false,
          });
          const body = refusal(await callTool(c, tool.name, { not_an_argument: 1 }));
          expect(body.error).toMatch(
            /^invalid arguments: (.*; )?\$: unknown property "not_an_argument" \(additionalProperties is false\)/,
          );
          expect(body.expectedSchema).toEqual(tool.inputSchema);
        }
      } finally {
        await c.close();
      }
    }
  });

  it('refuses before doing anything: a build with an extra property is not started', async () => {
    const ws = await newWorkspace('extra-property');
    const before = (await json('coder_get_workspace', { workspace_id: ws.id })) as { latest_build: { id: string } };
    const res = await callTool(client, 'coder_create_workspace_build', {
      workspace_id: ws.id,
      transition: 'stop',
      force: true,
    });
    expect(refusal(res).error).toBe('invalid arguments: $: unknown property "force" (additionalProperties is false)');
    const after = (await json('coder_get_workspace', { workspace_id: ws.id })) as {
      latest_build: { id: string; transition: string };
    };
    expect(after.latest_build).toMatchObject({ id: before.latest_build.id, transition: 'start' });
    // Control: the same call without the extra property does start a build.
    expect(await build(ws.id, 'stop')).not.toBe(before.latest_build.id);
  });

  it("names every problem at once, sorted by path, in coderd's $/path form", async () => {
    const res = await callTool(client, 'coder_create_workspace', {
      user: 7,
      rich_parameters: { a: 1 },
      extra: true,
      another: 'x',
    });
    expect(refusal(res).error).toBe(
      'invalid arguments: $: unknown properties "extra", "another" (additionalProperties is false); $/name: is required; $/rich_parameters/a: expected string, received number; $/user: expected string, received number',
    );
  });
});

describe('credentials', () => {
  it('takes Coder-Session-Token before Authorization, as coderd does (a gateway may own the Authorization header)', async () => {
    const both = await connectClient(stack, {
      headers: {
        'coder-session-token': stack.sim.demo.user.token,
        authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.gateway-jwt.sig',
      },
    });
    try {
      expect(await callTool(both, 'coder_get_authenticated_user')).toMatchObject({ isError: false });
    } finally {
      await both.close();
    }
  });
});

describe('results coderd sends as null or leaves out', () => {
  it('coder_workspace_list_apps answers {"apps":null} for an agent without apps', async () => {
    stack.sim.setAgentApps(stack.sim.demo.agentId, []);
    try {
      const res = await callTool(client, 'coder_workspace_list_apps', { workspace: stack.sim.demo.workspaceName });
      expect(res.text).toBe('{"apps":null}\n');
    } finally {
      stack.sim.setAgentApps(stack.sim.demo.agentId, [
        { slug: 'code-server', display_name: 'VS Code Web', url: 'http://localhost:13337' },
      ]);
    }
  });

  it('coder_get_workspace_agent_logs answers null for an agent that logged nothing', async () => {
    const stopped = (await json('coder_get_workspace', { workspace_id: stack.sim.demo.stoppedWorkspaceId })) as {
      latest_build: { resources: { agents: { id: string }[] }[] };
    };
    const agentId = stopped.latest_build.resources[0]?.agents[0]?.id;
    expect(agentId).toBeDefined();
    const res = await callTool(client, 'coder_get_workspace_agent_logs', { workspace_agent_id: agentId });
    expect(res).toMatchObject({ isError: false, text: 'null\n' });
  });

  it('coder_list_templates carries agents_allowed; coder_get_template leaves out presets when there are none', async () => {
    const templates = (await json('coder_list_templates')) as Record<string, unknown>[];
    expect(Object.keys(templates[0] ?? {}).sort()).toEqual([
      'active_user_count',
      'active_version_id',
      'agents_allowed',
      'description',
      'display_name',
      'id',
      'name',
      'organization_id',
    ]);
    expect(typeof templates[0]?.agents_allowed).toBe('boolean');

    const upload = (await json('coder_upload_tar_file', {
      files: { 'main.tf': 'resource "null_resource" "x" {}\n' },
    })) as { hash: string };
    const version = (await json('coder_create_template_version', { file_id: upload.hash })) as {
      id: string;
      job: { status: string };
    };
    await json('coder_get_template_version_logs', { template_version_id: version.id });
    const template = (await json('coder_create_template', {
      name: 'no-presets',
      display_name: 'No presets',
      description: 'd',
      version_id: version.id,
    })) as { id: string };
    const details = (await json('coder_get_template', { template_id: template.id })) as Record<string, unknown>;
    expect(details).not.toHaveProperty('presets');
    expect(details.parameters).toEqual([]);
  });
});

describe('failure paths', () => {
  it("coder_create_template_version reports an unknown file with Coder's message", async () => {
    const res = await callTool(client, 'coder_create_template_version', { file_id: MISSING_UUID });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/api\/v2\/organizations\/[^/]+\/templateversions: unexpected status code 4\d\d: /,
    );
  });

  it("coder_update_template_active_version reports an unknown version with Coder's message", async () => {
    const res = await callTool(client, 'coder_update_template_active_version', {
      template_id: stack.sim.demo.templateId,
      template_version_id: MISSING_UUID,
    });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(
      /^PATCH http:\/\/127\.0\.0\.1:\d+\/api\/v2\/templates\/[^/]+\/versions: unexpected status code 404: /,
    );
    const template = (await json('coder_get_template', { template_id: stack.sim.demo.templateId })) as {
      active_version_id: string;
    };
    expect(template.active_version_id).toBe(stack.sim.demo.templateVersionId);
  });
});

describe('auto-start (contract §2.2)', () => {
  it('refuses a workspace whose delete is under way', async () => {
    const ws = await newWorkspace('being-deleted');
    await build(ws.id, 'delete');
    const res = await callTool(client, 'coder_workspace_list_apps', { workspace: ws.name });
    expect(res).toMatchObject({ isError: true, text: `failed to find workspace: workspace "${ws.name}" is deleted` });
  });

  it('refuses a workspace whose last build failed', async () => {
    const ws = await newWorkspace('broken-stop');
    stack.sim.failNextBuild('Error: docker daemon not reachable');
    await json('coder_get_workspace_build_logs', { workspace_build_id: await build(ws.id, 'stop') });
    const res = await callTool(client, 'coder_workspace_list_apps', { workspace: ws.name });
    expect(res).toMatchObject({
      isError: true,
      text: `failed to find workspace: workspace "${ws.name}" is in failed state`,
    });
  });

  it('refuses a workspace that is still stopping', async () => {
    const ws = await newWorkspace('still-stopping');
    await build(ws.id, 'stop');
    const res = await callTool(client, 'coder_workspace_list_apps', { workspace: ws.name });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(
      new RegExp(
        `^failed to find workspace: workspace "${ws.name}" must be started; was unable to autostart as the last build job is "(pending|stopping)", expected "stopped"$`,
      ),
    );
  });

  it('says so when the start request itself fails', async () => {
    const ws = await newWorkspace('start-refused');
    await json('coder_get_workspace_build_logs', { workspace_build_id: await build(ws.id, 'stop') });
    stack.sim.failNext({ method: 'POST', pathPrefix: `/api/v2/workspaces/${ws.id}/builds` }, 409, {
      message: 'Build already in progress.',
    });
    const res = await callTool(client, 'coder_workspace_list_apps', { workspace: ws.name });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(
      /^failed to find workspace: failed to start workspace: POST .*\/builds: unexpected status code 409: Build already in progress\.$/,
    );
  });

  it("stops with the build's error when the start build fails, instead of answering for a workspace that is not up", async () => {
    const ws = await newWorkspace('start-fails');
    await json('coder_get_workspace_build_logs', { workspace_build_id: await build(ws.id, 'stop') });
    stack.sim.failNextBuild('Error: no space left on device');
    const res = await callTool(client, 'coder_workspace_list_apps', { workspace: ws.name });
    expect(res).toMatchObject({
      isError: true,
      text: 'failed to find workspace: failed to wait for build completion: Error: no space left on device',
    });
  });
});
