/**
 * A chat's transcript and new prompts: coder_get_chat_messages and coder_send_chat_message
 * (codersdk/toolsdk/chats.go). Only user-facing text reaches the model (text parts and lifecycle hook
 * notices; reasoning, tool calls and tool results are left out), with the files a message carries;
 * a message with neither is skipped. Pages read newest first, or oldest first after `after_id`.
 */
import * as z from 'zod';
import {
  CHATS_PATH,
  chatMessagesResponseSchema,
  createChatMessageResponseSchema,
  type ChatMessage,
  type ChatPart,
} from '../coder/chats';
import { InvalidArgumentError, prefixed } from '../errors';
import { CHAT_ID_DESCRIPTION, parseChatId } from './chats-status';
import { defineTool } from './types';

const messageFile = z.object({ id: z.string(), name: z.string(), mime_type: z.string() });

/** toolsdk.ChatToolMessage. */
const chatToolMessage = z.object({
  id: z.number().int(),
  role: z.string(),
  created_at: z.string(),
  text: z.string(),
  files: z.array(messageFile).optional(),
});
type ChatToolMessage = z.output<typeof chatToolMessage>;

/** Hook notices are user-facing (codersdk's contract); hook context is for the model only. */
function userFacingText(parts: readonly ChatPart[]): string {
  return parts
    .filter((p) => (p.type === 'text' || p.type === 'hook-notice') && p.text)
    .map((p) => p.text ?? '')
    .join('\n');
}

function filesOf(parts: readonly ChatPart[]): z.output<typeof messageFile>[] {
  return parts.flatMap((p) =>
    p.type === 'file' && p.file_id ? [{ id: p.file_id, name: p.name ?? '', mime_type: p.media_type ?? '' }] : [],
  );
}

/** The message as the model reads it, or undefined when it has neither text nor files (a tool call, say). */
function toToolMessage(m: ChatMessage): ChatToolMessage | undefined {
  const parts = m.content ?? [];
  const text = userFacingText(parts);
  const files = filesOf(parts);
  if (!text && files.length === 0) return undefined;
  return { id: m.id, role: m.role, created_at: m.created_at, text, ...(files.length > 0 ? { files } : {}) };
}

/** A queued prompt's text; one holding only files is named by them instead of being dropped. */
function queuedText(parts: readonly ChatPart[]): string {
  const text = userFacingText(parts);
  if (text) return text;
  const names = filesOf(parts).map((f) => f.name || f.id);
  return names.length > 0 ? `(attached files: ${names.join(', ')})` : '';
}

const messagesResult = z.object({
  messages: z.array(chatToolMessage),
  has_more: z.boolean(),
  next_before_id: z.number().int().optional().describe('Pass as before_id to read the page of older messages.'),
  next_after_id: z.number().int().optional().describe('Pass as after_id to read newer messages from here.'),
  queued_messages: z
    .array(z.string())
    .optional()
    .describe('Prompts still queued behind a busy chat (first page only).'),
});
type MessagesResult = z.output<typeof messagesResult>;

export const getChatMessages = defineTool({
  name: 'coder_get_chat_messages',
  description: `Get messages from a Coder Agents chat in chronological order.

Only user-facing text content is returned (including lifecycle hook notices); tool calls and other internal parts are omitted. Prompts still queued behind a busy chat appear in queued_messages. Use before_id with next_before_id to page backward from the newest messages, or after_id with next_after_id to page forward.`,
  annotations: 'read',
  input: () =>
    z.object({
      chat_id: z.string().describe(CHAT_ID_DESCRIPTION),
      limit: z
        .number()
        .int()
        .optional()
        .describe(
          'Maximum number of messages per page (1-200, default 50). Pages are newest-first unless after_id is set, which pages forward in chronological order.',
        ),
      before_id: z
        .number()
        .int()
        .optional()
        .describe('Only fetch messages with an id lower than this cursor. Omit to fetch the newest messages.'),
      after_id: z
        .number()
        .int()
        .optional()
        .describe(
          'Only fetch messages with an id greater than this cursor, in chronological order. Cannot be combined with before_id.',
        ),
    }),
  output: () => messagesResult,
  handler: async (args, { coder }) => {
    const id = parseChatId(args.chat_id);
    const limit = args.limit ?? 0;
    const beforeId = args.before_id ?? 0;
    const afterId = args.after_id ?? 0;
    if (limit < 0 || limit > 200) throw new InvalidArgumentError('limit must be between 1 and 200');
    if (beforeId < 0) throw new InvalidArgumentError('before_id must be a positive message id');
    if (afterId < 0) throw new InvalidArgumentError('after_id must be a positive message id');
    if (beforeId > 0 && afterId > 0) throw new InvalidArgumentError('before_id and after_id cannot be used together');
    const query = {
      limit: limit > 0 ? String(limit) : undefined,
      before_id: beforeId > 0 ? String(beforeId) : undefined,
      after_id: afterId > 0 ? String(afterId) : undefined,
    };
    const page = await prefixed(
      'get chat messages',
      coder.get(`${CHATS_PATH}/${id}/messages`, chatMessagesResponseSchema, query),
    );
    return toMessagesResult(
      page.messages ?? [],
      page.has_more,
      afterId > 0,
      (page.queued_messages ?? []).map((q) => queuedText(q.content ?? [])).filter(Boolean),
    );
  },
});

/**
 * Chronological messages and the cursors. The cursors come from the raw page, so a page of internal
 * messages only still moves the reader on: forward readers get next_after_id from every non-empty page.
 */
function toMessagesResult(
  raw: readonly ChatMessage[],
  hasMore: boolean,
  forward: boolean,
  queued: string[],
): MessagesResult {
  const chronological = forward ? raw : [...raw].reverse();
  const messages = chronological.flatMap((m) => toToolMessage(m) ?? []);
  const result: MessagesResult = { messages, has_more: hasMore };
  const ids = raw.map((m) => m.id);
  if (ids.length > 0 && forward) result.next_after_id = Math.max(...ids);
  if (ids.length > 0 && !forward && hasMore) result.next_before_id = Math.min(...ids);
  if (queued.length > 0) result.queued_messages = queued;
  return result;
}

export const sendChatMessage = defineTool({
  name: 'coder_send_chat_message',
  description: 'Send a message to a Coder Agents chat.',
  annotations: 'mutation',
  input: () =>
    z.object({
      chat_id: z.string().describe(CHAT_ID_DESCRIPTION),
      text: z.string().describe('The message to send.'),
      busy_behavior: z
        .enum(['queue', 'interrupt'])
        .optional()
        .describe(
          'What to do when the chat is already processing: "queue" (default) processes the message after the current run, "interrupt" stops the current run first.',
        ),
    }),
  output: () => z.object({ queued: z.boolean(), warnings: z.array(z.string()).optional() }),
  handler: async (args, { coder }) => {
    const id = parseChatId(args.chat_id);
    if (!args.text) throw new InvalidArgumentError('text is required');
    const res = await prefixed(
      'send chat message',
      coder.request('POST', `${CHATS_PATH}/${id}/messages`, {
        json: { content: [{ type: 'text', text: args.text }], busy_behavior: args.busy_behavior ?? 'queue' },
        schema: createChatMessageResponseSchema,
      }),
    );
    return { queued: res.queued, ...(res.warnings && res.warnings.length > 0 ? { warnings: res.warnings } : {}) };
  },
});
