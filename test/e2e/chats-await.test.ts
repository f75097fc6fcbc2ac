/**
 * coder_await_chat end to end (codersdk/toolsdk/chats.go `AwaitChat`): it wakes on the watch
 * WebSocket, keeps waiting through a dropped watch by polling (and polls for chats whose events go to
 * another owner), reports progress while it waits, and ends inside wait_secs and inside the call's
 * deadline with timed_out and the last busy status rather than a deadline error.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { setChatPollInterval } from '../../lib/tools/chats-await';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';
import { until } from '../helpers/until';

const awaited = z.object({ timed_out: z.boolean(), chat: z.looseObject({ id: z.string(), status: z.string() }) });
const created = z.looseObject({ id: z.string() });

let stack: Stack;
let client: Client;

beforeAll(async () => {
  stack = await startStack({ sim: { chatTurnMs: 30 }, env: { MCP_PROGRESS_INTERVAL_MS: '100' } });
  client = await connectClient(stack, { token: stack.sim.demo.user.token });
});

afterAll(async () => {
  setChatPollInterval(undefined);
  await client.close();
  await stack.close();
});

afterEach(() => setChatPollInterval(undefined));

/** A chat whose first turn runs until the test ends it. */
async function heldChat(as: Client = client): Promise<string> {
  stack.sim.chats.scriptNextTurn({ hold: true });
  const res = await callTool(as, 'coder_create_chat', { prompt: 'a long job' });
  if (res.isError) throw new Error(res.text);
  return created.parse(res.json()).id;
}

/** Starts a coder_await_chat call; its progress messages arrive in `messages` while it runs. */
function startAwait(args: Record<string, unknown>, as: Client = client) {
  const messages: string[] = [];
  const started = Date.now();
  const done = (async () => {
    const result = (await as.callTool({ name: 'coder_await_chat', arguments: args }, CallToolResultSchema, {
      onprogress: (p) => messages.push(p.message ?? ''),
    })) as CallToolResult;
    const first = result.content[0];
    const text = first?.type === 'text' ? first.text : '';
    return { result, text, messages, ms: Date.now() - started };
  })();
  return { messages, done };
}

const awaitWithProgress = (args: Record<string, unknown>, as: Client = client) => startAwait(args, as).done;

const STILL_RUNNING = /^chat [0-9a-f-]{36}: still running after \d+ s$/;

it('wakes on the watch event when the turn ends, reporting progress while it waits', async () => {
  const id = await heldChat();
  const waiting = startAwait({ chat_id: id, wait_secs: 10 });
  await until(() => stack.sim.chats.watchers() === 1, 'the watch to open');
  // Two progress beats while it waits, then the turn ends.
  await until(() => waiting.messages.filter((m) => STILL_RUNNING.test(m)).length >= 2, 'two progress beats');
  expect(stack.sim.chats.finishTurn(id)).toBe(true);
  const { result, text, messages, ms } = await waiting.done;
  expect(result.isError).toBeFalsy();
  expect(awaited.parse(JSON.parse(text))).toMatchObject({ timed_out: false, chat: { id, status: 'waiting' } });
  expect(messages[0]).toBe(`chat ${id} is running; waiting up to 10 s for it to stop`);
  expect(messages.filter((m) => STILL_RUNNING.test(m)).length).toBeGreaterThanOrEqual(2);
  // Well before coderd's 5-second poll: the watch event ended the wait.
  expect(ms).toBeLessThan(2_000);
  // The watch is closed with the call (the simulator hears the close a moment later).
  await until(() => stack.sim.chats.watchers() === 0, 'the watch to close');
});

it('keeps waiting when the watch drops, and polling sees the end', async () => {
  setChatPollInterval(150);
  const id = await heldChat();
  const waiting = awaitWithProgress({ chat_id: id, wait_secs: 10 });
  await until(() => stack.sim.chats.watchers() === 1, 'the watch to open');
  expect(stack.sim.chats.dropWatchers()).toBe(1);
  let settled = false;
  void waiting.then(() => (settled = true));
  // Two polls after the drop, and the call still waits.
  const atDrop = stack.sim.requestCount(`/api/experimental/chats/${id}`);
  await until(() => stack.sim.requestCount(`/api/experimental/chats/${id}`) >= atDrop + 2, 'two polls after the drop');
  expect(settled).toBe(false);
  const polls = stack.sim.requestCount(`/api/experimental/chats/${id}`);
  stack.sim.chats.finishTurn(id);
  const { text } = await waiting;
  expect(awaited.parse(JSON.parse(text))).toMatchObject({ timed_out: false, chat: { status: 'waiting' } });
  expect(stack.sim.requestCount(`/api/experimental/chats/${id}`)).toBeGreaterThan(polls);
});

