/**
 * The ten chat tools (codersdk/toolsdk/chats.go) through the MCP SDK client against the local server
 * and the simulator's chats API: each on its success path with coderd's result shape, and its failure
 * paths with coderd's texts. Waiting with progress and deadlines is in chats-await.test.ts; prompts in
 * chats-prompts.test.ts; the deployment without chats in chats-absent.test.ts.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let client: Client;
let member: Client;

beforeAll(async () => {
  stack = await startStack({ sim: { chatTurnMs: 30 } });
  client = await connectClient(stack, { token: stack.sim.demo.user.token });
  member = await connectClient(stack, { token: stack.sim.demo.member.token });
});

afterAll(async () => {
  await client.close();
  await member.close();
  await stack.close();
});

const MISSING = '0b7e2f4c-5d1a-4e8b-9c3f-2a6d8e1f4b70';

const status = z.object({
  id: z.string(),
  title: z.string(),
  status: z.string(),
  archived: z.boolean(),
  url: z.string(),
  last_error: z.unknown().optional(),
  last_turn_summary: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  files: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        mime_type: z.string(),
        size_bytes: z.number(),
        created_at: z.string(),
      }),
    )
    .optional(),
});

async function ok(name: string, args: Record<string, unknown> = {}, as: Client = client): Promise<unknown> {
  const res = await callTool(as, name, args);
  if (res.isError) throw new Error(`${name} failed: ${res.text}`);
  return res.json();
}

async function fails(name: string, args: Record<string, unknown> = {}, as: Client = client): Promise<string> {
  const res = await callTool(as, name, args);
  expect(res.isError).toBe(true);
  return res.text;
}

async function newChat(prompt: string, extra: Record<string, unknown> = {}): Promise<z.infer<typeof status>> {
  return status.parse(await ok('coder_create_chat', { prompt, ...extra }));
}

/** Waits (with the tool itself) until the chat stops generating. */
async function settle(id: string): Promise<z.infer<typeof status>> {
  const res = z
    .object({ timed_out: z.boolean(), chat: status })
    .parse(await ok('coder_await_chat', { chat_id: id, wait_secs: 10 }));
  expect(res.timed_out).toBe(false);
  return res.chat;
}

describe('coder_list_chat_model_configs', () => {
  it('lists the usable models for an admin (dropping disabled ones and those of disabled providers) and a member alike', async () => {
    const seeded = stack.sim.chats.modelConfigs();
    const usable = seeded
      .filter((c) => c.enabled && c.providerEnabled)
      .map((c) => ({ id: c.id, model: c.model, display_name: c.displayName, is_default: c.isDefault }));
    expect(usable).toHaveLength(2);
    expect(await ok('coder_list_chat_model_configs')).toEqual({ model_configs: usable });
    // A member may read neither the providers nor the deployment config: the list coderd gave is already filtered.
    const before = stack.sim.requestCount('/api/v2/deployment/config');
    expect(await ok('coder_list_chat_model_configs', {}, member)).toEqual({ model_configs: usable });
    expect(stack.sim.requestCount('/api/v2/deployment/config')).toBe(before + 1);
  });

  it('fails closed when the providers cannot be read but the deployment config can', async () => {
    stack.sim.failNext({ method: 'GET', pathPrefix: '/api/v2/ai/providers' }, 403, { message: 'Forbidden.' });
    expect(await fails('coder_list_chat_model_configs')).toBe(
      'cannot verify provider availability for the admin model config list: missing AI provider read permission',
    );
    stack.sim.failNext({ method: 'GET', pathPrefix: '/api/v2/ai/providers' }, 500);
    expect(await fails('coder_list_chat_model_configs')).toMatch(
      /^list AI providers: GET .*\/api\/v2\/ai\/providers: unexpected status code 500/,
    );
  });
});

