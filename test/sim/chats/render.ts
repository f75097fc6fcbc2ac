/**
 * codersdk JSON for chats (codersdk/chats.go): Chat, ChatMessage, ChatQueuedMessage, ChatFileMetadata,
 * ChatModelConfig and AIProvider. Fields Go tags `omitempty` are left out when empty, as encoding/json
 * does; `last_turn_summary` (a pointer without omitempty) is null until the first turn ends.
 */
import type {
  ChatStore,
  SimAIProvider,
  SimChat,
  SimChatFile,
  SimChatMessage,
  SimModelConfig,
  SimQueuedMessage,
} from './store';

/** codersdk.ChatFileMetadata. */
export function fileMetadataJson(file: SimChatFile) {
  return {
    id: file.id,
    owner_id: file.owner_id,
    organization_id: file.organization_id,
    name: file.name,
    mime_type: file.mime_type,
    size_bytes: file.data.length,
    created_at: file.created_at,
  };
}

/**
 * codersdk.Chat. The single-chat answers (get, create) carry the linked files; list and interrupt
 * answers do not (db2sdk.Chat is called there without file metadata).
 */
export function chatJson(store: ChatStore, chat: SimChat, opts: { files: boolean }) {
  const linked = opts.files ? chat.file_ids.map((id) => store.files.get(id)) : [];
  const files = linked.filter((f): f is SimChatFile => f !== undefined).map(fileMetadataJson);
  return {
    id: chat.id,
    organization_id: chat.organization_id,
    owner_id: chat.owner_id,
    root_chat_id: chat.id,
    last_model_config_id: chat.last_model_config_id,
    title: chat.title,
    status: chat.status,
    ...(chat.last_error ? { last_error: chat.last_error } : {}),
    last_turn_summary: chat.last_turn_summary,
    created_at: chat.created_at,
    updated_at: chat.updated_at,
    archived: chat.archived,
    pin_order: 0,
    mcp_server_ids: [],
    labels: chat.labels,
    ...(files.length > 0 ? { files } : {}),
    has_unread: false,
    client_type: 'api',
    children: [],
  };
}

/** codersdk.ChatMessage. */
export function messageJson(m: SimChatMessage) {
  return {
    id: m.id,
    chat_id: m.chat_id,
    ...(m.created_by ? { created_by: m.created_by } : {}),
    ...(m.model_config_id ? { model_config_id: m.model_config_id } : {}),
    created_at: m.created_at,
    role: m.role,
    ...(m.content.length > 0 ? { content: m.content } : {}),
  };
}

/** codersdk.ChatQueuedMessage. */
export function queuedJson(q: SimQueuedMessage) {
  return { id: q.id, chat_id: q.chat_id, content: q.content, created_at: q.created_at };
}

/** codersdk.ChatModelConfig. */
export function modelConfigJson(c: SimModelConfig, createdAt: string) {
  return { ...c, created_at: createdAt, updated_at: createdAt };
}

/** codersdk.AIProvider. */
export function providerJson(p: SimAIProvider, createdAt: string) {
  return { ...p, icon: '', has_api_key: true, created_at: createdAt, updated_at: createdAt };
}
