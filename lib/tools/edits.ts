/**
 * Search-and-replace edits computed in TypeScript (the agent only reads and writes bytes): Coder's
 * rule that a search string must match exactly once unless `replace_all` is set, and the unified diff
 * of the result.
 */
import { InvalidArgumentError } from '../errors';

export interface Edit {
  search: string;
  replace: string;
  replace_all?: boolean | undefined;
}

export function applyEdits(path: string, content: string, edits: readonly Edit[]): string {
  let out = content;
  edits.forEach((edit, i) => {
    const where = edits.length > 1 ? `${path}: edit ${i + 1}` : path;
    if (edit.search === '') throw new InvalidArgumentError(`${where}: search string cannot be empty`);
    const count = occurrences(out, edit.search);
    if (count === 0) {
      throw new InvalidArgumentError(
        `${where}: search string not found in file. Verify the search string matches the file content exactly, including whitespace, indentation and line endings`,
      );
    }
    if (count > 1 && !edit.replace_all) {
      throw new InvalidArgumentError(
        `${where}: search string matches ${count} occurrences; include more surrounding context to make it unique, or set replace_all`,
      );
    }
    // split/join: no `$&`-style replacement patterns, the text is used literally.
    out = out.split(edit.search).join(edit.replace);
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
    throw new InvalidArgumentError(`${path}: the file is not UTF-8 text; edit it with coder_workspace_write_file instead`);
  }
  return text;
}
