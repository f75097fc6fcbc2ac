/**
 * Progress for clients that ask for it (`_meta.progressToken`): the answer is an SSE stream whose
 * `notifications/progress` arrive while the tool runs (build logs line by line, auto-start, "still
 * running" beats of a long command); without a token, or where the entry point does not stream, the
 * answer stays plain JSON as coderd's. Through the MCP SDK client and raw HTTP against the local server;
 * the rhythm of the beats, on fake time, is test/unit/progress-beats.test.ts's.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { clearResolutions } from '../../lib/tools/agent-access';
import { resetSharedPool } from '../../lib/tunnel/shared';
import { connectClient, postMcp, startStack, INIT_REQUEST, type Stack } from '../helpers/stack';

let stack: Stack;
let client: Client;

beforeAll(async () => {
  resetSharedPool();
  clearResolutions();
  stack = await startStack({ sim: { buildStepMs: 60 }, env: { MCP_PROGRESS_INTERVAL_MS: '150' } });
  client = await connectClient(stack, { token: stack.sim.demo.user.token });
});
afterAll(async () => {
  await client.close();
  resetSharedPool();
  await stack.close();
});

/** Calls a tool with a progress token; `onFirst` runs when the first notification arrives, while the call is still open. */
async function callWithProgress(name: string, args: Record<string, unknown>, onFirst?: () => void) {
  const seen: Progress[] = [];
  const result = (await client.callTool({ name, arguments: args }, CallToolResultSchema, {
    onprogress: (progress) => {
      if (seen.length === 0) onFirst?.();
      seen.push(progress);
    },
  })) as CallToolResult;
  const first = result.content[0];
  return { result, text: first?.type === 'text' ? first.text : '', messages: seen.map((p) => p.message ?? ''), seen };
}

/** The build's job status, as Coder reports it now. */
async function jobStatus(buildId: string): Promise<string> {
  const res = await fetch(`${stack.sim.url}/api/v2/workspacebuilds/${buildId}`, {
    headers: { 'Coder-Session-Token': stack.sim.demo.user.token },
  });
  return ((await res.json()) as { job: { status: string } }).job.status;
}

it("streams a build's log lines as progress while coder_get_workspace_build_logs waits for it", async () => {
  const created = await client.callTool({
    name: 'coder_create_workspace',
    arguments: { user: 'me', name: 'progress-ws', template_id: stack.sim.demo.templateId, rich_parameters: {} },
  });
  const ws = JSON.parse((created.content as { text: string }[])[0]?.text ?? '{}') as { latest_build: { id: string } };
  let statusAtFirstLine: Promise<string> | undefined;
  const { result, text, messages, seen } = await callWithProgress(
    'coder_get_workspace_build_logs',
    { workspace_build_id: ws.latest_build.id },
    () => {
      statusAtFirstLine = jobStatus(ws.latest_build.id);
    },
  );
  expect(result.isError).toBeFalsy();
  const lines = JSON.parse(text) as string[];
  expect(lines.length).toBeGreaterThan(1);
  // Every line the result lists was also reported as it came, in order; numbering only goes up.
  for (const line of lines.filter(Boolean)) expect(messages.some((m) => m.endsWith(line))).toBe(true);
  expect(seen.map((p) => p.progress)).toEqual([...seen.map((p) => p.progress)].sort((a, b) => a - b));
  // Streamed: the first line reached the client while the build was still running (it takes several steps), not with the answer.
  expect(await statusAtFirstLine).toBe('running');
});

it('reports an auto-start, and keeps reporting while a long command runs', async () => {
  const apps = await callWithProgress('coder_workspace_list_apps', { workspace: stack.sim.demo.stoppedWorkspaceName });
  expect(apps.result.isError).toBeFalsy();
  expect(apps.messages[0]).toBe(`workspace "${stack.sim.demo.stoppedWorkspaceName}" is stopped; starting it`);
  expect(apps.messages.some((m) => m.startsWith(`starting "${stack.sim.demo.stoppedWorkspaceName}": `))).toBe(true);

  const bash = await callWithProgress('coder_workspace_bash', { workspace: 'dev', command: 'sleep 0.8; echo done' });
  expect(JSON.parse(bash.text)).toEqual({ output: 'done', exit_code: 0 });
  expect(bash.messages.filter((m) => /^the command: still running after \d+ s$/.test(m)).length).toBeGreaterThanOrEqual(
    2,
  );
});

it('answers SSE only to a call that carries a progress token; otherwise JSON as coderd', async () => {
  const headers = { authorization: `Bearer ${stack.sim.demo.user.token}` };
  const call = (meta: Record<string, unknown>) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'coder_list_templates', arguments: {}, ...meta },
    });
  const streamed = await postMcp(stack, call({ _meta: { progressToken: 'tok-1' } }), headers);
  expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(await streamed.text()).toMatch(/^event: message\ndata: .*"id":7/m);
  const plain = await postMcp(stack, call({}), headers);
  expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
  expect(((await plain.json()) as { id: number }).id).toBe(7);
  const init = await postMcp(stack, JSON.stringify(INIT_REQUEST), headers);
  expect(init.headers.get('content-type')).toMatch(/^application\/json/);
});

it('stays JSON where the entry point does not stream, progress token or not', async () => {
  const buffered = await startStack({ env: { MCP_STREAM_RESPONSES: 'false' } });
  try {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 8,
      method: 'tools/call',
      params: { name: 'coder_list_templates', arguments: {}, _meta: { progressToken: 1 } },
    });
    const res = await postMcp(buffered, body, { authorization: `Bearer ${buffered.sim.demo.user.token}` });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { result: { isError?: boolean } }).result.isError).toBeUndefined();
  } finally {
    await buffered.close();
  }
});
