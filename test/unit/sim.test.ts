/** The simulator itself speaks coderd's wire format: auth answers, error bodies, filters, log streams, fault injection. */
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../sim';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ buildStepMs: 10 });
});
afterEach(() => sim.close());

const get = (path: string, token?: string) => fetch(`${sim.url}${path}`, { headers: token ? { 'Coder-Session-Token': token } : {} });

it('answers missing, malformed, unknown and expired tokens like coderd, with a challenge', async () => {
  const missing = await get('/api/v2/users/me');
  expect(missing.status).toBe(401);
  expect(await missing.json()).toEqual({
    message: 'You are signed out or your session has expired. Please sign in again to continue.',
    detail: 'Cookie "coder_session_token" or query parameter must be provided.',
  });
  expect(missing.headers.get('www-authenticate')).toContain(`resource_metadata="${sim.url}/.well-known/oauth-protected-resource"`);
  expect(((await (await get('/api/v2/users/me', 'short')).json()) as { detail: string }).detail).toMatch(/^Invalid API key format/);
  expect(((await (await get('/api/v2/users/me', 'abcdefghij-ABCDEFGHIJKLMNOPQRSTUV')).json()) as { detail: string }).detail).toBe('API key is invalid.');
  const [id] = sim.demo.user.token.split('-');
  expect(((await (await get('/api/v2/users/me', `${id}-ABCDEFGHIJKLMNOPQRSTUV`)).json()) as { detail: string }).detail).toBe('API key secret is invalid.');
  sim.expireToken(sim.demo.member.token);
  const expired = await get('/api/v2/users/me', sim.demo.member.token);
  expect(expired.headers.get('www-authenticate')).toContain('has expired');
});

it('serves unknown routes and invalid ids with coderd bodies', async () => {
  const route = await get('/api/v2/nothing-here', sim.demo.user.token);
  expect(route.status).toBe(404);
  expect(await route.json()).toEqual({ message: 'Route not found.' });
  const bad = await get('/api/v2/workspaces/not-a-uuid', sim.demo.user.token);
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ message: 'Invalid UUID "not-a-uuid".' });
});

it('filters workspaces with q= and refuses unknown filter keys', async () => {
  const q = (s: string) => get(`/api/v2/workspaces?q=${encodeURIComponent(s)}`, sim.demo.user.token);
  const running = (await (await q('owner:"me" status:running')).json()) as { workspaces: { name: string }[]; count: number };
  expect(running.workspaces.map((w) => w.name)).toEqual(['dev']);
  const alices = (await (await q('owner:alice')).json()) as { count: number };
  expect(alices.count).toBe(0);
  const bad = await q('color:blue');
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ validations: [{ field: 'color' }] });
});

it('hides other users\' workspaces from members', async () => {
  const res = await get(`/api/v2/workspaces/${sim.demo.workspaceId}`, sim.demo.member.token);
  expect(res.status).toBe(404);
});

it('streams build logs over the follow WebSocket until the build completes', async () => {
  const create = await fetch(`${sim.url}/api/v2/users/me/workspaces`, {
    method: 'POST',
    headers: { 'Coder-Session-Token': sim.demo.user.token, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'streamed', template_id: sim.demo.templateId }),
  });
  expect(create.status).toBe(201);
  const ws = (await create.json()) as { latest_build: { id: string; status: string } };
  expect(ws.latest_build.status).toBe('pending');
  const socket = new WebSocket(`${sim.url.replace('http', 'ws')}/api/v2/workspacebuilds/${ws.latest_build.id}/logs?follow`, {
    headers: { 'Coder-Session-Token': sim.demo.user.token },
  });
  const frames: string[] = [];
  socket.on('message', (d, isBinary) => {
    expect(isBinary).toBe(false);
    frames.push(d.toString());
  });
  const code = await new Promise<number>((r) => socket.on('close', r));
  expect(code).toBe(1000);
  expect(frames.map((f) => (JSON.parse(f) as { output: string }).output)).toContain('Cleaning Up');
  const build = (await (await get(`/api/v2/workspacebuilds/${ws.latest_build.id}`, sim.demo.user.token)).json()) as { status: string };
  expect(build.status).toBe('running');
});

it('injects faults and counts requests', async () => {
  sim.failNext({ pathPrefix: '/api/v2/templates' }, 500, { message: 'boom' });
  expect((await get('/api/v2/templates', sim.demo.user.token)).status).toBe(500);
  expect((await get('/api/v2/templates', sim.demo.user.token)).status).toBe(200);
  expect(sim.requestCount('/api/v2/templates')).toBe(2);
});

it('answers authcheck for ssh by role, ownership and the deny switch', async () => {
  const check = async (token: string) => {
    const res = await fetch(`${sim.url}/api/v2/authcheck`, {
      method: 'POST',
      headers: { 'Coder-Session-Token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ checks: { ssh: { object: { resource_type: 'workspace', resource_id: sim.demo.workspaceId }, action: 'ssh' } } }),
    });
    return ((await res.json()) as { ssh: boolean }).ssh;
  };
  expect(await check(sim.demo.user.token)).toBe(true);
  expect(await check(sim.demo.member.token)).toBe(false);
  sim.denySsh(sim.demo.user.username, true);
  expect(await check(sim.demo.user.token)).toBe(false);
});
