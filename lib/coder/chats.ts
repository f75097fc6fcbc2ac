/**
 * coderd's Coder Agents chats API as the chat tools use it (codersdk/chats.go at coderd HEAD, 2026-08:
 * routes under `/api/experimental/chats`, coderd/exp_chats.go). The schemas are loose and hold only the
 * fields the tools read: newer coderd versions add fields, and a chat's `last_error` went from a string
 * to a codersdk.ChatError object, so both are accepted and passed on as Coder sent them.
 */
import * as z from 'zod';

export const CHATS_PATH = '/api/experimental/chats';

/** codersdk.ChatError (earlier coderd: a plain string). */
export const chatErrorSchema = z.union([z.string(), z.looseObject({ message: z.string() })]);

/** codersdk.ChatFileMetadata. */
export const chatFileSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  mime_type: z.string(),
  size_bytes: z.number(),
  created_at: z.string(),
});

/** codersdk.Chat. */
export const chatSchema = z.looseObject({
  id: z.string(),
  title: z.string(),
  status: z.string(),
  archived: z.boolean(),
  last_error: chatErrorSchema.nullish(),
  last_turn_summary: z.string().nullish(),
  workspace_id: z.string().nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
  files: z.array(chatFileSchema).nullish(),
});
export type Chat = z.infer<typeof chatSchema>;

/** codersdk.ChatMessagePart: the fields of the part types the tools read (text, hook notices, files). */
export const chatPartSchema = z.looseObject({
  type: z.string(),
  text: z.string().nullish(),
  file_id: z.string().nullish(),
  name: z.string().nullish(),
  media_type: z.string().nullish(),
});
export type ChatPart = z.infer<typeof chatPartSchema>;

/** codersdk.ChatMessage. */
export const chatMessageSchema = z.looseObject({
  id: z.number(),
  role: z.string(),
  created_at: z.string(),
  content: z.array(chatPartSchema).nullish(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** codersdk.ChatMessagesResponse. */
export const chatMessagesResponseSchema = z.looseObject({
  messages: z.array(chatMessageSchema).nullish(),
  queued_messages: z.array(z.looseObject({ content: z.array(chatPartSchema).nullish() })).nullish(),
  has_more: z.boolean(),
});

/** codersdk.CreateChatMessageResponse. */
export const createChatMessageResponseSchema = z.looseObject({
  queued: z.boolean(),
  warnings: z.array(z.string()).nullish(),
});

/** codersdk.ChatFileDownloadURLResponse. */
export const chatFileDownloadSchema = z.looseObject({
  url: z.string(),
  expires_at: z.string(),
  sha256: z.string(),
  size_bytes: z.number(),
  name: z.string(),
  mime_type: z.string(),
});

/** codersdk.ChatModelConfig. */
export const chatModelConfigSchema = z.looseObject({
  id: z.string(),
  model: z.string(),
  display_name: z.string(),
  enabled: z.boolean(),
  is_default: z.boolean(),
  ai_provider_id: z.string().nullish(),
});

/** codersdk.AIProvider. */
export const aiProviderSchema = z.looseObject({ id: z.string(), enabled: z.boolean() });

/**
 * codersdk.ChatWatchEvent, one per WebSocket text frame: `{"kind","chat"}`. The first coderd versions
 * wrapped it as a server-sent-event envelope `{"type":"data","data":{...}}` between `{"type":"ping"}`s;
 * both are read, and only the chat's id and status are used (as a hint to fetch the chat again).
 */
const watchEvent = z.looseObject({ kind: z.string(), chat: z.looseObject({ id: z.string(), status: z.string() }) });
const watchEnvelope = z.looseObject({ type: z.literal('data'), data: watchEvent });

/** The chat a watch frame is about (its id and status), or undefined for pings and frames this server cannot read. */
export function watchedChatOf(frame: unknown): { id: string; status: string } | undefined {
  const direct = watchEvent.safeParse(frame);
  if (direct.success) return direct.data.chat;
  const wrapped = watchEnvelope.safeParse(frame);
  return wrapped.success ? wrapped.data.data.chat : undefined;
}

/** codersdk: a chat is generating while running or interrupting (toolsdk `chatStatusBusy`). */
export function isBusy(status: string): boolean {
  return status === 'running' || status === 'interrupting';
}
