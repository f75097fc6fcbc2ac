/**
 * The `ws` package, loaded on first use: only a channel's dial (and the chat watch) needs it, so a
 * cold start that serves tools/list or a REST tool never evaluates it.
 */

/** The class as the package exports it (ws sets `WebSocket` on its module: no default-import interop to go wrong). */
const importWs = () => import('ws').then((m) => m.WebSocket);
export type WebSocketClass = Awaited<ReturnType<typeof importWs>>;

let loaded: Promise<WebSocketClass> | undefined;

export function loadWebSocket(): Promise<WebSocketClass> {
  loaded ??= importWs();
  return loaded;
}
