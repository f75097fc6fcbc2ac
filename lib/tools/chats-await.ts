/**
 * coder_await_chat (codersdk/toolsdk/chats.go `AwaitChat`): blocks until a chat stops generating
 * (anything but running or interrupting) or the wait ends. Like coderd it fetches the chat, then wakes
 * on the watch WebSocket's status events (opened at once but never waited for: a slow or refused
 * upgrade must not hold up the polling) and on a 5-second poll (events reach only the chat's owner, and
 * a dropped watch must not end the wait), confirming each hint with a fresh GET. Every request runs
 * under the wait window, so the window bounds the call; the window also ends before the call's own
 * deadline, so a long wait answers `timed_out` with the last busy status instead of a deadline error.
 * While it waits it reports progress: the status it found, each change, and "still running" beats.
 */
import * as z from 'zod';
import type { CoderClient } from '../coder/client';
import { isBusy, type Chat } from '../coder/chats';
import { watchChats } from '../coder/chat-watch';
import { DeadlineError, InvalidArgumentError, prefixed, prefixError } from '../errors';
import type { Progress } from '../progress';
import { CHAT_ID_DESCRIPTION, chatToolStatus, getChat, parseChatId, toChatToolStatus } from './chats-status';
import { defineTool } from './types';

const DEFAULT_WAIT_SECS = 60;
const MAX_WAIT_SECS = 120;
/** coderd polls every 5 s. */
const DEFAULT_POLL_MS = 5_000;
/** Kept back from the call's deadline so the `timed_out` answer leaves before the deadline does. */
const ANSWER_MARGIN_MS = 1_000;

let pollMs = DEFAULT_POLL_MS;

/** Tests shorten the poll interval (to see polling carry a wait whose watch dropped); undefined restores coderd's 5 s. */
export function setChatPollInterval(ms: number | undefined): void {
  pollMs = ms ?? DEFAULT_POLL_MS;
}

/** How long to wait: what was asked for, cut to what the call's deadline leaves. */
export function waitWindowMs(waitSecs: number, budgetMs: number): number {
  return Math.max(0, Math.min(waitSecs * 1000, budgetMs - ANSWER_MARGIN_MS));
}

interface Outcome {
  timedOut: boolean;
  chat: Chat;
}

interface WaitOptions {
  coder: CoderClient;
  chatId: string;
  windowMs: number;
  /** The call's signal: the client went away or the deadline passed. */
  signal: AbortSignal;
  progress: Progress;
}

/**
 * Why the waiter woke: the window closed, a poll was due, the watch said the chat stopped, or the watch
 * came up (a change while it was connecting was missed: one more read closes that gap without waiting
 * for the next poll, where coderd waits for it).
 */
type Wake = 'window' | 'poll' | 'event' | 'watching';

export async function awaitChat(opts: WaitOptions): Promise<Outcome> {
  const { chatId, progress } = opts;
  const window = AbortSignal.any([opts.signal, AbortSignal.timeout(Math.max(1, opts.windowMs))]);
  const coder = opts.coder.withSignal(window);
  const pending = new Set<Wake>();
  let wake: (() => void) | undefined;
  const note = (why: Wake) => {
    pending.add(why);
    wake?.();
  };
  const onWindow = () => note('window');
  window.addEventListener('abort', onWindow, { once: true });
  const watch = watchChats(
    coder,
    (c) => {
      if (c.id === chatId && !isBusy(c.status)) note('event');
    },
    () => note('watching'),
  );
  const poller = setInterval(() => note('poll'), pollMs);
  let stopBeats: (() => void) | undefined;
  try {
    // The first answer must come within the window: with no status seen, there is nothing to report.
    let last = await prefixed('get chat', getChat(coder, chatId));
    if (!isBusy(last.status)) return { timedOut: false, chat: last };
    progress.report(
      `chat ${chatId} is ${last.status}; waiting up to ${Math.round(opts.windowMs / 1000)} s for it to stop`,
    );
    stopBeats = progress.keepAlive(`chat ${chatId}`);
    for (;;) {
      if (pending.size === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (pending.has('window') || window.aborted) return finalOutcome(opts.signal, last);
      const what = pending.has('event') ? 'get chat after status change' : 'get chat while polling';
      pending.clear();
      let chat: Chat;
      try {
        chat = await getChat(coder, chatId);
      } catch (err) {
        if (window.aborted) return finalOutcome(opts.signal, last);
        throw prefixError(what, err);
      }
      // A new turn may start between an event and this read: the wait goes on while the chat is busy.
      if (!isBusy(chat.status)) return { timedOut: false, chat };
      if (chat.status !== last.status) progress.report(`chat ${chatId} is ${chat.status}`);
      last = chat;
    }
  } finally {
    stopBeats?.();
    clearInterval(poller);
    watch.close();
    window.removeEventListener('abort', onWindow);
  }
}

/** The window closed: the last busy status seen inside it, unless the call itself was cancelled. */
function finalOutcome(callSignal: AbortSignal, last: Chat): Outcome {
  if (callSignal.aborted) throw new DeadlineError('coder_await_chat was cancelled before the chat stopped');
  return { timedOut: true, chat: last };
}

export const awaitChatTool = defineTool({
  name: 'coder_await_chat',
  description:
    'Block until a Coder Agents chat stops generating or the wait times out. Waiting, error, and requires_action all end the wait. If timed_out is true, chat holds the last status observed inside the wait window; call this tool again to continue waiting.',
  annotations: 'read',
  input: () =>
    z.object({
      chat_id: z.string().describe(CHAT_ID_DESCRIPTION),
      wait_secs: z
        .number()
        .int()
        .optional()
        .describe(
          'Maximum seconds to wait (1-120, default 60). A shorter call deadline on this server shortens the wait.',
        ),
    }),
  output: () => z.object({ timed_out: z.boolean(), chat: chatToolStatus }),
  handler: async (args, { coder, signal, budgetMs, progress }) => {
    const chatId = parseChatId(args.chat_id);
    const waitSecs = args.wait_secs ?? 0;
    if (waitSecs < 0 || waitSecs > MAX_WAIT_SECS)
      throw new InvalidArgumentError(`wait_secs must be between 1 and ${MAX_WAIT_SECS}`);
    const windowMs = waitWindowMs(waitSecs || DEFAULT_WAIT_SECS, budgetMs());
    const outcome = await awaitChat({ coder, chatId, windowMs, signal, progress });
    return { timed_out: outcome.timedOut, chat: toChatToolStatus(coder, outcome.chat) };
  },
});
