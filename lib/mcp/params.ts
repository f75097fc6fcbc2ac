/**
 * Params of the requests this server answers, checked before the SDK's handlers see them. Left to the
 * SDK, a request whose params fail its schema becomes `-32603 Internal error` with the validation issues
 * as JSON for a message (Protocol.setRequestHandler parses inside the handler, and a ZodError carries no
 * JSON-RPC code). Here the same SDK schemas decide, earlier, and the client gets `-32602 Invalid params`
 * with one sentence naming the field. Hooked on the transport's `onmessage`, so single messages and
 * batches, JSON and SSE answers all go the SDK's usual way; nothing else of MCP is re-done here.
 *
 * Which problems are JSON-RPC errors follows coderd's go-sdk: the params of the request itself (no
 * `name`, a `name` that is not a string, a bad `_meta`) are -32602, and so is an unknown tool (server.ts);
 * `arguments` that are not an object are the tool's to refuse (an `isError` result with its schema), so
 * they are held aside (held-arguments.ts) and the SDK sees `{}` in their place.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  InitializeRequestSchema,
  isJSONRPCRequest,
  type JSONRPCRequest,
  ListToolsRequestSchema,
  PingRequestSchema,
  SetLevelRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { HeldArguments } from './held-arguments';

/** The methods with a handler on our server (see createMcpServer; ping, initialize and logging/setLevel are the SDK's own). */
const REQUEST_SCHEMAS: Record<string, z.ZodType> = {
  initialize: InitializeRequestSchema,
  ping: PingRequestSchema,
  'logging/setLevel': SetLevelRequestSchema,
  'tools/list': ListToolsRequestSchema,
  'tools/call': CallToolRequestSchema,
};

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

/** Answers requests with bad params itself (-32602, the request's id) and passes everything else on to the server. */
export function screenParams(transport: Transport, held: HeldArguments): void {
  const deliver = transport.onmessage;
  if (!deliver) throw new Error('screenParams: connect the server to the transport first');
  transport.onmessage = (raw, extra) => {
    if (!isJSONRPCRequest(raw)) return deliver(raw, extra);
    const message = holdToolArguments(raw, held);
    const problem = paramsProblem(message.method, message.params);
    if (problem === undefined) return deliver(message, extra);
    held.drop(message.id);
    transport
      .send({ jsonrpc: '2.0', id: message.id, error: { code: ErrorCode.InvalidParams, message: problem } })
      .catch((err: unknown) => transport.onerror?.(err instanceof Error ? err : new Error(String(err))));
  };
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
