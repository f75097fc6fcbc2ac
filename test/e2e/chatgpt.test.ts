/** The `?toolset=chatgpt` toolset (search and fetch only) through the MCP SDK client. */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let client: Client;

beforeAll(async () => {
  stack = await startStack();
  client = await connectClient(stack, { token: stack.sim.demo.user.token, query: '?toolset=chatgpt' });
});
afterAll(async () => {
  await client.close();
  await stack.close();
});

it('lists only search and fetch, read-only', async () => {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(['fetch', 'search']);
  for (const t of tools) expect(t.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  expect(tools.find((t) => t.name === 'search')?.inputSchema.required).toEqual(['query']);
  expect(tools.find((t) => t.name === 'fetch')?.inputSchema.required).toEqual(['id']);
});

it('searches templates and workspaces, and fetches each result in full', async () => {
  const templates = (await callTool(client, 'search', { query: 'templates' })).json() as {
    results: { id: string; url: string }[];
  };
  expect(templates.results[0]).toMatchObject({
    id: `template:${stack.sim.demo.templateId}`,
    title: 'Docker',
    url: `${stack.sim.url}/templates/coder/docker`,
  });

  const workspaces = (await callTool(client, 'search', { query: 'workspaces' })).json() as {
    results: { id: string; text: string; url: string }[];
  };
  const dev = workspaces.results.find((r) => r.id === `workspace:${stack.sim.demo.workspaceId}`);
  expect(dev).toMatchObject({
    title: stack.sim.demo.workspaceName,
    text: `Owner: ${stack.sim.demo.user.username}\nTemplate: docker\nLatest transition: start`,
    url: `${stack.sim.url}/${stack.sim.demo.user.username}/${stack.sim.demo.workspaceName}`,
  });

  const running = (await callTool(client, 'search', { query: 'workspaces/status:running' })).json() as {
    results: { title: string }[];
  };
  expect(running.results.map((r) => r.title)).not.toContain(stack.sim.demo.stoppedWorkspaceName);

  const full = await callTool(client, 'fetch', { id: `workspace:${stack.sim.demo.workspaceId}` });
  const doc = full.json() as { id: string; text: string };
  expect(doc.id).toBe(`workspace:${stack.sim.demo.workspaceId}`);
  expect(JSON.parse(doc.text)).toMatchObject({ id: stack.sim.demo.workspaceId, latest_build: expect.any(Object) });

  const tpl = (await callTool(client, 'fetch', { id: `template:${stack.sim.demo.templateId}` })).json() as {
    text: string;
  };
  expect(JSON.parse(tpl.text)).toMatchObject({ id: stack.sim.demo.templateId, name: 'docker' });
});

it('explains malformed queries and ids', async () => {
  const badQuery = await callTool(client, 'search', { query: 'users/alice' });
  expect(badQuery.isError).toBe(true);
  expect(badQuery.text).toMatch(/^invalid query/);
  const badId = await callTool(client, 'fetch', { id: 'workspace:nope' });
  expect(badId.isError).toBe(true);
  expect(badId.text).toMatch(/expected "template:<uuid>" or "workspace:<uuid>"/);
  const missing = await callTool(client, 'fetch', { id: 'template:6a0f1c1e-3f5b-4c41-9d3e-8f2b7a9d0c11' });
  expect(missing.isError).toBe(true);
  expect(missing.text).toMatch(/404/);
});

it('the standard toolset does not offer search and fetch', async () => {
  const standard = await connectClient(stack, { token: stack.sim.demo.user.token });
  try {
    const names = (await standard.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('search');
    expect(names).not.toContain('fetch');
  } finally {
    await standard.close();
  }
});
