/**
 * A tool's declared result: the `outputSchema` it lists and the `structuredContent` it sends.
 *
 * MCP wants both to be JSON objects (the SDK's ToolSchema and CallToolResultSchema insist on it), and
 * a client that read an outputSchema refuses a successful result without structuredContent. coderd
 * sends structuredContent for object results only and declares no outputSchema; declaring one for
 * every tool means the tools whose result is an array, `null` or a string (coderd's JSON text, kept as
 * is) carry it wrapped as `{"result": <value>}`, the convention of the Python SDK
 * (mcp/server/fastmcp/utilities/func_metadata.py, `_create_wrapped_model`).
 */
import * as z from 'zod';

type JsonValue = z.core.util.JSONType;

/** A JSON Schema for an object, as JSON values all the way down (what the SDK's Tool type asks for). */
export interface JsonObjectSchema {
  [key: string]: JsonValue;
  type: 'object';
  properties: { [key: string]: JsonValue };
}

const jsonObject = z.record(z.string(), z.json());

/** A JSON Schema's `properties` as JSON values; `{}` when it has none. */
export function jsonProperties(value: unknown): { [key: string]: JsonValue } {
  return value === undefined ? {} : jsonObject.parse(value);
}

export interface OutputShape {
  /** The outputSchema sent in tools/list. */
  readonly schema: JsonObjectSchema;
  /** The structuredContent for a result of this tool. */
  structured(value: unknown): Record<string, unknown>;
}

/** Converted on first use (the first tools/list), not at module load: cold starts load every tool. */
export function outputShape(output: z.ZodType): OutputShape {
  const wrapped = !(output instanceof z.ZodObject);
  let schema: JsonObjectSchema | undefined;
  return {
    get schema() {
      schema ??= toOutputJsonSchema(wrapped ? z.object({ result: output }) : output);
      return schema;
    },
    structured(value) {
      if (wrapped) return { result: value };
      if (!isRecord(value)) throw new TypeError('a tool declared an object result but produced something else');
      return value;
    },
  };
}

/**
 * As the SDK's McpServer converts an outputSchema (server/zod-json-schema-compat.js `toJsonSchemaCompat`
 * with `pipeStrategy: 'output'`): draft-07, output types. Draft-07 matters: the SDK client validates
 * with Ajv, which knows that draft's `$schema` and not 2020-12's. Objects come out closed
 * (`additionalProperties: false`) unless declared loose.
 */
export function toOutputJsonSchema(schema: z.ZodType): JsonObjectSchema {
  // zod's JSON Schema type allows `undefined` members; checking it as JSON drops no value and satisfies the type.
  const json = jsonObject.parse(z.toJSONSchema(schema, { target: 'draft-7', io: 'output' }));
  const properties = jsonObject.safeParse(json.properties);
  if (json.type !== 'object' || !properties.success) throw new TypeError('an outputSchema must describe a JSON object');
  return { ...json, type: 'object', properties: properties.data };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
