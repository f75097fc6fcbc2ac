/**
 * The decisions behind the chat tools, apart from the loops that act on them: what a detection probe's
 * answer means and how long it is kept (with an injected clock), how long coder_await_chat may wait
 * under a deadline, which prompts a tool list allows, and how a watch frame is read.
 */
import { watchedChatOf } from '../../lib/coder/chats';
import { CoderApiError, CoderTimeoutError } from '../../lib/coder/errors';
import {
  chatsAvailable,
  clearChatsAvailability,
  DECIDED_TTL_MS,
  UNDECIDED_TTL_MS,
  verdictOf,
} from '../../lib/tools/chats-availability';
import { waitWindowMs } from '../../lib/tools/chats-await';
import { CHAT_PROMPTS, promptsFor } from '../../lib/tools/chats-prompts';
import { startSimulator, type Simulator } from '../sim';

const apiError = (status: number, message: string) =>
  new CoderApiError('GET', 'http://coder/x', status, message, undefined, []);

describe('verdictOf', () => {
  it('reads 200 as available, 404 and the experiment 403 as absent, anything else as undecided', () => {
    expect(verdictOf(undefined)).toBe('available');
    expect(verdictOf(apiError(404, 'Route not found.'))).toBe('absent');
    expect(verdictOf(apiError(403, "Agents functionality requires enabling the 'agents' experiment."))).toBe('absent');
    expect(verdictOf(apiError(403, 'Forbidden.'))).toBe('undecided');
    expect(
      verdictOf(apiError(401, 'You are signed out or your session has expired. Please sign in again to continue.')),
    ).toBe('undecided');
    expect(verdictOf(apiError(500, 'An internal server error occurred.'))).toBe('undecided');
    expect(verdictOf(new CoderTimeoutError('slow'))).toBe('undecided');
  });
});

describe('chatsAvailable', () => {
  let sim: Simulator;
  const PROBE = '/api/experimental/chats/model-configs';

  beforeEach(async () => {
    clearChatsAvailability();
    sim = await startSimulator();
  });
  afterEach(() => sim.close());

  it('probes once for concurrent callers and keeps a definite answer for its lifetime', async () => {
    let t = 1_000_000;
    const now = () => t;
    sim.chats.setMode('absent');
    const answers = await Promise.all([1, 2, 3].map(() => chatsAvailable(sim.url, sim.demo.user.token, now)));
    expect(answers).toEqual([false, false, false]);
    expect(sim.requestCount(PROBE)).toBe(1);
    sim.chats.setMode('on');
    t += DECIDED_TTL_MS - 1;
    expect(await chatsAvailable(`${sim.url}/`, sim.demo.user.token, now)).toBe(false);
    expect(sim.requestCount(PROBE)).toBe(1);
    t += 2;
    expect(await chatsAvailable(sim.url, sim.demo.user.token, now)).toBe(true);
    expect(sim.requestCount(PROBE)).toBe(2);
  });

  it('offers the tools on an undecided probe and asks again after a short while', async () => {
    let t = 5_000_000;
    const now = () => t;
    expect(await chatsAvailable(sim.url, 'AAAAAAAAAA-BBBBBBBBBBBBBBBBBBBBBB', now)).toBe(true);
    expect(sim.requestCount(PROBE)).toBe(1);
    t += UNDECIDED_TTL_MS - 1;
    await chatsAvailable(sim.url, sim.demo.user.token, now);
    expect(sim.requestCount(PROBE)).toBe(1);
    t += 2;
    sim.chats.setMode('experiment-off');
    expect(await chatsAvailable(sim.url, sim.demo.user.token, now)).toBe(false);
    expect(sim.requestCount(PROBE)).toBe(2);
  });
});

describe('waitWindowMs', () => {
  it('is what was asked for, cut to the call deadline less a margin for the answer, never negative', () => {
    expect(waitWindowMs(60, 300_000)).toBe(60_000);
    expect(waitWindowMs(60, 20_000)).toBe(19_000);
    expect(waitWindowMs(1, 500)).toBe(0);
  });
});

describe('promptsFor', () => {
  const tools = (...names: string[]) => names.map((name) => ({ name }));

  it('offers a prompt only with every tool it names', () => {
    const all = tools(
      'coder_create_chat',
      'coder_get_chat',
      'coder_get_chat_messages',
      'coder_send_chat_message',
      'coder_list_chat_model_configs',
    );
    expect(promptsFor(all).map((p) => p.name)).toEqual(['coder_agents_check', 'coder_agents_delegate']);
    expect(promptsFor(all.slice(1)).map((p) => p.name)).toEqual(['coder_agents_check']);
    expect(promptsFor(tools('coder_get_chat'))).toEqual([]);
    expect(CHAT_PROMPTS.map((p) => p.name)).toEqual([...CHAT_PROMPTS.map((p) => p.name)].sort());
  });
});

describe('watchedChatOf', () => {
  it("reads coderd's ChatWatchEvent frames and the earlier server-sent-event envelope, and ignores pings and noise", () => {
    const chat = { id: 'c1', status: 'waiting', title: 't' };
    expect(watchedChatOf({ kind: 'status_change', chat })).toEqual(chat);
    expect(watchedChatOf({ type: 'data', data: { kind: 'created', chat } })).toMatchObject({
      id: 'c1',
      status: 'waiting',
    });
    expect(watchedChatOf({ type: 'ping' })).toBeUndefined();
    expect(watchedChatOf('garbage')).toBeUndefined();
    expect(watchedChatOf({ kind: 'status_change', chat: { id: 'c1' } })).toBeUndefined();
  });
});
