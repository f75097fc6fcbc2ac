/**
 * Search-and-replace edits computed in TypeScript (the agent only reads and writes bytes): Coder's
 * rule that old_text must match exactly once unless `replace_all` is set, and the unified diff of the
 * result. Messages follow the workspace agent's (agent/agentfiles/files.go `fuzzyReplace`, with the
 * renamed field as coderd words it now), prefixed `edit <path>: ` as the agent prefixes them.
 */
import { InvalidArgumentError } from '../errors';
import type { Edit } from './edit-args';

export type { Edit } from './edit-args';

export function applyEdits(path: string, content: string, edits: readonly Edit[]): string {
  let out = content;
  edits.forEach((edit, i) => {
    const where = edits.length > 1 ? `edit ${path} (edit ${i + 1} of ${edits.length})` : `edit ${path}`;
    if (edit.old_text === '') throw new InvalidArgumentError(`${where}: old_text must not be empty`);
    const count = occurrences(out, edit.old_text);
    if (count === 0) {
      throw new InvalidArgumentError(
        `${where}: old_text not found in file. Verify old_text matches the file content exactly, including whitespace, indentation and line endings`,
      );
    }
    if (count > 1 && !edit.replace_all) {
      throw new InvalidArgumentError(
        `${where}: old_text matches ${count} occurrences (expected exactly 1). Include more surrounding context to make the match unique, or set replace_all to true`,
      );
    }
    // split/join: no `$&`-style replacement patterns, the text is used literally.
    out = out.split(edit.old_text).join(edit.new_text);
  });
  return out;
}

function occurrences(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n += 1;
  return n;
}

export async function unifiedDiff(path: string, before: string, after: string): Promise<string> {
  // Loaded on the first edit, not at cold start (esbuild defers a dynamically imported module's evaluation).
  const { createTwoFilesPatch } = await import('diff');
  const patch = createTwoFilesPatch(path, path, before, after, undefined, undefined, { context: 3 });
  // Drop the "Index:" and "====" banner lines; keep ---/+++ and the hunks.
  const start = patch.indexOf('--- ');
  return start === -1 ? patch : patch.slice(start);
}

/** Text edits only make sense on UTF-8 text; anything else would be corrupted by decoding. */
export function decodeText(path: string, data: Buffer): string {
  const text = data.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(data)) {
    throw new InvalidArgumentError(
      `${path}: the file is not UTF-8 text; edit it with coder_workspace_write_file instead`,
    );
  }
  return text;
}
