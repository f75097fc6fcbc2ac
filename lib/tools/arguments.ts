/**
 * Tool arguments checked against the tool's schema, reported as coderd reports them since #28702
 * (codersdk/toolsdk/toolsdk.go `ArgumentValidationError`): `invalid arguments: ` and then one
 * `$/<path>: <reason>` per problem, sorted by path and joined with "; ". The MCP layer sends that text
 * with the tool's input schema (`expectedSchema`) so a model can correct its call.
 */
import type * as z from 'zod';
import { InvalidArgumentError } from '../errors';

/** Arguments that do not match the tool's input schema (as opposed to a value the handler refuses later). */
export class ArgumentValidationError extends InvalidArgumentError {}

interface Problem {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * The parsed arguments, or an ArgumentValidationError naming every problem. Properties the schema does
 * not name are problems too: coderd advertises `additionalProperties: false` and its validator enforces it.
 */
export function parseArguments<S extends z.ZodObject>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw, { error: requiredMessage });
  const unknown = unknownProperties(schema, raw);
  if (parsed.success && unknown.length === 0) return parsed.data;
  const issues: Problem[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => ({ path: i.path, message: reason(i.message) }));
  throw new ArgumentValidationError(`invalid arguments: ${describeProblems([...issues, ...unknown])}`);
}

function unknownProperties(schema: z.ZodObject, raw: unknown): Problem[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const known = new Set(Object.keys(schema.shape));
  const extra = Object.keys(raw).filter((k) => !known.has(k));
  if (extra.length === 0) return [];
  const names = extra.map((k) => JSON.stringify(k)).join(', ');
  return [
    {
      path: [],
      message: `${extra.length === 1 ? 'unknown property' : 'unknown properties'} ${names} (additionalProperties is false)`,
    },
  ];
}

/** zod's default for a missing value reads "expected string, received undefined"; say what it means. */
function requiredMessage(issue: { code?: string; input?: unknown }): string | undefined {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return undefined;
}

/** zod prefixes type errors with "Invalid input: "; the path already says where. */
function reason(message: string): string {
  return message.replace(/^Invalid input: /, '');
}

/** coderd's form: `$` for the arguments object itself, `$/a/0/b` below it; one entry per path, paths sorted. */
function describeProblems(problems: readonly Problem[]): string {
  const byPath = new Map<string, string[]>();
  for (const p of problems) {
    const path = ['$', ...p.path.map(String)].join('/');
    byPath.set(path, [...(byPath.get(path) ?? []), p.message]);
  }
  return [...byPath.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, messages]) => `${path}: ${messages.join(', ')}`)
    .join('; ');
}
