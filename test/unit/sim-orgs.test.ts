/**
 * The simulator's organization scoping of templates, versions and workspaces over real HTTP, as coderd
 * answers (coderd/httpmw/organizationparam.go, coderd/templates.go, coderd/templateversions.go,
 * coderd/workspaces.go, coderd/searchquery): resources of an organization the caller cannot reach are not
 * found, template names are unique per organization, and objects name their organization.
 */
import { pack } from 'tar-stream';
import { z } from 'zod';
import { startSimulator, type Simulator } from '../sim';

let sim: Simulator;
let research: { id: string; name: string };
beforeEach(async () => {
  sim = await startSimulator({ buildStepMs: 5 });
  research = sim.addOrganization('research', ['admin']);
});
afterEach(() => sim.close());

const NOT_FOUND = { message: 'Resource not found or you do not have access to this resource' };
const withOrg = z.looseObject({ id: z.string(), organization_id: z.string() });

async function call(
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; tar?: Buffer } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'Coder-Session-Token': opts.token ?? sim.demo.user.token };
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.tar) {
    headers['content-type'] = 'application/x-tar';
    body = new Uint8Array(opts.tar);
  }
  const res = await fetch(`${sim.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function terraformTar(): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (c: unknown) => Buffer.isBuffer(c) && chunks.push(c));
  const done = new Promise<void>((resolve) => archive.on('end', () => resolve()));
  archive.entry({ name: 'main.tf', mode: 0o644 }, 'resource "null_resource" "x" {}\n');
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A template named `name` in `org`, made by the admin from a freshly imported version. */
async function templateIn(org: string, name: string): Promise<z.infer<typeof withOrg>> {
  const upload = z
    .object({ hash: z.string() })
    .parse((await call('POST', '/api/v2/files', { tar: await terraformTar() })).body);
  const version = withOrg.parse(
    (
      await call('POST', `/api/v2/organizations/${org}/templateversions`, {
        json: { storage_method: 'file', file_id: upload.hash, provisioner: 'terraform' },
      })
    ).body,
  );
  expect(version.organization_id).toBe(org);
  for (let i = 0; i < 100; i++) {
    const v = z
      .looseObject({ job: z.looseObject({ status: z.string() }) })
      .parse((await call('GET', `/api/v2/templateversions/${version.id}`)).body);
    if (v.job.status === 'succeeded') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const created = await call('POST', `/api/v2/organizations/${org}/templates`, {
    json: { name, template_version_id: version.id },
  });
  expect(created.status).toBe(201);
  return withOrg.parse(created.body);
}

describe('organization scoping', () => {
  it('templates name their organization; names are unique within one organization only', async () => {
    const defaultOrg = sim.demo.user.organization_id;
    const docker = await templateIn(research.id, 'docker');
    expect(docker).toMatchObject({
      organization_id: research.id,
      organization_name: 'research',
      organization_display_name: 'Research',
    });
    const again = await call('POST', `/api/v2/organizations/${research.id}/templates`, {
      json: { name: 'docker', template_version_id: docker.id },
    });
    expect(again).toMatchObject({ status: 409, body: { message: 'Template with name "docker" already exists.' } });
    const demo = withOrg.parse((await call('GET', `/api/v2/templates/${sim.demo.templateId}`)).body);
    expect(demo.organization_id).toBe(defaultOrg);
  });

  it("`organization:` filters the template list by id or name, and an unknown name is coderd's validation error", async () => {
    const docker = await templateIn(research.id, 'docker');
    const ids = async (q: string) =>
      z
        .array(withOrg)
        .parse((await call('GET', `/api/v2/templates?q=${encodeURIComponent(q)}`)).body)
        .map((t) => t.id);
    expect(await ids(`organization:"${research.id}"`)).toEqual([docker.id]);
    expect(await ids('organization:research')).toEqual([docker.id]);
    expect(await ids(`organization:${sim.demo.user.organization_id}`)).toEqual([sim.demo.templateId]);
    expect((await ids('')).sort()).toEqual([docker.id, sim.demo.templateId].sort());
    expect(await call('GET', `/api/v2/templates?q=${encodeURIComponent('organization:nowhere')}`)).toEqual({
      status: 400,
      body: {
        message: 'Invalid template search query.',
        validations: [
          {
            field: 'organization',
            detail:
              'Query param "organization" has invalid value: organization "nowhere" either does not exist, or you are unauthorized to view it',
          },
        ],
      },
    });
  });

  it('a member outside the organization neither lists, nor finds, nor creates there: 404', async () => {
    const docker = await templateIn(research.id, 'docker');
    const token = sim.demo.member.token;
    const listed = z.array(withOrg).parse((await call('GET', '/api/v2/templates', { token })).body);
    expect(listed.map((t) => t.id)).toEqual([sim.demo.templateId]);
    expect(await call('GET', `/api/v2/templates/${docker.id}`, { token })).toEqual({ status: 404, body: NOT_FOUND });
    const { active_version_id: versionId } = z
      .looseObject({ active_version_id: z.string() })
      .parse((await call('GET', `/api/v2/templates/${docker.id}`)).body);
    expect(await call('GET', `/api/v2/templateversions/${versionId}`, { token })).toEqual({
      status: 404,
      body: NOT_FOUND,
    });
    expect(await call('GET', `/api/v2/organizations/${research.id}/templates/docker`, { token })).toEqual({
      status: 404,
      body: NOT_FOUND,
    });
    expect(await call('POST', `/api/v2/organizations/${research.id}/templateversions`, { token, json: {} })).toEqual({
      status: 404,
      body: NOT_FOUND,
    });
    expect(await call('POST', `/api/v2/organizations/${research.id}/templates`, { token, json: {} })).toEqual({
      status: 404,
      body: NOT_FOUND,
    });
    const create = await call('POST', '/api/v2/users/me/workspaces', {
      token,
      json: { name: 'outsider', template_id: docker.id },
    });
    expect(create).toEqual({
      status: 400,
      body: {
        message: `Template "${docker.id}" doesn't exist.`,
        validations: [{ field: 'template_id', detail: 'template not found' }],
      },
    });
    // The owner reaches every organization; the member still reaches their own.
    expect((await call('GET', `/api/v2/organizations/${research.id}/templates/docker`)).status).toBe(200);
    expect((await call('GET', `/api/v2/organizations/coder/templates/docker`, { token })).status).toBe(200);
  });

  it("a workspace lives in its template's organization; the deprecated route wants the owner to be a member of the one named", async () => {
    const docker = await templateIn(research.id, 'docker');
    const ws = await call('POST', '/api/v2/users/me/workspaces', { json: { name: 'lab', template_id: docker.id } });
    expect(ws.status).toBe(201);
    expect(ws.body).toMatchObject({ organization_id: research.id, organization_name: 'research' });
    const viaOrg = `/api/v2/organizations/${research.id}/members/alice/workspaces`;
    expect(await call('POST', viaOrg, { json: { name: 'lab', template_id: docker.id } })).toEqual({
      status: 404,
      body: NOT_FOUND,
    });
    // coderd uses the template's organization, whichever member route the request came through.
    const named = await call('POST', `/api/v2/organizations/coder/members/me/workspaces`, {
      json: { name: 'lab2', template_id: docker.id },
    });
    expect(named.status).toBe(201);
    expect(named.body).toMatchObject({ organization_id: research.id });
  });
});
