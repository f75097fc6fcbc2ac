/**
 * What a tool is: a name, a description, an annotation class, zod schemas for its arguments and its
 * result, and a handler. `defineTool` erases the argument and result types behind a `call` that
 * validates first, so the registry can hold tools of every shape without casts.
 */
import * as z from 'zod';
import type { CoderClient } from '../coder/client';
import type { AgentAccess } from './agent-access';
import type { Progress } from '../progress';
import { parseArguments } from './arguments';
import { jsonProperties, outputShape, type JsonObjectSchema, type OutputShape } from './output';
import { precomputedSchemas } from './wire-schemas.generated';

export type { JsonObjectSchema } from './output';

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
  /** A stopped workspace may be started to serve the call (coderd's behaviour); false in read-only mode. */
  autoStart: boolean;
}

export interface ToolSpec<S extends z.ZodObject, O extends z.ZodType> {
  name: string;
  description: string;
  annotations: AnnotationClass;
  /** The arguments. Properties it does not name are refused (see arguments.ts), as coderd refuses them. */
  input: () => S;
  /** The result as JSON: listed as the tool's outputSchema and sent as structuredContent (see output.ts). */
  output: () => O;
  /**
   * false: the result goes out as JSON text only, with no structuredContent and therefore no outputSchema
   * (a client that read an outputSchema refuses results without structuredContent). coderd does this for
   * `search` and `fetch`, whose OpenAI convention reads the text.
   */
  structured?: boolean;
  /**
   * The tool only reads, but starts a stopped workspace to do so, which is why coderd classes it as mutating.
   * Read-only mode offers it as read-only, with auto-start off (lib/mcp/tool-surface.ts).
   */
  startsWorkspace?: boolean;
  handler: (args: z.output<S>, ctx: ToolContext) => Promise<z.output<O>>;
}

/** What a call produced: the value for the JSON text, and the same value as structuredContent when the tool has one. */
export interface ToolResult {
  value: unknown;
  structured: Record<string, unknown> | undefined;
}

export interface Tool {
  readonly name: string;
  readonly description: string;
  readonly annotations: AnnotationClass;
  readonly inputSchema: JsonObjectSchema;
  /** undefined for a text-only tool (`structured: false`). */
  readonly outputSchema: JsonObjectSchema | undefined;
  /** The result schema in zod, for tests that check results the client does not validate (text-only tools). */
  readonly output: z.ZodType;
  /** See ToolSpec.startsWorkspace. */
  readonly startsWorkspace: boolean;
  /** Both schemas converted from zod now, never from the build-time table (scripts/gen-wire-schemas.ts and its test use this). */
  convertSchemas(): { input: JsonObjectSchema; output?: JsonObjectSchema };
  call(args: unknown, ctx: ToolContext): Promise<ToolResult>;
}

export function defineTool<S extends z.ZodObject, O extends z.ZodType>(spec: ToolSpec<S, O>): Tool {
  let input: S | undefined;
  let output: O | undefined;
  let shape: OutputShape | undefined;
  const inputSchema = () => (input ??= spec.input());
  const outputSchema = () => (output ??= spec.output());
  const outputShaped = (): OutputShape | undefined => {
    if (spec.structured === false) return undefined;
    shape ??= outputShape(outputSchema());
    return shape;
  };
  // Taken from the table converted at build time (a cold start's first tools/list would otherwise convert every
  // schema, about 20 ms); converted here on first use only for a tool the table does not have.
  let wire: JsonObjectSchema | undefined;
  let listedOutput: JsonObjectSchema | undefined;
  return {
    name: spec.name,
    description: spec.description,
    annotations: spec.annotations,
    get inputSchema() {
      wire ??= precomputedSchemas()[spec.name]?.input ?? toWireSchema(inputSchema());
      return wire;
    },
    get outputSchema() {
      if (spec.structured === false) return undefined;
      listedOutput ??= precomputedSchemas()[spec.name]?.output ?? outputShaped()?.schema;
      return listedOutput;
    },
    convertSchemas: () => {
      const listed = outputShaped();
      return { input: toWireSchema(inputSchema()), ...(listed ? { output: listed.schema } : {}) };
    },
    get output() {
      return outputSchema();
    },
    startsWorkspace: spec.startsWorkspace === true,
    async call(args, ctx) {
      // Arguments left out are an empty object, as coderd treats them; `null` is a value, and not an object.
      const value = await spec.handler(parseArguments(inputSchema(), args === undefined ? {} : args), ctx);
      return { value, structured: outputShaped()?.structured(value) };
    },
  };
}

/**
 * coderd's wire shape (coderd/mcp/mcp.go `RegisterSDKTool`): `{type, properties, required?,
 * additionalProperties: false}`, no `$schema`. Nested objects stay open, as coderd's are.
 */
function toWireSchema(schema: z.ZodObject): JsonObjectSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  const out: JsonObjectSchema = { type: 'object', properties: jsonProperties(json.properties) };
  if (Array.isArray(json.required) && json.required.length > 0) out.required = json.required;
  out.additionalProperties = false;
  return out;
}
