/**
 * The simulator speaks coderd's wire format over real HTTP and WebSockets: auth answers and their
 * challenge, error bodies, search filters, build progression with streamed logs, the template
 * lifecycle, fault injection and authcheck.
 */
import { pack } from 'tar-stream';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../sim';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ buildStepMs: 10 });
});
afterEach(() => sim.close());

const SIGNED_OUT = 'You are signed out or your session has expired. Please sign in again to continue.';

interface Call {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One request with the admin's token unless another (or none) is given; the body parsed as JSON. */
async function call(
  method: string,
  path: string,
  opts: { token?: string | null; json?: unknown; raw?: Buffer; contentType?: string } = {},
): Promise<Call> {
  const token = opts.token === undefined ? sim.demo.user.token : opts.token;
  const headers: Record<string, string> = token ? { 'Coder-Session-Token': token } : {};
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.raw) {
    headers['content-type'] = opts.contentType ?? 'application/x-tar';
    body = new Uint8Array(opts.raw);
  }
  const res = await fetch(`${sim.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    headers: res.headers,
    body: contentType.startsWith('application/json') ? JSON.parse(text) : text,
  };
}

/** Field access on a parsed body without casts. */
function field(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    const next: unknown = Reflect.get(cur, key);
    cur = next;
  }
  return cur;
}

function items(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Every text frame of a WebSocket until the server closes it, and the close code. */
function follow(path: string, token = sim.demo.user.token): Promise<{ frames: unknown[]; code: number }> {
  const socket = new WebSocket(`${sim.url.replace('http', 'ws')}${path}`, {
    headers: { 'Coder-Session-Token': token },
  });
  const frames: unknown[] = [];
  return new Promise((resolve, reject) => {
    socket.on('message', (data, isBinary) => {
      if (isBinary) reject(new Error('binary frame'));
      else frames.push(JSON.parse(String(data)));
    });
    socket.on('close', (code) => resolve({ frames, code }));
    socket.on('error', reject);
  });
}

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (c: unknown) => Buffer.isBuffer(c) && chunks.push(c));
  const done = new Promise<void>((resolve) => archive.on('end', () => resolve()));
  for (const [name, content] of Object.entries(files)) archive.entry({ name, mode: 0o644 }, content);
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('authentication', () => {
  it('answers missing, malformed, unknown, wrong and expired tokens like coderd, with a challenge', async () => {
    const missing = await call('GET', '/api/v2/users/me', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(missing.body).toEqual({
      message: SIGNED_OUT,
      detail: 'Cookie "coder_session_token" or query parameter must be provided.',
    });
    expect(missing.headers.get('www-authenticate')).toBe(
      `Bearer realm="coder", error="invalid_token", error_description="The access token has expired", resource_metadata="${sim.url}/.well-known/oauth-protected-resource"`,
    );
    const detail = async (token: string) => field((await call('GET', '/api/v2/users/me', { token })).body, 'detail');
    expect(await detail('short')).toBe('Invalid API key format: incorrect amount of API key parts, expected 2 got 1');
    expect(await detail('abc-ABCDEFGHIJKLMNOPQRSTUV')).toBe(
      'Invalid API key format: invalid API key ID length, expected 10 got 3',
    );
    expect(await detail('abcdefghij-ABCDEFGHIJKLMNOPQRSTUV')).toBe('API key is invalid.');
    const [id] = sim.demo.user.token.split('-');
    expect(await detail(`${id}-ABCDEFGHIJKLMNOPQRSTUV`)).toBe('API key secret is invalid.');
    sim.expireToken(sim.demo.member.token);
    const expired = await call('GET', '/api/v2/users/me', { token: sim.demo.member.token });
    expect(expired.status).toBe(401);
    expect(field(expired.body, 'detail')).toMatch(
      /^API key expired at "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC"\.$/,
    );
    expect(expired.headers.get('www-authenticate')).toContain('error_description="The access token has expired"');
  });

  it('takes the token from a bearer header, the cookie or the query, and needs none for buildinfo', async () => {
    const get = (init: RequestInit, query = '') =>
      fetch(`${sim.url}/api/v2/users/me${query}`, init).then((r) => r.status);
    expect(await get({ headers: { Authorization: `Bearer ${sim.demo.user.token}` } })).toBe(200);
    expect(await get({ headers: { Cookie: `coder_session_token=${sim.demo.user.token}` } })).toBe(200);
    expect(await get({}, `?coder_session_token=${sim.demo.user.token}`)).toBe(200);
    expect(await call('GET', '/api/v2/buildinfo', { token: null })).toMatchObject({
      status: 200,
      body: { version: 'v2.99.0-sim', dashboard_url: sim.url },
    });
  });

  it('returns the caller as codersdk.User', async () => {
    const me = await call('GET', '/api/v2/users/me');
    expect(me.body).toMatchObject({
      id: sim.demo.user.id,
      username: 'admin',
      status: 'active',
      login_type: 'password',
      roles: [{ name: 'owner' }],
      organization_ids: [sim.demo.user.organization_id],
    });
    const alice = await call('GET', '/api/v2/users/alice');
    expect(alice.body).toMatchObject({ id: sim.demo.member.id, roles: [] });
  });
});

describe('errors', () => {
  it('serves unknown routes, bad ids, bad JSON and hidden resources with coderd bodies', async () => {
    expect(await call('GET', '/api/v2/nothing-here')).toMatchObject({
      status: 404,
      body: { message: 'Route not found.' },
    });
    expect(await call('GET', '/api/v2/workspaces/not-a-uuid')).toMatchObject({
      status: 400,
      body: { message: 'Invalid UUID "not-a-uuid".', detail: 'invalid UUID length: 10' },
    });
    const bad = await call('POST', '/api/v2/users/me/workspaces', {
      raw: Buffer.from('{nope'),
      contentType: 'application/json',
    });
    expect(bad).toMatchObject({ status: 400, body: { message: 'Request body must be valid JSON.' } });
    const hidden = await call('GET', `/api/v2/workspaces/${sim.demo.workspaceId}`, { token: sim.demo.member.token });
    expect(hidden).toMatchObject({
      status: 404,
      body: { message: 'Resource not found or you do not have access to this resource' },
    });
    const invalid = await call('POST', '/api/v2/users/me/workspaces', { json: { name: 'Not_Valid' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({
      message: 'Validation failed.',
      validations: [
        {
          field: 'template_id',
          detail: 'Validation failed for tag "required_without" with value: "00000000-0000-0000-0000-000000000000"',
        },
        {
          field: 'template_version_id',
          detail: 'Validation failed for tag "required_without" with value: "00000000-0000-0000-0000-000000000000"',
        },
        { field: 'name', detail: 'Validation failed for tag "workspace_name" with value: "Not_Valid"' },
      ],
    });
    const dup = await call('POST', '/api/v2/users/me/workspaces', {
      json: { name: 'dev', template_id: sim.demo.templateId },
    });
    expect(dup).toMatchObject({
      status: 409,
      body: { message: 'Workspace "dev" already exists.', validations: [{ field: 'name' }] },
    });
  });

  it('injects faults, JSON or not, and counts requests', async () => {
    sim.failNext({ pathPrefix: '/api/v2/templates' }, 500, { message: 'boom', detail: 'injected' });
    const failed = await call('GET', '/api/v2/templates');
    expect(failed).toMatchObject({ status: 500, body: { message: 'boom', detail: 'injected' } });
    expect((await call('GET', '/api/v2/templates')).status).toBe(200);
    sim.failNext({ method: 'GET', pathPrefix: '/api/v2/users/me' }, 502, '<html>Bad Gateway</html>', 2);
    const html = await call('GET', '/api/v2/users/me');
    expect(html).toMatchObject({ status: 502, body: '<html>Bad Gateway</html>' });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await call('GET', '/api/v2/users/me')).status).toBe(502);
    expect((await call('GET', '/api/v2/users/me')).status).toBe(200);
    expect(sim.requestCount('/api/v2/templates')).toBe(2);
    expect(sim.requestCount('/api/v2/users/me')).toBe(3);
  });
});

describe('workspaces', () => {
  const list = async (q: string, token?: string) => {
    const res = await call('GET', `/api/v2/workspaces?q=${encodeURIComponent(q)}`, token ? { token } : {});
    return { res, names: items(field(res.body, 'workspaces')).map((w) => field(w, 'name')) };
  };

  it("filters the list with coderd's q= syntax and refuses unknown keys", async () => {
    expect((await list('owner:"me" status:running')).names).toEqual(['dev']);
    expect((await list('owner:me')).names).toEqual(['dev', 'stopped-ws']);
    expect((await list('status:stopped')).names).toEqual(['stopped-ws']);
    expect((await list('stop')).names).toEqual(['stopped-ws']);
    expect((await list('admin/dev')).names).toEqual(['dev']);
    expect((await list('template:docker name:DEV')).names).toEqual(['dev']);
    expect((await list('owner:alice')).res.body).toEqual({ workspaces: [], count: 0 });
    expect((await list('', sim.demo.member.token)).names).toEqual([]);
    const bad = await list('color:blue');
    expect(bad.res).toMatchObject({
      status: 400,
      body: {
        message: 'Invalid workspace search query.',
        validations: [{ field: 'color', detail: 'Query param "color" is not a valid query param' }],
      },
    });
    expect((await list('status:asleep')).res.status).toBe(400);
  });

  it('finds a workspace by owner and name, with the codersdk fields the tools read', async () => {
    const res = await call('GET', `/api/v2/users/me/workspace/dev?include_deleted=false`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: sim.demo.workspaceId,
      owner_name: 'admin',
      template_name: 'docker',
      template_display_name: 'Docker',
      template_icon: '/icon/docker.png',
      template_active_version_id: sim.demo.templateVersionId,
      outdated: false,
      latest_build: { transition: 'start', status: 'running', job: { status: 'succeeded', type: 'workspace_build' } },
    });
    const agent = field(res.body, 'latest_build', 'resources', 0, 'agents', 0);
    expect(agent).toMatchObject({ id: sim.demo.agentId, name: 'main', status: 'connected', lifecycle_state: 'ready' });
    expect(field(agent, 'apps')).toEqual([
      expect.objectContaining({ slug: 'code-server', display_name: 'VS Code Web', url: 'http://localhost:13337' }),
      expect.not.objectContaining({ display_name: expect.anything() }),
    ]);
    expect((await call('GET', '/api/v2/users/alice/workspace/dev')).status).toBe(404);
  });

  it('creates a workspace whose build progresses to running while the follow socket streams its logs', async () => {
    const created = await call('POST', '/api/v2/users/me/workspaces', {
      json: {
        name: 'streamed',
        template_id: sim.demo.templateId,
        rich_parameter_values: [{ name: 'cpu', value: '4' }],
      },
    });
    expect(created.status).toBe(201);
    expect(field(created.body, 'latest_build', 'status')).toBe('pending');
    expect(field(created.body, 'latest_build', 'job', 'completed_at')).toBeUndefined();
    const buildId = String(field(created.body, 'latest_build', 'id'));
    const { frames, code } = await follow(`/api/v2/workspacebuilds/${buildId}/logs?follow`);
    expect(code).toBe(1000);
    expect(frames.length).toBeGreaterThan(2);
    expect(frames[0]).toMatchObject({
      id: expect.any(Number),
      log_source: 'provisioner_daemon',
      log_level: 'info',
      stage: 'Setting up',
      output: '',
    });
    expect(frames.map((f) => field(f, 'stage'))).toContain('Cleaning Up');
    const build = await call('GET', `/api/v2/workspacebuilds/${buildId}`);
    expect(build.body).toMatchObject({
      status: 'running',
      job: { status: 'succeeded', completed_at: expect.any(String) },
    });
    // The agent connects, runs its startup script, and becomes ready; its logs stream as arrays.
    const agentId = String(field(build.body, 'resources', 0, 'agents', 0, 'id'));
    const agentLogs = await follow(`/api/v2/workspaceagents/${agentId}/logs?follow`);
    expect(agentLogs.code).toBe(1000);
    expect(agentLogs.frames.every((f) => Array.isArray(f))).toBe(true);
    const agent = await waitFor(
      () => call('GET', `/api/v2/workspaceagents/${agentId}`),
      (r) => field(r.body, 'lifecycle_state') === 'ready',
    );
    expect(agent.body).toMatchObject({ status: 'connected', lifecycle_state: 'ready' });
    // A finished job replays its logs as a JSON array.
    expect(Array.isArray((await call('GET', `/api/v2/workspacebuilds/${buildId}/logs`)).body)).toBe(true);
  });

  it('stops, refuses a second build meanwhile, and deletes a workspace', async () => {
    const stop = await call('POST', `/api/v2/workspaces/${sim.demo.workspaceId}/builds`, {
      json: { transition: 'stop' },
    });
    expect(stop).toMatchObject({ status: 201, body: { transition: 'stop', build_number: 2, status: 'pending' } });
    const busy = await call('POST', `/api/v2/workspaces/${sim.demo.workspaceId}/builds`, {
      json: { transition: 'start' },
    });
    expect(busy).toMatchObject({ status: 409, body: { message: 'A workspace build is already active.' } });
    await follow(`/api/v2/workspacebuilds/${String(field(stop.body, 'id'))}/logs?follow`);
    const stopped = await call('GET', `/api/v2/workspaces/${sim.demo.workspaceId}`);
    expect(field(stopped.body, 'latest_build', 'status')).toBe('stopped');
    expect((await call('GET', `/api/v2/workspaceagents/${sim.demo.agentId}`)).body).toMatchObject({
      status: 'disconnected',
      lifecycle_state: 'off',
    });

    const del = await call('POST', `/api/v2/workspaces/${sim.demo.workspaceId}/builds`, {
      json: { transition: 'delete' },
    });
    await follow(`/api/v2/workspacebuilds/${String(field(del.body, 'id'))}/logs?follow`);
    expect((await call('GET', `/api/v2/workspaces/${sim.demo.workspaceId}`)).status).toBe(410);
    expect((await call('GET', `/api/v2/workspaces/${sim.demo.workspaceId}?include_deleted=true`)).body).toMatchObject({
      latest_build: { status: 'deleted' },
    });
    expect((await call('GET', '/api/v2/users/me/workspace/dev')).status).toBe(404);
    expect((await list('')).names).toEqual(['stopped-ws']);
  });
});

describe('templates', () => {
  it('uploads a tar, imports a version, creates a template, promotes a version and deletes the template', async () => {
    const tar = await tarOf({ 'main.tf': 'resource "coder_agent" "main" {}\n' });
    const upload = await call('POST', '/api/v2/files', { raw: tar });
    expect(upload.status).toBe(201);
    const fileId = String(field(upload.body, 'hash'));
    expect(fileId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(await call('POST', '/api/v2/files', { raw: tar })).toMatchObject({ status: 200, body: { hash: fileId } });
    expect((await call('POST', '/api/v2/files', { raw: tar, contentType: 'text/plain' })).body).toEqual({
      message: 'Unsupported content type header "text/plain".',
    });

    const org = sim.demo.user.organization_id;
    const versionBody = { storage_method: 'file', file_id: fileId, provisioner: 'terraform' };
    const v1 = await call('POST', `/api/v2/organizations/${org}/templateversions`, { json: versionBody });
    expect(v1).toMatchObject({
      status: 201,
      body: {
        name: expect.stringMatching(/^[a-z]+_[a-z]+\d*$/),
        job: { status: 'pending', type: 'template_version_import' },
      },
    });
    expect(field(v1.body, 'template_id')).toBeUndefined();
    const v1Id = String(field(v1.body, 'id'));
    const importLogs = await follow(`/api/v2/templateversions/${v1Id}/logs?follow`);
    expect(importLogs.code).toBe(1000);

    const created = await call('POST', `/api/v2/organizations/${org}/templates`, {
      json: { name: 'sim-test', display_name: 'Sim Test', description: 'made by a test', template_version_id: v1Id },
    });
    expect(created).toMatchObject({
      status: 201,
      body: { name: 'sim-test', active_version_id: v1Id, created_by_name: 'admin' },
    });
    const templateId = String(field(created.body, 'id'));
    expect((await call('GET', `/api/v2/templateversions/${v1Id}`)).body).toMatchObject({
      template_id: templateId,
      job: { status: 'succeeded' },
    });
    expect(
      (
        await call('POST', `/api/v2/organizations/${org}/templates`, {
          json: { name: 'sim-test', template_version_id: v1Id },
        })
      ).status,
    ).toBe(409);

    const v2 = await call('POST', `/api/v2/organizations/${org}/templateversions`, {
      json: { ...versionBody, template_id: templateId },
    });
    const v2Id = String(field(v2.body, 'id'));
    const early = await call('PATCH', `/api/v2/templates/${templateId}/versions`, { json: { id: v2Id } });
    expect(early).toMatchObject({
      status: 403,
      body: { message: 'Only versions that have been built successfully can be promoted.' },
    });
    await follow(`/api/v2/templateversions/${v2Id}/logs?follow`);
    const promote = await call('PATCH', `/api/v2/templates/${templateId}/versions`, { json: { id: v2Id } });
    expect(promote).toMatchObject({ status: 200, body: { message: 'Updated the active template version!' } });
    expect((await call('GET', `/api/v2/templates/${templateId}`)).body).toMatchObject({ active_version_id: v2Id });
    const foreign = await call('PATCH', `/api/v2/templates/${templateId}/versions`, {
      json: { id: sim.demo.templateVersionId },
    });
    expect(foreign).toMatchObject({
      status: 400,
      body: { message: "The provided template version doesn't belong to the specified template." },
    });

    expect((await call('DELETE', `/api/v2/templates/${templateId}`, { token: sim.demo.member.token })).status).toBe(
      403,
    );
    expect(await call('DELETE', `/api/v2/templates/${templateId}`)).toMatchObject({
      status: 200,
      body: { message: 'Template has been deleted!' },
    });
    expect((await call('GET', `/api/v2/templates/${templateId}`)).status).toBe(404);
  });

  it('fails the import of an archive without Terraform files, with an error log and job.error', async () => {
    const upload = await call('POST', '/api/v2/files', { raw: await tarOf({ 'README.md': '# nothing here' }) });
    const org = sim.demo.user.organization_id;
    const v = await call('POST', `/api/v2/organizations/${org}/templateversions`, {
      json: { storage_method: 'file', file_id: field(upload.body, 'hash'), provisioner: 'terraform' },
    });
    const { frames } = await follow(`/api/v2/templateversions/${String(field(v.body, 'id'))}/logs?follow`);
    expect(frames[frames.length - 1]).toMatchObject({ log_level: 'error' });
    const after = await call('GET', `/api/v2/templateversions/${String(field(v.body, 'id'))}`);
    expect(after.body).toMatchObject({
      job: { status: 'failed', error: expect.stringMatching(/No configuration files/) },
    });
    const missing = await call('POST', `/api/v2/organizations/${org}/templateversions`, {
      json: { storage_method: 'file', file_id: '8d9a2a1e-0000-4000-8000-000000000000', provisioner: 'terraform' },
    });
    expect(missing).toMatchObject({ status: 404, body: { message: 'File not found.' } });
  });

  it('lists templates with q=, serves parameters and presets, and refuses deleting a template in use', async () => {
    const names = async (q: string) =>
      items((await call('GET', `/api/v2/templates?q=${encodeURIComponent(q)}`)).body).map((t) => field(t, 'name'));
    expect(await names('dock')).toEqual(['docker']);
    expect(await names('exact_name:docker')).toEqual(['docker']);
    expect(await names('name:nothing')).toEqual([]);
    const params = await call('GET', `/api/v2/templateversions/${sim.demo.templateVersionId}/rich-parameters`);
    expect(params.body).toEqual([
      expect.objectContaining({
        name: 'region',
        type: 'string',
        default_value: 'us-east',
        options: expect.arrayContaining([expect.objectContaining({ value: 'eu-west' })]),
      }),
      expect.objectContaining({ name: 'cpu', type: 'number', default_value: '2' }),
    ]);
    const presets = await call('GET', `/api/v2/templateversions/${sim.demo.templateVersionId}/presets`);
    expect(presets.body).toEqual([
      expect.objectContaining({
        ID: expect.any(String),
        Name: 'Small EU',
        Default: true,
        Parameters: expect.arrayContaining([{ Name: 'region', Value: 'eu-west' }]),
      }),
    ]);
    const inUse = await call('DELETE', `/api/v2/templates/${sim.demo.templateId}`);
    expect(inUse).toMatchObject({
      status: 400,
      body: { message: 'All workspaces must be deleted before a template can be removed.' },
    });
  });
});

describe('authcheck, app host and agents', () => {
  it('answers authcheck by role, ownership and the ssh deny switch', async () => {
    const check = async (token: string, action = 'ssh', resourceId = sim.demo.workspaceId) => {
      const res = await call('POST', '/api/v2/authcheck', {
        token,
        json: { checks: { k: { object: { resource_type: 'workspace', resource_id: resourceId }, action } } },
      });
      return field(res.body, 'k');
    };
    expect(await check(sim.demo.user.token)).toBe(true);
    expect(await check(sim.demo.member.token)).toBe(false);
    expect(await check(sim.demo.member.token, 'read')).toBe(false);
    const bob = sim.addUser('bob', 'member');
    const created = await call('POST', '/api/v2/users/me/workspaces', {
      token: bob.token,
      json: { name: 'bobs', template_id: sim.demo.templateId },
    });
    const bobsId = String(field(created.body, 'id'));
    expect(await check(bob.token, 'ssh', bobsId)).toBe(true);
    sim.denySsh('bob', true);
    expect(await check(bob.token, 'ssh', bobsId)).toBe(false);
    expect(await check(bob.token, 'read', bobsId)).toBe(true);
    sim.denySsh(sim.demo.user.username, true);
    expect(await check(sim.demo.user.token)).toBe(false);
  });

  it('serves the app host and agent state changes', async () => {
    expect((await call('GET', '/api/v2/applications/host')).body).toEqual({ host: '*.apps.sim.local' });
    sim.setAppHost('');
    expect((await call('GET', '/api/v2/applications/host')).body).toEqual({ host: '' });
    sim.setAgentState(sim.demo.agentId, { status: 'connecting', lifecycle_state: 'created' });
    expect((await call('GET', `/api/v2/workspaceagents/${sim.demo.agentId}`)).body).toMatchObject({
      status: 'connecting',
      lifecycle_state: 'created',
      health: { healthy: false },
    });
    const logs = await call('GET', `/api/v2/workspaceagents/${sim.demo.agentId}/logs`);
    expect(logs.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ output: 'startup script finished', level: 'info', source_id: expect.any(String) }),
      ]),
    );
  });
});
