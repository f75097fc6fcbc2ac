/** coder_workspace_ls, coder_workspace_read_file and coder_workspace_write_file over the pooled agent channel. */
import * as z from 'zod';
import { InvalidArgumentError } from '../errors';
import { list, read, write } from '../tunnel/ops';
import { mimeTypeFor } from './mime';
import { messageResult } from './results';
import { defineTool } from './types';
import { absolutePath, workspaceArg } from './workspace-args';

export const MAX_READ_BYTES = 1 << 20;

export const workspaceLs = defineTool({
  name: 'coder_workspace_ls',
  description: 'List a directory in a workspace. Directories come first, then files, each sorted by name.',
  // coderd classes it as mutating: reaching the agent starts a stopped workspace.
  annotations: 'mutation',
  startsWorkspace: true,
  input: () => z.object({ workspace: workspaceArg, path: absolutePath('directory') }),
  output: () => z.object({ contents: z.array(z.object({ path: z.string(), is_dir: z.boolean() })) }),
  handler: async ({ workspace, path }, { agents, signal }) => {
    const entries = await agents.run(workspace, signal, (channel) => list(channel, path, signal));
    const base = path.endsWith('/') ? path : `${path}/`;
    const sorted = [...entries].sort((a, b) =>
      a.isDir !== b.isDir ? (a.isDir ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    return { contents: sorted.map((e) => ({ path: `${base}${e.name}`, is_dir: e.isDir })) };
  },
});

export const workspaceReadFile = defineTool({
  name: 'coder_workspace_read_file',
  description:
    'Read a file in a workspace, or a byte range of it (at most 1 MiB per call). The content comes back base64-encoded with a MIME type guessed from the extension.',
  annotations: 'mutation',
  startsWorkspace: true,
  input: () =>
    z.object({
      workspace: workspaceArg,
      path: absolutePath('file'),
      offset: z.number().int().min(0).optional().describe('Byte offset to start at (default 0).'),
      limit: z.number().int().min(0).optional().describe('Most bytes to read (default and maximum 1048576).'),
    }),
  output: () => z.object({ content: z.string().describe('The bytes read, base64-encoded.'), mimeType: z.string() }),
  handler: async ({ workspace, path, offset = 0, limit = 0 }, { agents, signal }) => {
    if (limit > MAX_READ_BYTES) throw new InvalidArgumentError(`limit must be ${MAX_READ_BYTES} or less, got ${limit}`);
    const { data } = await agents.run(workspace, signal, (channel) =>
      read(channel, path, offset, limit || MAX_READ_BYTES, signal),
    );
    return { content: data.toString('base64'), mimeType: mimeTypeFor(path) };
  },
});

const base64Content = z
  .string()
  .refine((s) => /^[A-Za-z0-9+/]*={0,2}$/.test(s.replace(/\s+/g, '')) && s.replace(/\s+/g, '').length % 4 === 0, {
    message: 'must be base64-encoded',
  })
  .describe('The file content, base64-encoded.');

export const workspaceWriteFile = defineTool({
  name: 'coder_workspace_write_file',
  description:
    'Write a file in a workspace, replacing it if it exists. Parent directories are created; the write is atomic (temporary file, then rename).',
  annotations: 'destructive',
  input: () => z.object({ workspace: workspaceArg, path: absolutePath('file'), content: base64Content }),
  output: () => messageResult,
  handler: async ({ workspace, path, content }, { agents, signal }) => {
    const data = Buffer.from(content, 'base64');
    await agents.run(workspace, signal, (channel) => write(channel, path, data, signal));
    return { message: 'File written successfully.' };
  },
});
