/**
 * The caller's chat events from `GET /api/experimental/chats/watch` (codersdk/chats.go `WatchChats`).
 * A hint only, as coderd's coder_await_chat uses it: events are published on the chat owner's channel
 * alone, so the waiter polls as well, and a watch that cannot be opened or that drops ends silently
 * (the polling carries on). Nothing read from the socket is logged.
 */
import type WebSocket from 'ws';
import type { CoderClient } from './client';
import { CHATS_PATH, watchedChatOf } from './chats';

export interface ChatWatch {
  close(): void;
}

/** `onOpen` hears when the watch is up: events from before that moment were missed. */
export function watchChats(
  coder: CoderClient,
  onChat: (chat: { id: string; status: string }) => void,
  onOpen?: () => void,
): ChatWatch {
  let ws: WebSocket | undefined;
  let closed = false;
  // The socket comes once `ws` is loaded (on first use, not at cold start); a watch closed before then never opens.
  coder.openWebSocket(`${CHATS_PATH}/watch`).then(
    (socket) => {
      if (closed) return socket.terminate();
      ws = socket;
      if (onOpen) socket.once('open', onOpen);
      socket.on('message', (data) => {
        const chat = watchedChatOf(parseJson(data.toString()));
        if (chat) onChat(chat);
      });
      // A refused upgrade, a reset or a handshake timeout: the waiter's polling covers for the watch.
      socket.on('error', () => undefined);
    },
    // A watch that cannot even be made ends silently too: the polling carries on.
    () => undefined,
  );
  return {
    close: () => {
      closed = true;
      ws?.terminate();
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
