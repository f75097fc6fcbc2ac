/**
 * One edit as the edit tools take it. coderd advertises `old_text` / `new_text` / `replace_all` since
 * #28467 and #28626 (codersdk/toolsdk/toolsdk.go, WorkspaceEditFile(s)) and still decodes the former
 * `search` / `replace` for clients holding a schema from before (codersdk/workspacesdk/agentconn.go,
 * `FileEdit.UnmarshalJSON`). Only the new names are advertised; the old ones are accepted here.
 *
 * Mixing the two in one edit: coderd's decoder takes the old names only when both new ones are empty,
 * so `{old_text, replace}` silently becomes "delete old_text". We accept both generations in one edit
 * only when they say the same thing (coderd's own `FileEdit.MarshalJSON` sends both, equal), and refuse
 * anything else as invalid arguments rather than guess.
 */
import * as z from 'zod';

const newEdit = z.object({
  old_text: z
    .string()
    .describe(
      'The existing text to replace, matched exactly (whitespace, indentation and line endings included). It must match exactly one location in the file unless replace_all is true: include enough surrounding context to make it unique.',
    ),
  new_text: z.string().describe('The new text that replaces the old text.'),
  replace_all: z
    .boolean()
    .optional()
    .describe(
      'When true, replaces all occurrences of old_text. Defaults to false, which requires old_text to match exactly once.',
    ),
});

export type Edit = z.output<typeof newEdit>;

const LEGACY = { old_text: 'search', new_text: 'replace' } as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The edit in the new names, or the edit untouched when it has no old names (the schema then judges it). */
function fromEitherGeneration(value: unknown, ctx: z.core.$RefinementCtx): unknown {
  if (!isRecord(value) || !('search' in value || 'replace' in value)) return value;
  const hasNew = 'old_text' in value || 'new_text' in value;
  if (!hasNew) return { old_text: value.search, new_text: value.replace, replace_all: value.replace_all };
  for (const [current, former] of Object.entries(LEGACY)) {
    if (value[current] !== value[former]) {
      ctx.addIssue({
        code: 'custom',
        message: `${current} and ${former} (its former name) disagree; send old_text and new_text only`,
        input: value,
      });
      return value;
    }
  }
  return value;
}

/** Advertised as the new names only: zod lists a preprocessed schema by its target. */
export const editSchema = z.preprocess(fromEitherGeneration, newEdit);
