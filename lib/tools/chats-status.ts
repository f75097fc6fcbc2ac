/**
 * What the chat tools share (codersdk/toolsdk/chats.go): the chat status object most of them return
 * (`ChatToolStatus`, with Go's omitempty rules), chat id checks with coderd's texts, and the `<step>: `
 * prefix coderd's tools put before a failed Coder call.
 */
import * as z from 'zod';
import type { CoderClient } from '../coder/client';
import { CHATS_PATH, chatErrorSchema, chatSchema, type Chat } from '../coder/chats';
import { isUuid } from '../coder/uuid';
import { InvalidArgumentError } from '../errors';

export const CHAT_ID_DESCRIPTION = 'UUID of the chat.';

/** toolsdk.ChatToolFile. */
const chatToolFile = z.object({
  id: z.string(),
  name: z.string(),
  mime_type: z.string(),
  size_bytes: z.number().int(),
  created_at: z.string(),
});

/** toolsdk.ChatToolStatus. Empty fields are left out, as Go's omitempty does. */
export const chatToolStatus = z.object({
  id: z.string(),
  title: z.string(),
  status: z.string().describe('waiting, running, error, requires_action or interrupting.'),
  archived: z.boolean(),
  last_error: chatErrorSchema.optional().describe("The chat's last error, as Coder reports it."),
  last_turn_summary: z.string().optional(),
  workspace_id: z.string().optional(),
  url: z.string().describe('Where a person follows the chat in Coder.'),
  labels: z.record(z.string(), z.string()).optional(),
  files: z.array(chatToolFile).optional(),
});
export type ChatToolStatus = z.output<typeof chatToolStatus>;

/** toolsdk `chatToolStatus`: the chat's URL is `<server>/agents/<id>` (the server URL without its path). */
export function toChatToolStatus(coder: CoderClient, chat: Chat): ChatToolStatus {
  const status: ChatToolStatus = {
    id: chat.id,
    title: chat.title,
    status: chat.status,
    archived: chat.archived,
    url: `${coder.baseUrl.origin}/agents/${chat.id}`,
  };
  if (chat.last_error) status.last_error = chat.last_error;
  if (chat.last_turn_summary) status.last_turn_summary = chat.last_turn_summary;
  if (chat.workspace_id) status.workspace_id = chat.workspace_id;
  if (chat.labels && Object.keys(chat.labels).length > 0) status.labels = chat.labels;
  const files = (chat.files ?? []).map((f) => ({
    id: f.id,
    name: f.name,
    mime_type: f.mime_type,
    size_bytes: f.size_bytes,
    created_at: f.created_at,
  }));
  if (files.length > 0) status.files = files;
  return status;
}

/** toolsdk `parseChatID`. */
export function parseChatId(chatId: string | undefined): string {
  if (!chatId) throw new InvalidArgumentError('chat_id is required');
  if (!isUuid(chatId)) throw new InvalidArgumentError('chat_id must be a valid UUID');
  return chatId.toLowerCase();
}

/** GET /chats/{id}. */
export function getChat(coder: CoderClient, chatId: string): Promise<Chat> {
  return coder.get(`${CHATS_PATH}/${chatId}`, chatSchema);
}
