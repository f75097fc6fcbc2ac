/**
 * coder_workspace_edit_file and coder_workspace_edit_files. Every file is read, edited in TypeScript,
 * and written back only if its SHA-256 is still the one that was read (compare-and-swap), so a
 * concurrent change is reported, never overwritten. All edits are checked before anything is written.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AgentChannel } from '../tunnel/channel';
import { read, write } from '../tunnel/ops';
import { InvalidArgumentError } from '../errors';
import { applyEdits, decodeText, unifiedDiff, type Edit } from './edits';
import { defineTool } from './types';
import { absolutePath, workspaceArg } from './workspace-args';

/** Larger files are refused for editing: the whole file crosses the channel twice. */
const MAX_EDIT_BYTES = 4 << 20;

const editSchema = z.object({
  search: z.string().describe('Exact text to find. It must occur exactly once unless replace_all is set.'),
  replace: z.string().describe('Text to put in its place.'),
});

interface FileEdits {
  path: string;
  edits: Edit[];
}

async function editFiles(channel: AgentChannel, files: FileEdits[], signal: AbortSignal) {
  if (files.length === 0) throw new InvalidArgumentError('must specify at least one file');
  const planned = [];
  for (const file of files) {
    const { data, size } = await read(channel, file.path, 0, MAX_EDIT_BYTES + 1, signal);
    if (size > MAX_EDIT_BYTES) throw new InvalidArgumentError(`${file.path}: the file is larger than ${MAX_EDIT_BYTES} bytes; edit it with a command instead`);
    const before = decodeText(file.path, data);
    const after = applyEdits(file.path, before, file.edits);
    planned.push({ path: file.path, hash: createHash('sha256').update(data).digest('hex'), before, after });
  }
  const results = [];
  for (const p of planned) {
    await write(channel, p.path, Buffer.from(p.after, 'utf8'), signal, p.hash);
    results.push({ path: p.path, diff: await unifiedDiff(p.path, p.before, p.after) });
  }
  return results;
}

export const workspaceEditFile = defineTool({
  name: 'coder_workspace_edit_file',
  description:
    'Edit a file in a workspace with search-and-replace edits, applied in order. Each search string must match exactly once. Returns a unified diff of the change.',
  annotations: 'destructive',
  input: z.object({ workspace: workspaceArg, path: absolutePath('file'), edits: z.array(editSchema).describe('The edits to apply, in order.') }),
  handler: async ({ workspace, path, edits }, { agents, signal }) => {
    const files = await agents.run(workspace, signal, (channel) => editFiles(channel, [{ path, edits }], signal));
    return { message: 'File edited successfully.', ...(files.length > 0 ? { files } : {}) };
  },
});

export const workspaceEditFiles = defineTool({
  name: 'coder_workspace_edit_files',
  description:
    'Edit several files in a workspace with search-and-replace edits. Each search string must match exactly once unless replace_all is set. Nothing is written unless every edit applies. Returns a unified diff per file.',
  annotations: 'destructive',
  input: z.object({
    workspace: workspaceArg,
    files: z
      .array(
        z.object({
          path: absolutePath('file'),
          edits: z.array(editSchema.extend({ replace_all: z.boolean().optional().describe('Replace every occurrence instead of requiring exactly one.') })),
        }),
      )
      .describe('The files and their edits.'),
  }),
  handler: async ({ workspace, files }, { agents, signal }) => {
    const results = await agents.run(workspace, signal, (channel) => editFiles(channel, files, signal));
    return { message: 'File(s) edited successfully.', ...(results.length > 0 ? { files: results } : {}) };
  },
});