describe('coder_create_chat and coder_get_chat', () => {
  it("starts a chat in the caller's only organization and reports its status, URL and labels", async () => {
    const chat = await newChat('Refactor the billing module', { labels: { team: 'billing' } });
    expect(chat).toMatchObject({
      title: 'Refactor the billing module',
      status: 'running',
      archived: false,
      labels: { team: 'billing' },
      url: `${stack.sim.url}/agents/${chat.id}`,
    });
    expect(chat).not.toHaveProperty('last_turn_summary');
    expect(chat).not.toHaveProperty('last_error');
    const done = await settle(chat.id);
    expect(done).toMatchObject({
      id: chat.id,
      status: 'waiting',
      last_turn_summary: 'Answered: Refactor the billing module',
    });
    expect(status.parse(await ok('coder_get_chat', { chat_id: chat.id }))).toEqual(done);
  });

  it("uses the model config asked for and refuses one Coder does not know, with coderd's texts", async () => {
    const [, second] = stack.sim.chats.modelConfigs();
    await newChat('with a model', { model_config_id: second?.id });
    expect(await fails('coder_create_chat', { prompt: 'x', model_config_id: 'gpt-5' })).toBe(
      'model_config_id must be a valid UUID',
    );
    expect(await fails('coder_create_chat', { prompt: 'x', model_config_id: MISSING })).toMatch(
      /^create chat: POST http:\/\/127\.0\.0\.1:\d+\/api\/experimental\/chats: unexpected status code 400: Invalid model config ID\.\n\tError: /,
    );
    expect(await fails('coder_create_chat', { prompt: '' })).toBe('prompt is required');
  });

  it('needs organization_id with several memberships, names them, and takes the one given', async () => {
    const org = stack.sim.addOrganization('research', ['alice']);
    const text = await fails('coder_create_chat', { prompt: 'x' }, member);
    // coderd's text (lib/coder/organizations.ts), then the memberships by name and id.
    expect(text).toMatch(
      /^organization_id is required because you belong to multiple organizations; use coder_list_organizations to obtain organization IDs and details\. Your organizations: "coder" \([0-9a-f-]{36}\), "research" \([0-9a-f-]{36}\)$/,
    );
    expect(text).toContain(org.id);
    const chat = await newChatAs(member, { prompt: 'in research', organization_id: org.id });
    expect(chat.status).toBe('running');
    expect(await fails('coder_create_chat', { prompt: 'x', organization_id: org.id })).toContain(
      'unexpected status code 403: You are not a member of the specified organization.',
    );
    expect(
      await fails('coder_create_chat', { prompt: 'x', organization_id: '00000000-0000-0000-0000-000000000000' }),
    ).toBe('organization_id must be a valid nonzero UUID');
    expect(await fails('coder_create_chat', { prompt: 'x', organization_id: 'coder' })).toBe(
      'organization_id must be a valid UUID',
    );
  });

  it('refuses a bad or unknown chat id', async () => {
    expect(await fails('coder_get_chat', { chat_id: 'abc' })).toBe('chat_id must be a valid UUID');
    expect(await fails('coder_get_chat', { chat_id: '' })).toBe('chat_id is required');
    expect(await fails('coder_get_chat', { chat_id: MISSING })).toMatch(
      /^get chat: GET .*: unexpected status code 404: Resource not found or you do not have access to this resource$/,
    );
  });

  it("reports a failed turn's last_error as Coder sent it", async () => {
    stack.sim.chats.scriptNextTurn({
      fail: { message: 'The model provider rate limited the request.', kind: 'rate_limit', retryable: true },
    });
    const chat = await newChat('this will fail');
    expect(await settle(chat.id)).toMatchObject({
      status: 'error',
      last_error: { message: 'The model provider rate limited the request.', kind: 'rate_limit', retryable: true },
    });
  });
});

async function newChatAs(as: Client, args: Record<string, unknown>) {
  return status.parse(await ok('coder_create_chat', args, as));
}

const messages = z.object({
  messages: z.array(
    z.object({
      id: z.number(),
      role: z.string(),
      created_at: z.string(),
      text: z.string(),
      files: z.array(z.unknown()).optional(),
    }),
  ),
  has_more: z.boolean(),
  next_before_id: z.number().optional(),
  next_after_id: z.number().optional(),
  queued_messages: z.array(z.string()).optional(),
});

