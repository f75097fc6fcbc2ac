/**
 * Organizations as coderd's tools use them since coderd #29141 (contract §8; codersdk/toolsdk/organizations.go),
 * through the MCP SDK client against the local server and the simulator: coder_list_organizations, and the
 * optional organization_id of the organization-scoped tools (coder_list_templates, coder_create_template_version,
 * coder_create_template, coder_create_workspace) with coderd's rule: the one given, checked for form only; else
 * the caller's only membership; with none or several an error (with several, naming them). Results carry
 * organization_id.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';

const ORG_TOOLS = [
  'coder_list_templates',
  'coder_create_template_version',
  'coder_create_template',
  'coder_create_workspace',
] as const;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const UNKNOWN_ORG = '5b0c7a3e-9d2f-4e61-8a47-c3f1e0d9b264';
const TERRAFORM = { 'main.tf': 'resource "null_resource" "x" {}\n' };

const withOrg = z.looseObject({ id: z.string(), organization_id: z.string() });
const withOrgs = z.array(withOrg);
const workspaceResult = withOrg.extend({ name: z.string(), latest_build: z.looseObject({ id: z.string() }) });

/** A result the call must have produced without error, its JSON text parsed. */
async function ok(client: Client, name: string, args: Record<string, unknown> = {}): Promise<unknown> {
  const res = await callTool(client, name, args);
  if (res.isError) throw new Error(`${name} failed: ${res.text}`);
  return res.json();
}

/** The text of a call that must have failed as a tool error. */
async function refused(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const res = await callTool(client, name, args);
  expect({ name, isError: res.isError }).toEqual({ name, isError: true });
  return res.text;
}

/** Arguments that would succeed for each organization-scoped tool, but for the organization. */
function argumentsFor(
  tool: (typeof ORG_TOOLS)[number],
  ids: { fileId: string; versionId: string; templateId: string },
  name: string,
): Record<string, unknown> {
  switch (tool) {
    case 'coder_list_templates':
      return {};
    case 'coder_create_template_version':
      return { file_id: ids.fileId };
    case 'coder_create_template':
      return { name, display_name: name, description: 'd', version_id: ids.versionId };
    case 'coder_create_workspace':
      return { user: 'me', name, template_id: ids.templateId, rich_parameters: {} };
  }
}

/** An imported template version (its import finished), created with `args`. */
async function importedVersion(client: Client, args: Record<string, unknown> = {}): Promise<z.infer<typeof withOrg>> {
  const { hash } = z
    .object({ hash: z.string() })
    .parse(await ok(client, 'coder_upload_tar_file', { files: TERRAFORM }));
  const version = withOrg.parse(await ok(client, 'coder_create_template_version', { file_id: hash, ...args }));
  await ok(client, 'coder_get_template_version_logs', { template_version_id: version.id });
  return version;
}

/** A template made from `version` (description 'd'), with `fields` (name, display name, organization...). */
async function createdTemplate(
  client: Client,
  version: { id: string },
  fields: Record<string, unknown>,
): Promise<z.infer<typeof withOrg>> {
  return withOrg.parse(
    await ok(client, 'coder_create_template', { description: 'd', version_id: version.id, ...fields }),
  );
}