it("polls a chat whose watch events go to another owner (a site owner waiting on a member's chat)", async () => {
  setChatPollInterval(100);
  const member = await connectClient(stack, { token: stack.sim.demo.member.token });
  try {
    const id = await heldChat(member);
    const waiting = awaitWithProgress({ chat_id: id, wait_secs: 10 });
    // It polls (the watch events go to the chat's owner): two polls, then the turn ends.
    const before = stack.sim.requestCount(`/api/experimental/chats/${id}`);
    await until(() => stack.sim.requestCount(`/api/experimental/chats/${id}`) >= before + 2, 'two polls');
    stack.sim.chats.finishTurn(id);
    const { text, ms } = await waiting;
    expect(awaited.parse(JSON.parse(text))).toMatchObject({ timed_out: false, chat: { id, status: 'waiting' } });
    expect(ms).toBeLessThan(2_000);
  } finally {
    await member.close();
  }
});

it('returns at once for a chat that is not generating, errors included', async () => {
  stack.sim.chats.scriptNextTurn({ fail: { message: 'The provider is overloaded.' } });
  const res = await callTool(client, 'coder_create_chat', { prompt: 'fails' });
  const id = created.parse(res.json()).id;
  await until(() => stack.sim.chats.chat(id)?.status === 'error', 'the turn to fail');
  const { text, messages, ms } = await awaitWithProgress({ chat_id: id });
  expect(awaited.parse(JSON.parse(text))).toMatchObject({
    timed_out: false,
    chat: { status: 'error', last_error: { message: 'The provider is overloaded.' } },
  });
  expect(messages).toEqual([]);
  expect(ms).toBeLessThan(1_000);
});

it('ends after wait_secs with timed_out and the last busy status', async () => {
  const id = await heldChat();
  const { result, text, ms } = await awaitWithProgress({ chat_id: id, wait_secs: 1 });
  expect(result.isError).toBeFalsy();
  expect(awaited.parse(JSON.parse(text))).toMatchObject({ timed_out: true, chat: { id, status: 'running' } });
  expect(ms).toBeGreaterThanOrEqual(950);
  expect(ms).toBeLessThan(2_500);
  stack.sim.chats.finishTurn(id);
});

it("refuses wait_secs outside 1-120 with coderd's text", async () => {
  const id = await heldChat();
  for (const wait_secs of [121, -1]) {
    const res = await callTool(client, 'coder_await_chat', { chat_id: id, wait_secs });
    expect({ isError: res.isError, text: res.text }).toEqual({
      isError: true,
      text: 'wait_secs must be between 1 and 120',
    });
  }
  stack.sim.chats.finishTurn(id);
});

describe('under a call deadline shorter than the wait', () => {
  let short: Stack;
  let shortClient: Client;

  beforeAll(async () => {
    short = await startStack({
      sim: { chatTurnMs: 30 },
      env: { MCP_TOOL_TIMEOUT_MS: '2000', MCP_PROGRESS_INTERVAL_MS: '100' },
    });
    shortClient = await connectClient(short, { token: short.sim.demo.user.token });
  });

  afterAll(async () => {
    await shortClient.close();
    await short.close();
  });

  it('answers timed_out before the deadline instead of failing at it', async () => {
    short.sim.chats.scriptNextTurn({ hold: true });
    const id = created.parse((await callTool(shortClient, 'coder_create_chat', { prompt: 'never ends' })).json()).id;
    const started = Date.now();
    const res = await callTool(shortClient, 'coder_await_chat', { chat_id: id, wait_secs: 60 });
    const ms = Date.now() - started;
    expect(res.isError).toBe(false);
    expect(awaited.parse(res.json())).toMatchObject({ timed_out: true, chat: { id, status: 'running' } });
    // The 2 s deadline less the answer margin: about a second of waiting, and never the deadline itself.
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(2_000);
    await until(() => short.sim.chats.watchers() === 0, 'the watch to close');
  });
});
