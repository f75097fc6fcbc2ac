/**
 * Params of the requests this server answers, checked before the SDK's handlers see them. Left to the
 * SDK, a request whose params fail its schema becomes a JSON-RPC error whose message is the validation
 * issues as JSON, and for most methods it is `-32603 Internal error` (the SDK throws a plain Error). Here
 * the same SDK schemas decide, earlier, and the client gets `-32602 Invalid params` with one sentence
 * naming the field. It runs as a wrapper around each registered handler (server.ts), so both protocol
 * eras, single messages and batches, JSON and SSE answers all go the SDK's usual way.
 *
 * Which problems are JSON-RPC errors follows coderd's go-sdk: the params of the request itself (no
 * `name`, a `name` that is not a string, a bad `_meta`) are -32602, and so is an unknown tool (server.ts);
 * `arguments` that are not an object are the tool's to refuse (an `isError` result with its schema), so
 * they are held aside (held-arguments.ts) and the SDK sees `{}` in their place.
 */
import { type JSONRPCRequest, ProtocolErrorCode, specTypeSchemas } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { HeldArguments } from './held-arguments';
import { RpcError } from './rpc-error';

/**
 * The methods with a handler on our server (see createMcpServer; ping, initialize and logging/setLevel
 * are the SDK's own). The SDK types its schemas as Standard Schema; they are zod underneath, and only
 * zod's issues say what kind of value was expected, so a schema that stops being zod is left unjudged.
 */
const REQUEST_SCHEMAS: Record<string, z.ZodType | undefined> = {
  initialize: zodOnly(specTypeSchemas.InitializeRequest),
  ping: zodOnly(specTypeSchemas.PingRequest),
  'logging/setLevel': zodOnly(specTypeSchemas.SetLevelRequest),
  'tools/list': zodOnly(specTypeSchemas.ListToolsRequest),
  'tools/call': zodOnly(specTypeSchemas.CallToolRequest),
  'prompts/list': zodOnly(specTypeSchemas.ListPromptsRequest),
  'prompts/get': zodOnly(specTypeSchemas.GetPromptRequest),
};

function zodOnly(schema: unknown): z.ZodType | undefined {
  return schema instanceof z.ZodType ? schema : undefined;
}

/** Why the params of `method` are unusable, as one sentence; undefined when they pass (or the method is not ours to judge). */
export function paramsProblem(method: string, params: unknown): string | undefined {
  const schema = REQUEST_SCHEMAS[method];
  if (!schema) return undefined;
  const request = { method, params };
  const parsed = schema.safeParse(request);
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  if (!issue) return undefined;
  return `Invalid params for ${method}: ${describeIssue(issue, request)}`;
}

/**
 * The request a handler should see: tool arguments that are not an object held aside, the rest as it
 * came. Throws the -32602 a client should get when the params are unusable.
 */
export function screenRequest(request: JSONRPCRequest, held: HeldArguments): JSONRPCRequest {
  const message = holdToolArguments(request, held);
  const problem = paramsProblem(message.method, message.params);
  if (problem === undefined) return message;
  held.drop(message.id);
  throw new RpcError(ProtocolErrorCode.InvalidParams, problem);
}

/**
 * A tools/call whose `arguments` are present but not a JSON object, with `{}` in their place and the
 * value held for the tool; any other request as it came. Only when `name` is a string: without a tool
 * to refuse them, bad arguments stay a params problem.
 */
function holdToolArguments(message: JSONRPCRequest, held: HeldArguments): JSONRPCRequest {
  const { params } = message;
  if (message.method !== 'tools/call' || !params || typeof params.name !== 'string' || !('arguments' in params))
    return message;
  if (isObject(params.arguments)) return message;
  held.hold(message.id, params.arguments);
  return { ...message, params: { ...params, arguments: {} } };
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue, input: unknown): string {
  const path = issue.path.map(String).join('.');
  const value = valueAt(input, issue.path);
  if (issue.code === 'invalid_type') {
    if (value === undefined) return `${path} is required`;
    return `${path} must be ${kindName(issue.expected)}, not ${kindOf(value)}`;
  }
  if (issue.code === 'invalid_union') {
    // e.g. a progress token: string | number. Name the alternatives when each is a plain type check.
    const expected = issue.errors.map((branch) =>
      branch.length === 1 && branch[0]?.code === 'invalid_type' ? branch[0].expected : undefined,
    );
    if (expected.every((e) => e !== undefined) && value !== undefined) {
      return `${path} must be ${expected.map(kindName).join(' or ')}, not ${kindOf(value)}`;
    }
  }
  return `${path || 'params'} is not valid: ${issue.message}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at = input;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = Reflect.get(at, key);
  }
  return at;
}

function kindName(expected: string | undefined): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'an object';
    case 'array':
      return 'an array';
    case 'int':
      return 'an integer';
    case undefined:
      return 'something else';
    default:
      return `a ${expected}`;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
