/**
 * coder_workspace_edit_file and coder_workspace_edit_files. Every file is read, edited in TypeScript,
 * and written back only if its SHA-256 is still the one that was read (compare-and-swap), so a
 * concurrent change is reported, never overwritten. All edits are checked before anything is written.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { AgentChannel } from '../tunnel/channel';
import { read, write } from '../tunnel/ops';
import { InvalidArgumentError } from '../errors';
import { editSchema } from './edit-args';
import { applyEdits, decodeText, unifiedDiff, type Edit } from './edits';
import { editResult } from './results';
import { defineTool } from './types';
import { absolutePath, workspaceArg } from './workspace-args';

/** Larger files are refused for editing: the whole file crosses the channel twice. */
const MAX_EDIT_BYTES = 4 << 20;

const edits = z.array(editSchema).describe('The edits to apply to the file, in order.');

interface FileEdits {
  path: string;
  edits: Edit[];
}

async function editFiles(channel: AgentChannel, files: FileEdits[], signal: AbortSignal) {
  if (files.length === 0) throw new InvalidArgumentError('must specify at least one file');
  const planned = [];
  for (const file of files) {
    const { data, size } = await read(channel, file.path, 0, MAX_EDIT_BYTES + 1, signal);
    if (size > MAX_EDIT_BYTES)
      throw new InvalidArgumentError(
        `${file.path}: the file is larger than ${MAX_EDIT_BYTES} bytes; edit it with a command instead`,
      );
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
    'Edit a file in a workspace: each edit replaces old_text with new_text, in order. old_text must match exactly once unless replace_all is true. Nothing is written unless every edit applies. Returns a unified diff of the change.',
  annotations: 'destructive',
  input: () => z.object({ workspace: workspaceArg, path: absolutePath('file'), edits }),
  output: () => editResult,
  handler: async ({ workspace, path, edits }, { agents, signal }) => {
    const files = await agents.run(workspace, signal, (channel) => editFiles(channel, [{ path, edits }], signal));
    return { message: 'File edited successfully.', ...(files.length > 0 ? { files } : {}) };
  },
});

export const workspaceEditFiles = defineTool({
  name: 'coder_workspace_edit_files',
  description:
    'Edit one or more files in a workspace: each edit replaces old_text with new_text, in order. old_text must match exactly once unless replace_all is true. Nothing is written unless every edit of every file applies. Returns a unified diff per file.',
  annotations: 'destructive',
  input: () =>
    z.object({
      workspace: workspaceArg,
      files: z
        .array(z.object({ path: absolutePath('file'), edits }))
        .describe('The files to edit, each with its edits.'),
    }),
  output: () => editResult,
  handler: async ({ workspace, files }, { agents, signal }) => {
    const results = await agents.run(workspace, signal, (channel) => editFiles(channel, files, signal));
    return { message: 'File(s) edited successfully.', ...(results.length > 0 ? { files: results } : {}) };
  },
});
