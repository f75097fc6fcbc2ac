/**
 * The simulator's chats API against coderd's wire format (coderd/exp_chats.go, codersdk/chats.go):
 * create with its validations, the agent's turn (running → waiting with a reply, or error with a
 * last_error), message pages both ways, queueing and interrupting, archiving, list filters, the watch
 * WebSocket, model configs and providers by role, signed download URLs, organizations, and the switch
 * to a deployment without the chats API.
 */
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../sim';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ chatTurnMs: 30 });
});
afterEach(() => sim.close());

const CHATS = '/api/experimental/chats';

interface Call {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

async function call(
  method: string,
  path: string,
  opts: { token?: string | null; json?: unknown; absolute?: boolean } = {},
): Promise<Call> {
  const token = opts.token === undefined ? sim.demo.user.token : opts.token;
  const headers: Record<string, string> = token ? { 'Coder-Session-Token': token } : {};
  if (opts.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(opts.absolute ? path : `${sim.url}${path}`, {
    method,
    headers,
    ...(opts.json === undefined ? {} : { body: JSON.stringify(opts.json) }),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json');
  return { status: res.status, headers: res.headers, body: json ? JSON.parse(text) : text, text };
}

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

const text = (t: string) => [{ type: 'text', text: t }];

async function createChat(prompt: string, extra: Record<string, unknown> = {}, token?: string): Promise<string> {
  const res = await call('POST', CHATS, {
    json: { organization_id: await orgId(token), content: text(prompt), ...extra },
    ...(token ? { token } : {}),
  });
  expect(res.status).toBe(201);
  return String(field(res.body, 'id'));
}

async function orgId(token?: string): Promise<string> {
  const me = await call('GET', '/api/v2/users/me', token ? { token } : {});
  return String(field(me.body, 'organization_ids', 0));
}

async function until(chatId: string, status: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (sim.chats.chat(chatId)?.status === status) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`chat ${chatId} never became ${status} (is ${sim.chats.chat(chatId)?.status})`);
}

describe('creating a chat', () => {
  it('answers 201 with a running chat whose title comes from the prompt, then the agent replies', async () => {
    const res = await call('POST', CHATS, {
      json: {
        organization_id: await orgId(),
        content: text('Fix the flaky login test in the web app please'),
        labels: { team: 'web' },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'running',
      title: 'Fix the flaky login test in…',
      labels: { team: 'web' },
      archived: false,
      last_turn_summary: null,
    });
    expect(res.body).not.toHaveProperty('last_error');
    const id = String(field(res.body, 'id'));
    await until(id, 'waiting');
    const got = await call('GET', `${CHATS}/${id}`);
    expect(got.body).toMatchObject({
      status: 'waiting',
      last_turn_summary: 'Answered: Fix the flaky login test in the web app please',
    });
  });

  it('refuses what postChats refuses, with its status codes and bodies', async () => {
    const org = await orgId();
    expect(await call('POST', CHATS, { json: { content: text('x') } })).toMatchObject({
      status: 400,
      body: { message: 'organization_id is required.' },
    });
    const other = sim.addOrganization('other', ['alice']);
    expect(await call('POST', CHATS, { json: { organization_id: other.id, content: text('x') } })).toMatchObject({
      status: 403,
      body: { message: 'You are not a member of the specified organization.' },
    });
    expect(await call('POST', CHATS, { json: { organization_id: org, content: [] } })).toMatchObject({
      status: 400,
      body: { message: 'Content is required.', detail: 'Content cannot be empty.' },
    });
    expect(await call('POST', CHATS, { json: { organization_id: org, content: text('   ') } })).toMatchObject({
      status: 400,
      body: { message: 'Invalid input part.', detail: 'content[0].text cannot be empty.' },
    });
    expect(
      await call('POST', CHATS, { json: { organization_id: org, content: [{ type: 'image', text: 'x' }] } }),
    ).toMatchObject({
      status: 400,
      body: { detail: 'content[0].type "image" is not supported.' },
    });
    const bad = await call('POST', CHATS, {
      json: { organization_id: org, content: text('x'), model_config_id: '0b7e2f4c-5d1a-4e8b-9c3f-2a6d8e1f4b70' },
    });
    expect(bad).toMatchObject({ status: 400, body: { message: 'Invalid model config ID.' } });
    expect(await call('POST', CHATS, { json: { organization_id: 'nope', content: text('x') } })).toMatchObject({
      status: 400,
      body: { message: 'Request body must be valid JSON.' },
    });
  });
});

describe('a chat', () => {
  it("is 400 for a malformed id and 404 for a missing one or another user's", async () => {
    expect(await call('GET', `${CHATS}/not-a-uuid`)).toMatchObject({
      status: 400,
      body: { message: 'Invalid UUID "not-a-uuid".' },
    });
    expect(await call('GET', `${CHATS}/0b7e2f4c-5d1a-4e8b-9c3f-2a6d8e1f4b70`)).toMatchObject({ status: 404 });
    const id = await createChat('mine');
    expect((await call('GET', `${CHATS}/${id}`, { token: sim.demo.member.token })).status).toBe(404);
  });

  it('keeps the transcript: user prompt, reasoning and tool call, tool result, reply; pages newest first or forward', async () => {
    const id = await createChat('first prompt');
    await until(id, 'waiting');
    const all = await call('GET', `${CHATS}/${id}/messages`);
    const roles = items(field(all.body, 'messages')).map((m) => field(m, 'role'));
    expect(roles).toEqual(['assistant', 'tool', 'assistant', 'user']);
    expect(field(all.body, 'messages', 0, 'content', 0)).toEqual({ type: 'text', text: 'Finished: first prompt' });
    expect(field(all.body, 'messages', 2, 'content', 1, 'type')).toBe('tool-call');
    expect(field(all.body, 'has_more')).toBe(false);
    expect(field(all.body, 'queued_messages')).toEqual([]);

    const newest = await call('GET', `${CHATS}/${id}/messages?limit=2`);
    const ids = items(field(newest.body, 'messages')).map((m) => Number(field(m, 'id')));
    expect(ids[0]).toBeGreaterThan(ids[1] ?? 0);
    expect(field(newest.body, 'has_more')).toBe(true);
    const older = await call('GET', `${CHATS}/${id}/messages?limit=2&before_id=${ids[1]}`);
    expect(items(field(older.body, 'messages')).map((m) => field(m, 'role'))).toEqual(['assistant', 'user']);
    expect(field(older.body, 'has_more')).toBe(false);
    const firstId = Number(field(older.body, 'messages', 1, 'id'));
    const forward = await call('GET', `${CHATS}/${id}/messages?after_id=${firstId}&limit=2`);
    const forwardIds = items(field(forward.body, 'messages')).map((m) => Number(field(m, 'id')));
    expect(forwardIds[0]).toBeLessThan(forwardIds[1] ?? 0);
    expect(field(forward.body, 'has_more')).toBe(true);
  });

  it('validates message paging like getChatMessages', async () => {
    const id = await createChat('x');
    expect(await call('GET', `${CHATS}/${id}/messages?limit=201`)).toMatchObject({
      status: 400,
      body: { message: 'Invalid limit parameter (1-200).' },
    });
    const bad = await call('GET', `${CHATS}/${id}/messages?before_id=abc`);
    expect(bad).toMatchObject({
      status: 400,
      body: { message: 'Query parameters have invalid values.', validations: [{ field: 'before_id' }] },
    });
  });

  it('queues a prompt sent while busy and promotes it after the turn; interrupt stops the turn first', async () => {
    sim.chats.scriptNextTurn({ hold: true });
    const id = await createChat('long job');
    const queued = await call('POST', `${CHATS}/${id}/messages`, { json: { content: text('and then this') } });
    expect(queued).toMatchObject({
      status: 200,
      body: { queued: true, queued_message: { content: text('and then this') } },
    });
    const page = await call('GET', `${CHATS}/${id}/messages`);
    expect(items(field(page.body, 'queued_messages'))).toHaveLength(1);
    expect(sim.chats.finishTurn(id)).toBe(true);
    // The queued prompt became the next turn at once.
    expect(sim.chats.chat(id)).toMatchObject({ status: 'running', queued: 0 });
    await until(id, 'waiting');

    sim.chats.scriptNextTurn({ hold: true });
    const sent = await call('POST', `${CHATS}/${id}/messages`, { json: { content: text('third') } });
    expect(sent).toMatchObject({ status: 200, body: { queued: false, message: { role: 'user' } } });
    const interrupting = await call('POST', `${CHATS}/${id}/messages`, {
      json: { content: text('stop and do this'), busy_behavior: 'interrupt' },
    });
    expect(field(interrupting.body, 'queued')).toBe(true);
    const after = await call('GET', `${CHATS}/${id}/messages`);
    const texts = items(field(after.body, 'messages')).map((m) => field(m, 'content', 0, 'text'));
    expect(texts.slice(0, 2)).toEqual(['stop and do this', 'Interrupted before finishing.']);
    expect(
      await call('POST', `${CHATS}/${id}/messages`, { json: { content: text('x'), busy_behavior: 'later' } }),
    ).toMatchObject({
      status: 400,
      body: { message: 'Invalid busy_behavior value.', detail: 'Must be "queue" or "interrupt".' },
    });
  });

  it('answers 429 when the queue is full', async () => {
    sim.chats.scriptNextTurn({ hold: true });
    const id = await createChat('busy');
    for (let i = 0; i < 20; i++)
      expect((await call('POST', `${CHATS}/${id}/messages`, { json: { content: text(`q${i}`) } })).status).toBe(200);
    expect(await call('POST', `${CHATS}/${id}/messages`, { json: { content: text('one more') } })).toMatchObject({
      status: 429,
      body: { message: 'Message queue is full.' },
    });
  });

  it('interrupts a running turn and leaves the chat waiting', async () => {
    sim.chats.scriptNextTurn({ hold: true });
    const id = await createChat('never ends');
    const res = await call('POST', `${CHATS}/${id}/interrupt`);
    expect(res).toMatchObject({ status: 200, body: { id, status: 'waiting' } });
    expect(sim.chats.finishTurn(id)).toBe(false);
  });

  it('ends a failing turn in error with a last_error, and a new prompt clears it', async () => {
    sim.chats.scriptNextTurn({
      fail: { message: 'The model provider is overloaded.', kind: 'overloaded', retryable: true },
    });
    const id = await createChat('x');
    await until(id, 'error');
    expect((await call('GET', `${CHATS}/${id}`)).body).toMatchObject({
      status: 'error',
      last_error: { message: 'The model provider is overloaded.', kind: 'overloaded', retryable: true },
    });
    await call('POST', `${CHATS}/${id}/messages`, { json: { content: text('try again') } });
    await until(id, 'waiting');
    expect((await call('GET', `${CHATS}/${id}`)).body).not.toHaveProperty('last_error');
  });

  it('archives with PATCH (204), hides archived chats from the default list, and refuses archiving twice', async () => {
    const id = await createChat('to archive');
    const res = await call('PATCH', `${CHATS}/${id}`, { json: { archived: true } });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(items((await call('GET', CHATS)).body).map((c) => field(c, 'id'))).not.toContain(id);
    expect(items((await call('GET', `${CHATS}?q=archived:true`)).body).map((c) => field(c, 'id'))).toEqual([id]);
    expect(await call('PATCH', `${CHATS}/${id}`, { json: { archived: true } })).toMatchObject({
      status: 400,
      body: { message: 'Chat is already archived.' },
    });
  });
});

describe('listing chats', () => {
  it("lists the caller's own chats, newest first, filtered by labels, query and limit", async () => {
    const a = await createChat('alpha task', { labels: { team: 'web' } });
    const b = await createChat('beta task', { labels: { team: 'api' } });
    await createChat('member chat', {}, sim.demo.member.token);
    expect(items((await call('GET', CHATS)).body).map((c) => field(c, 'id'))).toEqual([b, a]);
    expect(items((await call('GET', `${CHATS}?label=team:web`)).body).map((c) => field(c, 'id'))).toEqual([a]);
    expect(
      items((await call('GET', `${CHATS}?q=${encodeURIComponent('title:beta')}`)).body).map((c) => field(c, 'id')),
    ).toEqual([b]);
    expect(items((await call('GET', `${CHATS}?limit=1`)).body)).toHaveLength(1);
    expect(await call('GET', `${CHATS}?q=beta`)).toMatchObject({
      status: 400,
      body: { message: 'Invalid chat search query.', validations: [{ field: 'q' }] },
    });
    expect(await call('GET', `${CHATS}?label=team`)).toMatchObject({
      status: 400,
      body: { message: 'Invalid label filter: "team" (expected format key:value, both must be non-empty)' },
    });
  });
});

describe('the watch WebSocket', () => {
  it('sends the owner a ChatWatchEvent per change of their own chats only', async () => {
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}${CHATS}/watch`, {
      headers: { 'Coder-Session-Token': sim.demo.user.token },
    });
    const events: { kind: unknown; id: unknown; status: unknown }[] = [];
    ws.on('message', (data) => {
      const parsed: unknown = JSON.parse(data.toString());
      events.push({
        kind: field(parsed, 'kind'),
        id: field(parsed, 'chat', 'id'),
        status: field(parsed, 'chat', 'status'),
      });
    });
    await new Promise((resolve) => ws.once('open', resolve));
    await createChat('from the member', {}, sim.demo.member.token);
    const id = await createChat('watched');
    await until(id, 'waiting');
    await new Promise((r) => setTimeout(r, 20));
    expect(events.every((e) => e.id === id)).toBe(true);
    expect(events[0]).toMatchObject({ kind: 'created' });
    expect(events.at(-1)).toMatchObject({ kind: 'status_change', status: 'waiting' });
    expect(sim.chats.watchers()).toBe(1);
    const closed = new Promise((resolve) => ws.once('close', resolve));
    expect(sim.chats.dropWatchers()).toBe(1);
    await closed;
  });
});

describe('model configs and providers', () => {
  it('shows an admin every config and a member the usable ones; providers and deployment config are for admins', async () => {
    const admin = await call('GET', `${CHATS}/model-configs`);
    expect(items(admin.body)).toHaveLength(4);
    const member = await call('GET', `${CHATS}/model-configs`, { token: sim.demo.member.token });
    expect(items(member.body).map((c) => field(c, 'model'))).toEqual(['gpt-5', 'gpt-5-mini']);
    expect(items((await call('GET', '/api/v2/ai/providers')).body).map((p) => field(p, 'enabled'))).toEqual([
      true,
      false,
    ]);
    expect((await call('GET', '/api/v2/ai/providers', { token: sim.demo.member.token })).status).toBe(403);
    expect((await call('GET', '/api/v2/deployment/config', { token: sim.demo.member.token })).status).toBe(403);
    expect((await call('GET', '/api/v2/deployment/config')).status).toBe(200);
  });
});

describe('chat file downloads', () => {
  it('signs a short-lived URL that needs no token and refuses tampered or expired ones', async () => {
    sim.chats.scriptNextTurn({ files: [{ name: 'report.md', mimeType: 'text/markdown', content: '# Report\n' }] });
    const id = await createChat('write a report');
    await until(id, 'waiting');
    const [fileId = ''] = sim.chats.chat(id)?.fileIds ?? [];
    const chat = await call('GET', `${CHATS}/${id}`);
    expect(field(chat.body, 'files', 0)).toMatchObject({
      id: fileId,
      name: 'report.md',
      mime_type: 'text/markdown',
      size_bytes: 9,
    });

    const made = await call('POST', `${CHATS}/files/${fileId}/download-url`);
    const sha = createHash('sha256').update('# Report\n').digest('hex');
    expect(made).toMatchObject({
      status: 200,
      body: { sha256: sha, size_bytes: 9, name: 'report.md', mime_type: 'text/markdown' },
    });
    const url = String(field(made.body, 'url'));
    const got = await call('GET', url, { token: null, absolute: true });
    expect(got.status).toBe(200);
    expect(got.text).toBe('# Report\n');
    expect(got.headers.get('content-type')).toBe('text/markdown');
    const tampered = url.replace(/signature=([0-9a-f])/, (_m, c: string) => `signature=${c === '0' ? '1' : '0'}`);
    expect(await call('GET', tampered, { token: null, absolute: true })).toMatchObject({
      status: 403,
      body: { message: 'Invalid download URL signature.' },
    });

    sim.chats.setDownloadTtlMs(0);
    const stale = String(field((await call('POST', `${CHATS}/files/${fileId}/download-url`)).body, 'url'));
    expect(await call('GET', stale, { token: null, absolute: true })).toMatchObject({
      status: 403,
      body: { message: 'Download URL has expired.' },
    });
    expect((await call('POST', `${CHATS}/files/${fileId}/download-url`, { token: sim.demo.member.token })).status).toBe(
      404,
    );
    expect(await call('POST', `${CHATS}/files/nope/download-url`)).toMatchObject({
      status: 400,
      body: { message: 'Invalid file ID.' },
    });
  });
});

describe('organizations', () => {
  it("lists the caller's memberships and includes added organizations in organization_ids", async () => {
    const before = await call('GET', '/api/v2/users/me/organizations');
    expect(items(before.body).map((o) => field(o, 'name'))).toEqual(['coder']);
    const extra = sim.addOrganization('research', ['admin']);
    const after = await call('GET', '/api/v2/users/me/organizations');
    expect(items(after.body).map((o) => field(o, 'name'))).toEqual(['coder', 'research']);
    expect(field((await call('GET', '/api/v2/users/me')).body, 'organization_ids')).toEqual([await orgId(), extra.id]);
    expect((await call('GET', '/api/v2/users/admin/organizations', { token: sim.demo.member.token })).status).toBe(403);
  });
});

describe('a deployment without the chats API', () => {
  it('answers 404 "Route not found." on every chats route when the API is absent, token or not', async () => {
    sim.chats.setMode('absent');
    for (const [method, path] of [
      ['GET', CHATS],
      ['POST', CHATS],
      ['GET', `${CHATS}/model-configs`],
      ['GET', `${CHATS}/0b7e2f4c-5d1a-4e8b-9c3f-2a6d8e1f4b70`],
    ] as const) {
      const json = method === 'POST' ? {} : undefined;
      expect(await call(method, path, { json })).toMatchObject({ status: 404, body: { message: 'Route not found.' } });
      expect(await call(method, path, { json, token: null })).toMatchObject({ status: 404 });
    }
    expect((await call('GET', '/api/v2/experiments')).body).toEqual([]);
  });

  it('answers 403 after authentication when the agents experiment is off', async () => {
    sim.chats.setMode('experiment-off');
    expect(await call('GET', `${CHATS}/model-configs`)).toMatchObject({
      status: 403,
      body: { message: expect.stringContaining("'agents' experiment") },
    });
    expect((await call('GET', `${CHATS}/model-configs`, { token: null })).status).toBe(401);
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}${CHATS}/watch`, {
      headers: { 'Coder-Session-Token': sim.demo.user.token },
    });
    const status = await new Promise<number>((resolve) =>
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(403);
    sim.chats.setMode('on');
    expect((await call('GET', '/api/v2/experiments')).body).toEqual(['agents']);
  });
});
