/**
 * The simulator's chats API (coderd/exp_chats.go under `/api/experimental/chats`, codersdk/chats.go)
 * wired into the router, and the control surface tests drive it with: the on/absent/experiment-off
 * switch, scripted agent turns, download URL lifetime and the watch sockets.
 */
import type { Router } from '../http';
import type { SimModel } from '../model';
import { ChatAgent, type TurnScript } from './agent';
import { chatConfigRoutes } from './config-routes';
import { chatFileRoutes } from './files';
import { chatsGate } from './gate';
import { chatMessageRoutes } from './messages';
import { chatCollectionRoutes, chatItemRoutes, type ChatDeps } from './routes';
import { ChatStore, type ChatsMode, type ChatStatus } from './store';
import { chatWatchRoutes } from './watch';

export type { TurnScript } from './agent';
export type { ChatsMode, ChatStatus } from './store';

export interface ChatsControl {
  /** `on` (default); `absent`, a coderd without the chats API (404 "Route not found."); `experiment-off`, its `agents` experiment disabled (403). */
  setMode(mode: ChatsMode): void;
  /** The next turn to start, in any chat, follows this script; several queue up in order. */
  scriptNextTurn(script: TurnScript): void;
  /** Ends the chat's running (or held) turn now, as the model finishing; false when none runs. */
  finishTurn(chatId: string): boolean;
  /** How long an unscripted turn runs. */
  setTurnMs(ms: number): void;
  /** Lifetime of the download URLs issued from now on (coderd: about 5 minutes). */
  setDownloadTtlMs(ms: number): void;
  /** Ends every watch socket abruptly (no close frame); returns how many there were. */
  dropWatchers(): number;
  /** Open watch sockets. */
  watchers(): number;
  /** A chat as the simulator holds it; undefined when unknown. */
  chat(id: string):
    | {
        status: ChatStatus;
        messages: number;
        queued: number;
        archived: boolean;
        fileIds: string[];
        lastError: string | undefined;
      }
    | undefined;
  /** The seeded model configs: the default, a second usable one, a disabled one, and one whose provider is disabled. */
  modelConfigs(): {
    id: string;
    model: string;
    displayName: string;
    enabled: boolean;
    isDefault: boolean;
    providerEnabled: boolean;
  }[];
}

export interface ChatsModule {
  control: ChatsControl;
  /** Clears the agent's timers. */
  stop(): void;
}

export function chatsModule(router: Router, model: SimModel, baseUrl: () => string, turnMs: number): ChatsModule {
  const store = new ChatStore();
  let currentTurnMs = turnMs;
  const agent = new ChatAgent(store, () => currentTurnMs);
  const deps: ChatDeps = { store, agent, model, gate: chatsGate(store, model, baseUrl) };
  // Static /chats/<word> routes first: GET /chats/{chat} would match them too.
  chatCollectionRoutes(router, deps);
  chatWatchRoutes(router, deps);
  chatConfigRoutes(router, deps, baseUrl);
  chatFileRoutes(router, deps, baseUrl);
  chatMessageRoutes(router, deps);
  chatItemRoutes(router, deps);
  const control: ChatsControl = {
    setMode: (mode) => {
      store.mode = mode;
    },
    scriptNextTurn: (script) => agent.scriptNextTurn(script),
    finishTurn: (chatId) => agent.finish(chatId),
    setTurnMs: (ms) => {
      currentTurnMs = ms;
    },
    setDownloadTtlMs: (ms) => {
      store.downloadTtlMs = ms;
    },
    dropWatchers: () => {
      const all = [...store.watchers];
      for (const w of all) w.drop();
      return all.length;
    },
    watchers: () => store.watchers.size,
    chat: (id) => {
      const c = store.chats.get(id);
      if (!c) return undefined;
      return {
        status: c.status,
        messages: c.messages.length,
        queued: c.queue.length,
        archived: c.archived,
        fileIds: [...c.file_ids],
        lastError: c.last_error?.message,
      };
    },
    modelConfigs: () =>
      store.modelConfigs.map((c) => ({
        id: c.id,
        model: c.model,
        displayName: c.display_name,
        enabled: c.enabled,
        isDefault: c.is_default,
        providerEnabled: store.providers.some((p) => p.id === c.ai_provider_id && p.enabled),
      })),
  };
  return { control, stop: () => agent.stop() };
}
