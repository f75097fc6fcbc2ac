/**
 * A Coder deployment without the chats API lists no chat tool and no prompt (and has no prompts
 * capability, as a coderd without prompts), whether the API is missing (an older coderd: 404) or its
 * `agents` experiment is off (403); the rest of the standard toolset is unchanged. The answer is found
 * with one probe per container and Coder URL and cached: later requests do not ask again. A probe that
 * cannot tell keeps the tools, as coderd's own endpoint lists them, and is not repeated on every request.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { clearChatsAvailability } from '../../lib/tools/chats-availability';
import { connectClient, postMcp, startStack, type Stack } from '../helpers/stack';
import type { ChatsMode } from '../sim';

const PROBE = '/api/experimental/chats/model-configs';
const CHAT_TOOLS = [
  'coder_archive_chat',
  'coder_await_chat',
  'coder_create_chat',
  'coder_download_chat_file',
  'coder_get_chat',
  'coder_get_chat_messages',
  'coder_interrupt_chat',
  'coder_list_chat_model_configs',
  'coder_list_chats',
  'coder_send_chat_message',
];

async function stackWith(mode: ChatsMode): Promise<Stack> {
  const stack = await startStack();
  stack.sim.chats.setMode(mode);
  return stack;
}

async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name);
}

describe.each<ChatsMode>(['absent', 'experiment-off'])('a deployment whose chats API is %s', (mode) => {
  let stack: Stack;
  let client: Client;
  let withChats: Stack;

  beforeAll(async () => {
    stack = await stackWith(mode);
    client = await connectClient(stack, { token: stack.sim.demo.user.token });
    withChats = await startStack();
  });

  afterAll(async () => {
    await client.close();
    await stack.close();
    await withChats.close();
  });

  it('lists the standard toolset without the chat tools, and no prompts', async () => {
    const names = await toolNames(client);
    const full = await connectClient(withChats, { token: withChats.sim.demo.user.token });
    try {
      const all = await toolNames(full);
      expect(all).toHaveLength(names.length + CHAT_TOOLS.length);
      expect(names).toEqual(all.filter((n) => !CHAT_TOOLS.includes(n)));
      expect(full.getServerCapabilities()?.prompts).toBeDefined();
    } finally {
      await full.close();
    }
    expect(client.getServerCapabilities()?.prompts).toBeUndefined();
    const raw = await postMcp(stack, JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'prompts/list' }), {
      authorization: `Bearer ${stack.sim.demo.user.token}`,
    });
    expect(await raw.json()).toMatchObject({ id: 9, error: { code: ErrorCode.MethodNotFound } });
  });

  it('answers a call to a chat tool as a tool it does not offer, saying why', async () => {
    const err = await client
      .callTool({ name: 'coder_create_chat', arguments: { prompt: 'x' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err instanceof McpError ? [err.code, err.message] : []).toEqual([
      ErrorCode.InvalidParams,
      'MCP error -32602: tool "coder_create_chat" needs the chats API (Coder Agents), which this Coder deployment does not serve',
    ]);
  });

  it('asked Coder once, however many requests and callers came', async () => {
    const second = await connectClient(stack, { token: stack.sim.demo.member.token });
    try {
      await second.listTools();
      await client.listTools();
    } finally {
      await second.close();
    }
    expect(stack.sim.requestCount(PROBE)).toBe(1);
  });
});

describe('the cached answer', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await stackWith('absent');
  });

  afterAll(() => stack.close());

  it('holds within its lifetime even if the deployment changes, and is asked again once forgotten', async () => {
    const first = await connectClient(stack, { token: stack.sim.demo.user.token });
    expect(await toolNames(first)).not.toContain('coder_create_chat');
    await first.close();
    stack.sim.chats.setMode('on');
    const second = await connectClient(stack, { token: stack.sim.demo.user.token });
    expect(await toolNames(second)).not.toContain('coder_create_chat');
    await second.close();
    clearChatsAvailability();
    const third = await connectClient(stack, { token: stack.sim.demo.user.token });
    expect(await toolNames(third)).toContain('coder_create_chat');
    await third.close();
    expect(stack.sim.requestCount(PROBE)).toBe(2);
  });
});

describe('a probe that cannot tell', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
    stack.sim.failNext({ method: 'GET', pathPrefix: PROBE }, 503, { message: 'Service unavailable.' });
  });

  afterAll(() => stack.close());

  it('keeps the chat tools and is not repeated on every request', async () => {
    const client = await connectClient(stack, { token: stack.sim.demo.user.token });
    try {
      expect(await toolNames(client)).toContain('coder_await_chat');
      expect((await client.listPrompts()).prompts).toHaveLength(2);
      await client.listTools();
    } finally {
      await client.close();
    }
    expect(stack.sim.requestCount(PROBE)).toBe(1);
  });
});
