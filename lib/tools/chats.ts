/**
 * Coder Agents chats: create, get, list, interrupt and archive (codersdk/toolsdk/chats.go at coderd
 * HEAD; REST under `/api/experimental/chats`, coderd/exp_chats.go). Messages, waiting, files and
 * model configs are in the other chats-*.ts modules.
 */
import * as z from 'zod';
import { CHATS_PATH, chatSchema } from '../coder/chats';
import { organizationIdArgument, resolveOrganization } from '../coder/organizations';
import { requireUuid } from '../coder/uuid';
import { InvalidArgumentError, prefixed } from '../errors';
import { CHAT_ID_DESCRIPTION, chatToolStatus, getChat, parseChatId, toChatToolStatus } from './chats-status';
import { messageResult } from './results';
import { defineTool } from './types';

const labels = z.record(z.string(), z.string());

export const createChat = defineTool({
  name: 'coder_create_chat',
  description: `Start a Coder Agents chat: a server-side AI coding agent that works autonomously from a prompt.

The chat runs asynchronously. Poll coder_get_chat for status and read the transcript with coder_get_chat_messages.`,
  annotations: 'mutation',
  input: () =>
    z.object({
      prompt: z.string().describe('Initial prompt for the agent.'),
      organization_id: organizationIdArgument,
      model_config_id: z
        .string()
        .optional()
        .describe(
          'Optional chat model config UUID from coder_list_chat_model_configs. Defaults to the deployment default model.',
        ),
      labels: labels.optional().describe('Optional string key/value labels to attach to the chat.'),
    }),
  output: () => chatToolStatus,
  handler: async (args, { coder }) => {
    if (!args.prompt) throw new InvalidArgumentError('prompt is required');
    const organizationId = await resolveOrganization(coder, args.organization_id);
    const modelConfigId = args.model_config_id ? requireUuid('model_config_id', args.model_config_id) : undefined;
    const chat = await prefixed(
      'create chat',
      coder.request('POST', CHATS_PATH, {
        json: {
          organization_id: organizationId,
          content: [{ type: 'text', text: args.prompt }],
          model_config_id: modelConfigId,
          labels: args.labels,
        },
        schema: chatSchema,
      }),
    );
    return toChatToolStatus(coder, chat);
  },
});

export const getChatTool = defineTool({
  name: 'coder_get_chat',
  description:
    'Get the status of a Coder Agents chat, including its last error, last turn summary, workspace, and attached files.',
  annotations: 'read',
  input: () => z.object({ chat_id: z.string().describe(CHAT_ID_DESCRIPTION) }),
  output: () => chatToolStatus,
  handler: async ({ chat_id }, { coder }) =>
    toChatToolStatus(coder, await prefixed('get chat', getChat(coder, parseChatId(chat_id)))),
});

const DEFAULT_LIST_LIMIT = 25;

export const listChats = defineTool({
  name: 'coder_list_chats',
  description: 'List Coder Agents chats, optionally filtered by labels or a search query.',
  annotations: 'read',
  input: () =>
    z.object({
      labels: labels.optional().describe('Optional exact-match string key/value labels.'),
      query: z
        .string()
        .optional()
        .describe(
          'Optional chat search query of fielded terms, e.g. title:<text>, search:<text>, status:<waiting|running|error|requires_action|interrupting>, archived:<true|false>. Quote values containing spaces or colons.',
        ),
      limit: z.number().int().optional().describe('Maximum chats to return (1-100, default 25).'),
    }),
  output: () => z.object({ chats: z.array(chatToolStatus) }),
  handler: async (args, { coder }) => {
    const limit = args.limit ?? 0;
    if (limit < 0 || limit > 100) throw new InvalidArgumentError('limit must be between 1 and 100');
    const query = {
      q: args.query || undefined,
      // Repeated `label=key:value`, as codersdk's ListChats sends them.
      label: Object.entries(args.labels ?? {}).map(([k, v]) => `${k}:${v}`),
      limit: String(limit || DEFAULT_LIST_LIMIT),
    };
    const chats = await prefixed('list chats', coder.get(CHATS_PATH, z.array(chatSchema).nullable(), query));
    return { chats: (chats ?? []).map((c) => toChatToolStatus(coder, c)) };
  },
});

export const interruptChat = defineTool({
  name: 'coder_interrupt_chat',
  description: 'Interrupt a running Coder Agents chat. Progress so far is preserved.',
  annotations: 'mutation',
  input: () => z.object({ chat_id: z.string().describe(CHAT_ID_DESCRIPTION) }),
  output: () => chatToolStatus,
  handler: async ({ chat_id }, { coder }) => {
    const id = parseChatId(chat_id);
    const chat = await prefixed(
      'interrupt chat',
      coder.request('POST', `${CHATS_PATH}/${id}/interrupt`, { schema: chatSchema }),
    );
    return toChatToolStatus(coder, chat);
  },
});

/** coderd's whole answer (`codersdk.Response`). */
const ARCHIVED = 'Chat archived successfully.';

export const archiveChat = defineTool({
  name: 'coder_archive_chat',
  description:
    'Archive a Coder Agents chat. The chat is hidden from default listings but can be unarchived from the UI.',
  annotations: 'mutation',
  input: () => z.object({ chat_id: z.string().describe(CHAT_ID_DESCRIPTION) }),
  output: () => messageResult,
  handler: async ({ chat_id }, { coder }) => {
    const id = parseChatId(chat_id);
    await prefixed(
      'archive chat',
      coder.request('PATCH', `${CHATS_PATH}/${id}`, { json: { archived: true }, schema: z.unknown() }),
    );
    return { message: ARCHIVED };
  },
});