describe('coder_get_chat_messages and coder_send_chat_message', () => {
  it('returns user-facing text in chronological order, without reasoning, tool calls or tool results', async () => {
    const chat = await newChat('List the open issues');
    await settle(chat.id);
    const page = messages.parse(await ok('coder_get_chat_messages', { chat_id: chat.id }));
    expect(page.messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'List the open issues'],
      ['assistant', 'Finished: List the open issues'],
    ]);
    expect(page).toEqual({ messages: page.messages, has_more: false });
  });

  it('pages backward with next_before_id and forward with next_after_id', async () => {
    const chat = await newChat('one');
    await settle(chat.id);
    await ok('coder_send_chat_message', { chat_id: chat.id, text: 'two' });
    await settle(chat.id);
    // Raw messages per turn: user, assistant (reasoning + tool call), tool, assistant reply.
    const newest = messages.parse(await ok('coder_get_chat_messages', { chat_id: chat.id, limit: 4 }));
    expect(newest.messages.map((m) => m.text)).toEqual(['two', 'Finished: two']);
    expect(newest.has_more).toBe(true);
    const older = messages.parse(
      await ok('coder_get_chat_messages', { chat_id: chat.id, limit: 4, before_id: newest.next_before_id }),
    );
    expect(older.messages.map((m) => m.text)).toEqual(['one', 'Finished: one']);
    expect(older).not.toHaveProperty('next_before_id');
    const first = older.messages[0]?.id ?? 0;
    const forward = messages.parse(
      await ok('coder_get_chat_messages', { chat_id: chat.id, after_id: first, limit: 2 }),
    );
    // Two raw messages after the prompt are the reasoning/tool-call one and the tool result: nothing to show, yet the cursor moves on.
    expect(forward.messages).toEqual([]);
    expect(forward.has_more).toBe(true);
    expect(forward.next_after_id).toBeGreaterThan(first);
    const next = messages.parse(
      await ok('coder_get_chat_messages', { chat_id: chat.id, after_id: forward.next_after_id, limit: 1 }),
    );
    expect(next.messages.map((m) => m.text)).toEqual(['Finished: one']);
  });

  it("refuses bad paging arguments with coderd's texts", async () => {
    const chat = await newChat('x');
    expect(await fails('coder_get_chat_messages', { chat_id: chat.id, limit: 201 })).toBe(
      'limit must be between 1 and 200',
    );
    expect(await fails('coder_get_chat_messages', { chat_id: chat.id, before_id: -1 })).toBe(
      'before_id must be a positive message id',
    );
    expect(await fails('coder_get_chat_messages', { chat_id: chat.id, before_id: 5, after_id: 2 })).toBe(
      'before_id and after_id cannot be used together',
    );
  });

  it('queues a message behind a busy chat, shows it in queued_messages, and interrupts on request', async () => {
    stack.sim.chats.scriptNextTurn({ hold: true });
    const chat = await newChat('a long job');
    expect(await ok('coder_send_chat_message', { chat_id: chat.id, text: 'then this' })).toEqual({ queued: true });
    const page = messages.parse(await ok('coder_get_chat_messages', { chat_id: chat.id }));
    expect(page.queued_messages).toEqual(['then this']);
    expect(
      await ok('coder_send_chat_message', {
        chat_id: chat.id,
        text: 'stop, do this instead',
        busy_behavior: 'interrupt',
      }),
    ).toEqual({ queued: true });
    await settle(chat.id);
    const after = messages.parse(await ok('coder_get_chat_messages', { chat_id: chat.id }));
    expect(after.messages.map((m) => m.text)).toEqual([
      'a long job',
      'Interrupted before finishing.',
      'then this',
      'Finished: then this',
      'stop, do this instead',
      'Finished: stop, do this instead',
    ]);
    const idle = await ok('coder_send_chat_message', { chat_id: chat.id, text: 'one more' });
    expect(idle).toEqual({ queued: false });
  });

  it('refuses a busy_behavior outside the schema as invalid arguments, and an empty text', async () => {
    const chat = await newChat('x');
    const text = await fails('coder_send_chat_message', { chat_id: chat.id, text: 'x', busy_behavior: 'later' });
    const parsed = z.object({ error: z.string(), expectedSchema: z.unknown() }).parse(JSON.parse(text));
    expect(parsed.error).toMatch(/^invalid arguments: \$\/busy_behavior: /);
    expect(await fails('coder_send_chat_message', { chat_id: chat.id, text: '' })).toBe('text is required');
  });
});

describe('coder_interrupt_chat and coder_archive_chat', () => {
  it('interrupts a running chat, keeping what it did so far', async () => {
    stack.sim.chats.scriptNextTurn({ hold: true });
    const chat = await newChat('never finishes by itself');
    expect(status.parse(await ok('coder_interrupt_chat', { chat_id: chat.id }))).toMatchObject({
      id: chat.id,
      status: 'waiting',
    });
    const page = messages.parse(await ok('coder_get_chat_messages', { chat_id: chat.id }));
    expect(page.messages.at(-1)?.text).toBe('Interrupted before finishing.');
  });

  it("archives a chat, which leaves the default list; archiving twice is Coder's 400", async () => {
    const chat = await newChat('archive me', { labels: { purpose: 'archive-test' } });
    expect(await ok('coder_archive_chat', { chat_id: chat.id })).toEqual({ message: 'Chat archived successfully.' });
    expect(stack.sim.chats.chat(chat.id)?.archived).toBe(true);
    const listed = z.object({ chats: z.array(status) });
    expect(listed.parse(await ok('coder_list_chats', { labels: { purpose: 'archive-test' } })).chats).toEqual([]);
    const archived = listed.parse(
      await ok('coder_list_chats', { labels: { purpose: 'archive-test' }, query: 'archived:true' }),
    ).chats;
    expect(archived.map((c) => [c.id, c.archived])).toEqual([[chat.id, true]]);
    expect(await fails('coder_archive_chat', { chat_id: chat.id })).toMatch(
      /^archive chat: PATCH .*: unexpected status code 400: Chat is already archived\.$/,
    );
  });
});

