/**
 * coder_download_chat_file (codersdk/toolsdk/chats.go): a short-lived download URL for a file attached
 * to a chat (`POST /api/experimental/chats/files/{id}/download-url`), addressed by its id, or by its
 * chat and exact name. The URL needs no token; the model is told to fetch it rather than read bytes.
 */
import * as z from 'zod';
import { CHATS_PATH, chatFileDownloadSchema, type Chat } from '../coder/chats';
import { isUuid } from '../coder/uuid';
import { InvalidArgumentError, prefixed, ResourceError } from '../errors';
import { getChat, parseChatId } from './chats-status';
import { defineTool } from './types';

/** toolsdk `chatFilesDescription`: what the chat holds, for an error that must name the choices. */
function describeFiles(chat: Chat): string {
  const files = (chat.files ?? []).map(
    (f) =>
      `{id: ${f.id}, name: ${JSON.stringify(f.name)}, mime_type: ${JSON.stringify(f.mime_type)}, size_bytes: ${f.size_bytes}}`,
  );
  return `[${files.join(', ')}]`;
}

export const downloadChatFile = defineTool({
  name: 'coder_download_chat_file',
  description: `Create a short-lived download URL for a file attached to a Coder Agents chat.

Address the file with file_id alone, or with chat_id and an exact file_name. The URL expires in about 5 minutes and needs no authentication header. Fetch it with curl -fSs -o <path> "<url>". Do not read binary contents into context.`,
  annotations: 'read',
  input: () =>
    z.object({
      file_id: z.string().optional().describe('Optional chat file UUID. Use this alone when the file ID is known.'),
      chat_id: z
        .string()
        .optional()
        .describe('Optional chat UUID. Use together with file_name when the file ID is unknown.'),
      file_name: z.string().optional().describe('Optional exact file name. Use together with chat_id.'),
    }),
  output: () =>
    z.object({
      file_id: z.string(),
      name: z.string(),
      mime_type: z.string(),
      size_bytes: z.number().int(),
      sha256: z.string(),
      url: z.string(),
      expires_at: z.string(),
    }),
  handler: async (args, { coder }) => {
    const byId = Boolean(args.file_id) && !args.chat_id && !args.file_name;
    const byName = !args.file_id && Boolean(args.chat_id) && Boolean(args.file_name);
    if (!byId && !byName)
      throw new InvalidArgumentError('provide exactly one addressing mode: file_id alone, or chat_id with file_name');
    let fileId: string;
    if (byId) {
      if (!isUuid(args.file_id ?? '')) throw new InvalidArgumentError('file_id must be a valid UUID');
      fileId = (args.file_id ?? '').toLowerCase();
    } else {
      const chat = await prefixed('get chat', getChat(coder, parseChatId(args.chat_id)));
      const named = (chat.files ?? []).filter((f) => f.name === args.file_name);
      const [only] = named;
      if (named.length > 1)
        throw new ResourceError(
          `multiple chat files named ${JSON.stringify(args.file_name)}; available files: ${describeFiles(chat)}`,
        );
      if (!only)
        throw new ResourceError(
          `no chat file named ${JSON.stringify(args.file_name)}; available files: ${describeFiles(chat)}`,
        );
      fileId = only.id;
    }
    const download = await prefixed(
      'create chat file download URL',
      coder.request('POST', `${CHATS_PATH}/files/${fileId}/download-url`, { schema: chatFileDownloadSchema }),
    );
    return {
      file_id: fileId,
      name: download.name,
      mime_type: download.mime_type,
      size_bytes: download.size_bytes,
      sha256: download.sha256,
      url: download.url,
      expires_at: download.expires_at,
    };
  },
});
