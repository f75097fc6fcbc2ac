/**
 * What a tool is: a name, a description, an annotation class, a zod input schema and a handler.
 * `defineTool` erases the argument type behind a `call` that validates first, so the registry can
 * hold tools of every shape without casts.
 */
import { z } from 'zod';
import type { CoderClient } from '../coder/client';
import type { AgentAccess } from './agent-access';
import type { Progress } from '../progress';
import { InvalidArgumentError } from '../errors';

/** coderd's three annotation classes (contract §1.2); all four hints are always sent. */
export const ANNOTATIONS = {
  read: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  mutation: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  destructive: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
} as const;
export type AnnotationClass = keyof typeof ANNOTATIONS;

export interface ToolContext {
  coder: CoderClient;
  /** Leased, permission-checked channels to workspace agents for this caller. */
  agents: AgentAccess;
  /** Fires when the call's deadline passes or the client goes away. */
  signal: AbortSignal;
  /** Milliseconds left until the call's deadline. */
  budgetMs: () => number;
  /** Progress notifications for a client that asked for them (a no-op for others). */
  progress: Progress;
}

export interface ToolSpec<S extends z.ZodObject> {
  name: string;
  description: string;
  annotations: AnnotationClass;
  input: S;
  handler: (args: z.output<S>, ctx: ToolContext) => Promise<unknown>;
}

export interface Tool {
  readonly name: string;
  readonly description: string;
  readonly annotations: AnnotationClass;
  readonly inputSchema: JsonObjectSchema;
  call(args: unknown, ctx: ToolContext): Promise<unknown>;
}

export interface JsonObjectSchema {
  [key: string]: unknown;
  type: 'object';
  properties: Record<string, unknown>;
}

export function defineTool<S extends z.ZodObject>(spec: ToolSpec<S>): Tool {
  // Converted on first use (the first tools/list), not at module load: cold starts load every tool.
  let wire: JsonObjectSchema | undefined;
  return {
    name: spec.name,
    description: spec.description,
    annotations: spec.annotations,
    get inputSchema() {
      wire ??= toWireSchema(spec.input);
      return wire;
    },
    async call(args, ctx) {
      const parsed = spec.input.safeParse(args ?? {}, { error: describeIssue });
      if (!parsed.success) throw new InvalidArgumentError(`invalid arguments for ${spec.name}: ${formatIssues(parsed.error)}`);
      return spec.handler(parsed.data, ctx);
    },
  };
}

/** coderd's wire shape: `{type, properties, required?}`, no `$schema`, no top-level `additionalProperties`. */
function toWireSchema(schema: z.ZodObject): JsonObjectSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  const properties = json.properties && typeof json.properties === 'object' ? json.properties : {};
  const out: JsonObjectSchema = { type: 'object', properties };
  if (Array.isArray(json.required) && json.required.length > 0) out.required = json.required;
  return out;
}

function describeIssue(issue: { code?: string; input?: unknown }): string | undefined {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return undefined;
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.length > 0 ? i.path.map(String).join('.') : 'arguments';
      return `${path}: ${i.message}`;
    })
    .join('; ');
}
