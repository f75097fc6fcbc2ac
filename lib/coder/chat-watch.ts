/**
 * The caller's chat events from `GET /api/experimental/chats/watch` (codersdk/chats.go `WatchChats`).
 * A hint only, as coderd's coder_await_chat uses it: events are published on the chat owner's channel
 * alone, so the waiter polls as well, and a watch that cannot be opened or that drops ends silently
 * (the polling carries on). Nothing read from the socket is logged.
 */
import type { CoderClient } from './client';
import { CHATS_PATH, watchedChatOf } from './chats';

export interface ChatWatch {
  close(): void;
}

/** `onOpen` hears when the watch is up: events from before that moment were missed. */
export function watchChats(coder: CoderClient, onChat: (chat: { id: string; status: string }) => void, onOpen?: () => void): ChatWatch {
  const ws = coder.openWebSocket(`${CHATS_PATH}/watch`);
  if (onOpen) ws.once('open', onOpen);
  ws.on('message', (data) => {
    const chat = watchedChatOf(parseJson(data.toString()));
    if (chat) onChat(chat);
  });
  // A refused upgrade, a reset or a handshake timeout: the waiter's polling covers for the watch.
  ws.on('error', () => undefined);
  return { close: () => ws.terminate() };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