describe('one membership', () => {
  let stack: Stack;
  let admin: Client;
  let alice: Client;
  let defaultOrg: string;

  beforeAll(async () => {
    // A long token cache: the requests counted below are the tools' own, never the token check's.
    stack = await startStack({ env: { MCP_AUTH_CACHE_MS: '600000' } });
    admin = await connectClient(stack, { token: stack.sim.demo.user.token });
    alice = await connectClient(stack, { token: stack.sim.demo.member.token });
    defaultOrg = stack.sim.demo.user.organization_id;
  });
  afterAll(async () => {
    await admin.close();
    await alice.close();
    await stack.close();
  });

  it("coder_list_organizations: coderd's description and class, and the caller's organization as codersdk.Organization", async () => {
    const { tools } = await admin.listTools();
    const tool = tools.find((t) => t.name === 'coder_list_organizations');
    expect(tool?.description).toBe(
      'List organizations the authenticated user belongs to, including IDs, names, and display names. Membership does not grant permission to perform every organization-scoped action.',
    );
    expect(tool?.annotations).toEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(tool?.inputSchema.properties).toEqual({});
    const res = await callTool(admin, 'coder_list_organizations');
    expect(res.isError).toBe(false);
    expect(res.json()).toEqual([
      {
        id: defaultOrg,
        name: 'coder',
        display_name: 'Coder',
        description: '',
        icon: '',
        created_at: expect.any(String),
        updated_at: expect.any(String),
        is_default: true,
      },
    ]);
    // An array result travels as {"result": [...]} in structuredContent (lib/tools/output.ts).
    expect(res.result.structuredContent).toEqual({ result: res.json() });
  });

  it('without organization_id the only membership is used, and every result names it', async () => {
    const templates = withOrgs.parse(await ok(admin, 'coder_list_templates'));
    expect(templates.map((t) => t.id)).toContain(stack.sim.demo.templateId);
    for (const t of templates) expect(t.organization_id).toBe(defaultOrg);

    const version = await importedVersion(admin);
    expect(version.organization_id).toBe(defaultOrg);
    const template = await createdTemplate(admin, version, { name: 'single', display_name: 'Single' });
    expect(template.organization_id).toBe(defaultOrg);

    const ws = workspaceResult.parse(
      await ok(alice, 'coder_create_workspace', {
        user: 'me',
        name: 'single-org',
        template_id: template.id,
        rich_parameters: {},
      }),
    );
    expect(ws.organization_id).toBe(defaultOrg);
    const byVersion = workspaceResult.parse(
      await ok(alice, 'coder_create_workspace', {
        user: 'me',
        name: 'by-version',
        template_version_id: version.id,
        rich_parameters: {},
      }),
    );
    expect(byVersion.organization_id).toBe(defaultOrg);
    const listed = withOrgs.parse(await ok(alice, 'coder_list_workspaces'));
    expect(listed.map((w) => w.id).sort()).toEqual([ws.id, byVersion.id].sort());
    for (const w of listed) expect(w.organization_id).toBe(defaultOrg);
  });

  it('an organization_id given is used as is: the caller is not looked up', async () => {
    const before = stack.sim.requestCount('/api/v2/users/me');
    const templates = withOrgs.parse(
      await ok(admin, 'coder_list_templates', { organization_id: defaultOrg.toUpperCase() }),
    );
    expect(templates.map((t) => t.id)).toContain(stack.sim.demo.templateId);
    expect(stack.sim.requestCount('/api/v2/users/me')).toBe(before);
    // Left out (or empty, as Go's zero value), the caller is looked up.
    await ok(admin, 'coder_list_templates', { organization_id: '' });
    expect(stack.sim.requestCount('/api/v2/users/me')).toBe(before + 1);
  });

  it("a malformed organization_id is refused in coderd's words by every organization-scoped tool, before Coder is asked", async () => {
    const ids = { fileId: UNKNOWN_ORG, versionId: UNKNOWN_ORG, templateId: stack.sim.demo.templateId };
    const before = stack.sim.requestCount();
    for (const tool of ORG_TOOLS) {
      expect(await refused(admin, tool, { ...argumentsFor(tool, ids, 'malformed'), organization_id: 'research' })).toBe(
        'organization_id must be a valid UUID',
      );
      expect(await refused(admin, tool, { ...argumentsFor(tool, ids, 'malformed'), organization_id: ZERO_UUID })).toBe(
        'organization_id must be a valid nonzero UUID',
      );
    }
    expect(stack.sim.requestCount()).toBe(before);
  });

  it("a caller in no organization gets coderd's error, and a failed lookup says which step failed", async () => {
    const me = stack.sim.demo.member;
    stack.sim.failNext({ method: 'GET', pathPrefix: '/api/v2/users/me' }, 200, {
      id: me.id,
      username: me.username,
      organization_ids: [],
    });
    expect(await refused(alice, 'coder_list_templates', {})).toBe(
      'organization_id is required because you belong to no organizations; use coder_list_organizations to inspect organization membership details',
    );
    stack.sim.failNext({ method: 'GET', pathPrefix: '/api/v2/users/me' }, 500, { message: 'lookup failed' });
    expect(await refused(alice, 'coder_list_templates', {})).toMatch(
      /^resolve organization: get authenticated user: GET http:\/\/127\.0\.0\.1:\d+\/api\/v2\/users\/me: unexpected status code 500: lookup failed$/,
    );
  });
});

