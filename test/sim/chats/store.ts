/**
 * The simulator's Coder Agents chats (coderd/exp_chats.go, codersdk/chats.go): chats with their messages,
 * queued messages and attached files, the deployment's AI providers and chat model configs, the watchers
 * of `/api/experimental/chats/watch`, and the switch that makes the deployment one without the chats API.
 * Plain records that the chat routes and the chat agent (agent.ts) read and change.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { now } from '../model';

/** codersdk.ChatStatus as of coderd HEAD (2026-08): `running` and `interrupting` are the busy ones. */
export type ChatStatus = 'waiting' | 'running' | 'error' | 'requires_action' | 'interrupting';

/** codersdk.ChatError: a terminal chat error as persisted in `last_error`. */
export interface ChatError {
  message: string;
  detail?: string;
  kind?: string;
  provider?: string;
  retryable: boolean;
  status_code?: number;
}

/** The codersdk.ChatMessagePart variants the simulated agent writes. */
export type ChatPart =
  | { type: 'text' | 'reasoning'; text: string }
  | { type: 'tool-call'; tool_call_id: string; tool_name: string; args: unknown }
  | { type: 'tool-result'; tool_call_id: string; tool_name: string; result: unknown }
  | { type: 'file'; file_id: string; media_type: string; name: string };

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface SimChatMessage {
  id: number;
  chat_id: string;
  created_by: string | undefined;
  model_config_id: string | undefined;
  created_at: string;
  role: ChatRole;
  content: ChatPart[];
}

/** codersdk.ChatQueuedMessage: a prompt waiting behind a busy chat. */
export interface SimQueuedMessage {
  id: number;
  chat_id: string;
  content: ChatPart[];
  created_at: string;
}

export interface SimChatFile {
  id: string;
  owner_id: string;
  organization_id: string;
  name: string;
  mime_type: string;
  data: Buffer;
  sha256: string;
  created_at: string;
}

export interface SimChat {
  id: string;
  organization_id: string;
  owner_id: string;
  title: string;
  status: ChatStatus;
  last_error: ChatError | undefined;
  last_turn_summary: string | null;
  last_model_config_id: string;
  labels: Record<string, string>;
  archived: boolean;
  created_at: string;
  updated_at: string;
  /** Files linked to the chat (chat_file_links), oldest first. */
  file_ids: string[];
  messages: SimChatMessage[];
  queue: SimQueuedMessage[];
}

/** codersdk.AIProvider (GET /api/v2/ai/providers), as much as the tools read. */
export interface SimAIProvider {
  id: string;
  type: string;
  name: string;
  display_name: string;
  enabled: boolean;
}

/** codersdk.ChatModelConfig (GET /api/experimental/chats/model-configs). */
export interface SimModelConfig {
  id: string;
  provider: string;
  ai_provider_id: string;
  model: string;
  display_name: string;
  enabled: boolean;
  is_default: boolean;
  context_limit: number;
  compression_threshold: number;
}

/**
 * What the deployment offers: `on`; `absent`, a coderd from before the chats API (every chats route is
 * coderd's 404 "Route not found."); `experiment-off`, a coderd whose `agents` experiment is not enabled
 * (httpmw.RequireExperiment: 403 after authentication).
 */
export type ChatsMode = 'on' | 'absent' | 'experiment-off';

/** codersdk.ChatWatchEventKind, the ones the simulator publishes. */
export type ChatWatchKind = 'created' | 'status_change' | 'summary_change' | 'title_change' | 'deleted';

export interface ChatWatcher {
  ownerId: string;
  send(kind: ChatWatchKind, chat: SimChat): void;
  /** Ends the socket abruptly (no close frame). */
  drop(): void;
}

/** chatd.MaxQueueSize stand-in: a busy chat holds at most this many queued prompts (429 beyond). */
export const MAX_QUEUE_SIZE = 20;

export class ChatStore {
  mode: ChatsMode = 'on';
  readonly chats = new Map<string, SimChat>();
  readonly files = new Map<string, SimChatFile>();
  readonly providers: SimAIProvider[] = [];
  readonly modelConfigs: SimModelConfig[] = [];
  readonly watchers = new Set<ChatWatcher>();
  /** Signs download URLs (HMAC-SHA256); new per simulator, so URLs of another run never verify. */
  readonly signingKey = randomBytes(32);
  /** Lifetime of a download URL; coderd's is about 5 minutes. */
  downloadTtlMs = 5 * 60_000;
  private messageSeq = 0;

  constructor() {
    this.seedModels();
  }

  nextMessageId(): number {
    this.messageSeq += 1;
    return this.messageSeq;
  }

  /** Tells the owner's watchers (chat events are published on the owner's channel only). */
  publish(kind: ChatWatchKind, chat: SimChat): void {
    for (const w of [...this.watchers]) if (w.ownerId === chat.owner_id) w.send(kind, chat);
  }

  /** Changes the status, stamps updated_at and tells the owner's watchers. */
  setStatus(chat: SimChat, status: ChatStatus, lastError?: ChatError): void {
    chat.status = status;
    chat.last_error = lastError;
    chat.updated_at = now();
    this.publish('status_change', chat);
  }

  /** Stores a file and links it to the chat (chat_file_links); returns its id. */
  attachFile(chat: SimChat, name: string, mimeType: string, data: Buffer): string {
    const id = randomUUID();
    const sha256 = createHash('sha256').update(data).digest('hex');
    this.files.set(id, {
      id,
      owner_id: chat.owner_id,
      organization_id: chat.organization_id,
      name,
      mime_type: mimeType,
      data,
      sha256,
      created_at: now(),
    });
    chat.file_ids.push(id);
    return id;
  }

  defaultModelConfig(): SimModelConfig | undefined {
    return this.modelConfigs.find((m) => m.is_default);
  }

  /** Whether a model config may be used: enabled, and its provider enabled. */
  usable(config: SimModelConfig): boolean {
    return config.enabled && this.providers.some((p) => p.id === config.ai_provider_id && p.enabled);
  }

  /**
   * Two providers (one disabled) and four model configs: the default and a second usable one, one
   * disabled, one whose provider is disabled. An admin sees all four; a member sees the two usable ones.
   */
  private seedModels(): void {
    const openai: SimAIProvider = {
      id: randomUUID(),
      type: 'openai',
      name: 'openai',
      display_name: 'OpenAI',
      enabled: true,
    };
    const google: SimAIProvider = {
      id: randomUUID(),
      type: 'google',
      name: 'google',
      display_name: 'Google',
      enabled: false,
    };
    this.providers.push(openai, google);
    const config = (
      provider: SimAIProvider,
      model: string,
      display: string,
      enabled: boolean,
      isDefault: boolean,
    ): SimModelConfig => ({
      id: randomUUID(),
      provider: provider.type,
      ai_provider_id: provider.id,
      model,
      display_name: display,
      enabled,
      is_default: isDefault,
      context_limit: 200_000,
      compression_threshold: 70,
    });
    this.modelConfigs.push(
      config(openai, 'gpt-5', 'GPT-5', true, true),
      config(openai, 'gpt-5-mini', 'GPT-5 mini', true, false),
      config(openai, 'gpt-4o', 'GPT-4o (retired)', false, false),
      config(google, 'gemini-2.5-pro', 'Gemini 2.5 Pro', true, false),
    );
  }
}
