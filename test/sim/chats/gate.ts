/**
 * The chats API switch. coderd mounts `/api/experimental/chats` behind `apiKeyMiddleware` and then
 * `httpmw.RequireExperimentWithDevBypass(..., ExperimentAgents)` (coderd/coderd.go,
 * coderd/httpmw/experiments.go); a coderd from before the chats API has no such routes at all. So:
 * `absent` answers chi's 404 "Route not found." before anything else, and `experiment-off` answers the
 * middleware's 403 after authentication. The chat routes are registered without the router's own auth
 * and authenticated here, so that `absent` does not turn into a 401 for a caller without a token.
 */
import { authenticate } from '../auth';
import { fail, routeNotFound, type HttpHandler, type WsHandler } from '../http';
import type { SimModel } from '../model';
import type { ChatStore } from './store';

/**
 * RequireExperiment's text: "<DisplayName> functionality requires enabling the '<name>' experiment.".
 * The display name of the `agents` experiment is not in the sources read; "Agents" is assumed.
 */
export const EXPERIMENT_OFF_MESSAGE = "Agents functionality requires enabling the 'agents' experiment.";

export interface ChatsGate {
  /** An authenticated chats route, subject to the switch. */
  http(handler: HttpHandler): HttpHandler;
  /** A chats route that needs no token (the signed download URL), still gone when the API is absent. */
  open(handler: HttpHandler): HttpHandler;
  /** The watch WebSocket (the router authenticates upgrades itself). */
  ws(handler: WsHandler): WsHandler;
}

export function chatsGate(store: ChatStore, model: SimModel, baseUrl: () => string): ChatsGate {
  const checkMode = () => {
    if (store.mode === 'absent') throw routeNotFound();
    if (store.mode === 'experiment-off') throw fail(403, EXPERIMENT_OFF_MESSAGE);
  };
  return {
    http: (handler) => (ctx) => {
      if (store.mode === 'absent') throw routeNotFound();
      const user = authenticate(model, { headers: ctx.headers }, ctx.url, baseUrl());
      checkMode();
      return handler({ ...ctx, user });
    },
    open: (handler) => (ctx) => {
      if (store.mode === 'absent') throw routeNotFound();
      return handler(ctx);
    },
    ws: (handler) => (ctx) => {
      checkMode();
      return handler(ctx);
    },
  };
}