describe('several memberships', () => {
  let stack: Stack;
  let admin: Client;
  let alice: Client;
  let defaultOrg: string;
  let research: { id: string; name: string };
  /** Made in `research` with explicit organization_ids, in beforeAll: a version, a template from it, and a second imported version. */
  let made: {
    version: z.infer<typeof withOrg>;
    template: z.infer<typeof withOrg>;
    spare: z.infer<typeof withOrg>;
    fileId: string;
  };

  beforeAll(async () => {
    stack = await startStack();
    research = stack.sim.addOrganization('research', ['admin']);
    defaultOrg = stack.sim.demo.user.organization_id;
    admin = await connectClient(stack, { token: stack.sim.demo.user.token });
    alice = await connectClient(stack, { token: stack.sim.demo.member.token });
    const version = await importedVersion(admin, { organization_id: research.id });
    // The name the default organization's template has: names are unique within an organization only.
    const template = await createdTemplate(admin, version, {
      name: 'docker',
      display_name: 'Docker (research)',
      organization_id: research.id,
    });
    const spare = await importedVersion(admin, { organization_id: research.id });
    const { hash } = z
      .object({ hash: z.string() })
      .parse(await ok(admin, 'coder_upload_tar_file', { files: TERRAFORM }));
    made = { version, template, spare, fileId: hash };
  });
  afterAll(async () => {
    await admin.close();
    await alice.close();
    await stack.close();
  });

  it('coder_list_organizations lists every membership, the default organization first', async () => {
    const names = (orgs: unknown) =>
      z
        .array(z.looseObject({ id: z.string(), name: z.string() }))
        .parse(orgs)
        .map((o) => `${o.name} ${o.id}`);
    expect(names(await ok(admin, 'coder_list_organizations'))).toEqual([
      `coder ${defaultOrg}`,
      `research ${research.id}`,
    ]);
    expect(names(await ok(alice, 'coder_list_organizations'))).toEqual([`coder ${defaultOrg}`]);
  });

  it("without organization_id every organization-scoped tool fails with coderd's error, naming the memberships, and creates nothing", async () => {
    const expected = `organization_id is required because you belong to multiple organizations; use coder_list_organizations to obtain organization IDs and details. Your organizations: "coder" (${defaultOrg}), "research" (${research.id})`;
    const ids = { fileId: made.fileId, versionId: made.spare.id, templateId: made.template.id };
    const created = () =>
      stack.sim.requestCount('/api/v2/organizations') + stack.sim.requestCount('/api/v2/users/me/workspaces');
    const before = created();
    for (const tool of ORG_TOOLS)
      expect({ tool, text: await refused(admin, tool, argumentsFor(tool, ids, 'ambiguous')) }).toEqual({
        tool,
        text: expected,
      });
    expect(created()).toBe(before);
    // The same calls with an organization_id go through: the rule, not the arguments, refused them.
    const workspace = workspaceResult.parse(
      await ok(admin, 'coder_create_workspace', {
        ...argumentsFor('coder_create_workspace', ids, 'ambiguous'),
        organization_id: research.id,
      }),
    );
    expect(workspace.organization_id).toBe(research.id);
  });

  it('with organization_id, versions, templates and workspaces are made in that organization and listed by it', async () => {
    expect(made.version.organization_id).toBe(research.id);
    expect(made.template.organization_id).toBe(research.id);
    expect(withOrgs.parse(await ok(admin, 'coder_list_templates', { organization_id: research.id }))).toEqual([
      expect.objectContaining({ id: made.template.id, organization_id: research.id, name: 'docker' }),
    ]);
    const inDefault = withOrgs.parse(await ok(admin, 'coder_list_templates', { organization_id: defaultOrg }));
    expect(inDefault.map((t) => t.id)).toEqual([stack.sim.demo.templateId]);

    const byVersion = workspaceResult.parse(
      await ok(admin, 'coder_create_workspace', {
        user: 'me',
        name: 'research-ws',
        template_version_id: made.version.id,
        rich_parameters: {},
        organization_id: research.id,
      }),
    );
    expect(byVersion.organization_id).toBe(research.id);
    const listed = withOrgs.parse(await ok(admin, 'coder_list_workspaces'));
    expect(listed.find((w) => w.id === byVersion.id)?.organization_id).toBe(research.id);
    expect(listed.find((w) => w.id === stack.sim.demo.workspaceId)?.organization_id).toBe(defaultOrg);
  });

  it('coder_create_workspace refuses a template of another organization than the one asked for, before creating anything', async () => {
    const before = stack.sim.requestCount('/api/v2/users/me/workspaces');
    const args = { user: 'me', name: 'misplaced', rich_parameters: {}, organization_id: defaultOrg };
    const expected = `the template belongs to organization ${research.id}, not to organization ${defaultOrg}; pass organization_id ${research.id} to create the workspace there, or choose a template of organization ${defaultOrg} (coder_list_templates)`;
    expect(await refused(admin, 'coder_create_workspace', { ...args, template_id: made.template.id })).toBe(expected);
    expect(await refused(admin, 'coder_create_workspace', { ...args, template_version_id: made.version.id })).toBe(
      expected,
    );
    expect(stack.sim.requestCount('/api/v2/users/me/workspaces')).toBe(before);
  });

  it("an organization_id the caller is not a member of gets Coder's own answers", async () => {
    const notFound = 'unexpected status code 404: Resource not found or you do not have access to this resource';
    // Templates are filtered by what the caller may read: none of research's.
    expect(await ok(alice, 'coder_list_templates', { organization_id: research.id })).toEqual([]);
    const { hash } = z
      .object({ hash: z.string() })
      .parse(await ok(alice, 'coder_upload_tar_file', { files: TERRAFORM }));
    expect(await refused(alice, 'coder_create_template_version', { file_id: hash, organization_id: research.id })).toBe(
      `POST ${stack.sim.url}/api/v2/organizations/${research.id}/templateversions: ${notFound}`,
    );
    // The template is looked up to hold it against the organization; alice cannot see it.
    expect(
      await refused(alice, 'coder_create_workspace', {
        user: 'me',
        name: 'outsider',
        template_id: made.template.id,
        rich_parameters: {},
        organization_id: research.id,
      }),
    ).toBe(`GET ${stack.sim.url}/api/v2/templates/${made.template.id}: ${notFound}`);
    // An organization that does not exist, for an owner who may reach any.
    expect(
      await refused(admin, 'coder_create_template', {
        name: 'nowhere',
        display_name: 'Nowhere',
        description: 'd',
        version_id: made.spare.id,
        organization_id: UNKNOWN_ORG,
      }),
    ).toBe(`POST ${stack.sim.url}/api/v2/organizations/${UNKNOWN_ORG}/templates: ${notFound}`);
  });
});