describe('coder_list_chats', () => {
  it('filters by labels (all must match), query and limit, newest first', async () => {
    // Held turns: nothing changes either chat after it is created, so b stays the most recently updated.
    stack.sim.chats.scriptNextTurn({ hold: true });
    stack.sim.chats.scriptNextTurn({ hold: true });
    const a = await newChat('alpha of the list test', { labels: { suite: 'list', kind: 'a' } });
    const b = await newChat('beta of the list test', { labels: { suite: 'list', kind: 'b' } });
    const list = async (args: Record<string, unknown>) =>
      z
        .object({ chats: z.array(status) })
        .parse(await ok('coder_list_chats', args))
        .chats.map((c) => c.id);
    expect(await list({ labels: { suite: 'list' } })).toEqual([b.id, a.id]);
    expect(await list({ labels: { suite: 'list', kind: 'a' } })).toEqual([a.id]);
    expect(await list({ labels: { suite: 'list' }, query: 'title:beta' })).toEqual([b.id]);
    expect(await list({ labels: { suite: 'list' }, limit: 1 })).toEqual([b.id]);
    // A member sees only their own chats.
    expect(
      z.object({ chats: z.array(status) }).parse(await ok('coder_list_chats', { labels: { suite: 'list' } }, member))
        .chats,
    ).toEqual([]);
  });

  it("refuses a limit out of range and passes on Coder's refusal of a query", async () => {
    expect(await fails('coder_list_chats', { limit: 101 })).toBe('limit must be between 1 and 100');
    expect(await fails('coder_list_chats', { query: 'free text' })).toMatch(
      /^list chats: GET .*: unexpected status code 400: Invalid chat search query\.\n\tq: /,
    );
  });
});

describe('coder_download_chat_file', () => {
  it('signs a URL that downloads the file without a token, by file id or by chat and name', async () => {
    const content = '# Findings\n\nAll good.\n';
    stack.sim.chats.scriptNextTurn({ files: [{ name: 'findings.md', mimeType: 'text/markdown', content }] });
    const chat = await newChat('write up your findings');
    const done = await settle(chat.id);
    const [file] = done.files ?? [];
    expect(file).toMatchObject({ name: 'findings.md', mime_type: 'text/markdown', size_bytes: content.length });
    const page = messages.parse(await ok('coder_get_chat_messages', { chat_id: chat.id }));
    expect(page.messages.at(-1)?.files).toEqual([{ id: file?.id, name: 'findings.md', mime_type: 'text/markdown' }]);

    const download = z.object({
      file_id: z.string(),
      name: z.string(),
      mime_type: z.string(),
      size_bytes: z.number(),
      sha256: z.string(),
      url: z.string(),
      expires_at: z.string(),
    });
    const byId = download.parse(await ok('coder_download_chat_file', { file_id: file?.id }));
    expect(byId).toMatchObject({
      file_id: file?.id,
      name: 'findings.md',
      mime_type: 'text/markdown',
      size_bytes: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
    });
    expect(Date.parse(byId.expires_at)).toBeGreaterThan(Date.now());
    const res = await fetch(byId.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(content);
    const byName = download.parse(await ok('coder_download_chat_file', { chat_id: chat.id, file_name: 'findings.md' }));
    expect(byName.file_id).toBe(file?.id);
  });

  it('needs exactly one addressing mode and names the files a chat has when the name matches none or several', async () => {
    stack.sim.chats.scriptNextTurn({
      files: [
        { name: 'a.txt', mimeType: 'text/plain', content: 'a' },
        { name: 'a.txt', mimeType: 'text/plain', content: 'b' },
      ],
    });
    const chat = await newChat('two files with one name');
    await settle(chat.id);
    const mode = 'provide exactly one addressing mode: file_id alone, or chat_id with file_name';
    expect(await fails('coder_download_chat_file', {})).toBe(mode);
    expect(await fails('coder_download_chat_file', { file_id: MISSING, chat_id: chat.id })).toBe(mode);
    expect(await fails('coder_download_chat_file', { chat_id: chat.id })).toBe(mode);
    expect(await fails('coder_download_chat_file', { file_id: 'x' })).toBe('file_id must be a valid UUID');
    expect(await fails('coder_download_chat_file', { chat_id: chat.id, file_name: 'b.txt' })).toMatch(
      /^no chat file named "b\.txt"; available files: \[\{id: [0-9a-f-]{36}, name: "a\.txt", mime_type: "text\/plain", size_bytes: 1\}, \{id: .*\}\]$/,
    );
    expect(await fails('coder_download_chat_file', { chat_id: chat.id, file_name: 'a.txt' })).toMatch(
      /^multiple chat files named "a\.txt"; available files: \[/,
    );
    expect(await fails('coder_download_chat_file', { file_id: MISSING })).toMatch(
      /^create chat file download URL: POST .*: unexpected status code 404: /,
    );
  });
});
