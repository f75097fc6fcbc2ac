/**
 * `GET /api/experimental/chats/watch` (coderd/exp_chats.go `watchChats`): a WebSocket that sends one
 * codersdk.ChatWatchEvent (`{"kind","chat"}`) per JSON text frame for every change to one of the
 * caller's own chats (events are published on the owner's channel only). A plain GET fails the way
 * websocket.Accept does.
 */
import { ok, type Router } from '../http';
import { chatJson } from './render';
import { BASE, type ChatDeps } from './routes';
import type { ChatWatcher } from './store';

export function chatWatchRoutes(router: Router, deps: ChatDeps): void {
  const { gate, store } = deps;
  router.get(
    `${BASE}/watch`,
    gate.http(() => ({
      ...ok(null, 400),
      raw: {
        contentType: 'text/plain; charset=utf-8',
        text: 'websocket protocol violation: Connection header "keep-alive" does not contain Upgrade\n',
      },
    })),
    { auth: false },
  );
  router.ws(
    `${BASE}/watch`,
    gate.ws((ctx) => (ws) => {
      const watcher: ChatWatcher = {
        ownerId: ctx.user.id,
        send: (kind, chat) => {
          if (ws.readyState === ws.OPEN)
            ws.send(JSON.stringify({ kind, chat: chatJson(store, chat, { files: false }) }));
        },
        drop: () => ws.terminate(),
      };
      store.watchers.add(watcher);
      ws.on('close', () => store.watchers.delete(watcher));
    }),
  );
}
