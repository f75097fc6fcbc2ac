/**
 * Builds the MCP server for one HTTP request, bound to one caller (as coderd does). We use the SDK's
 * low-level `Server` so that `tools/list` carries coderd's exact wire shape and tool failures become
 * `isError` results with Coder's text, while the SDK keeps doing JSON-RPC, initialize and versions.
 * Results carry their JSON as text (coderd's) and, beyond coderd, as `structuredContent` matching the
 * tool's `outputSchema` (lib/tools/output.ts).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  ErrorCode,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { AppError, DeadlineError } from '../errors';
import { ArgumentValidationError } from '../tools/arguments';
import { log } from '../log';
import { recordToolCall } from '../metrics';
import { ANNOTATIONS, type Tool, type ToolContext } from '../tools/types';
import type { Progress } from '../progress';
import type { HeldArguments } from './held-arguments';
import { progressReporter } from './progress';
import { promptsCapability, registerPrompts } from './prompts';
import { echoName, RpcError } from './rpc-error';
import { promptsFor } from '../tools/chats-prompts';

export const SERVER_NAME = 'Coder';
export const INSTRUCTIONS = 'Coder MCP Server providing workspace and template management tools';

export interface McpServerOptions {
  version: string;
  tools: readonly Tool[];
  /** Budget for one tool call, computed when the call starts. */
  callBudgetMs: () => number;
  /** Tool context for one call, given the call's abort signal, its deadline (epoch ms) and its progress reporter. */
  context: (signal: AbortSignal, deadlineAt: number, progress: Progress) => ToolContext;
  /** How often long calls say they are still running, to clients that asked for progress. */
  progressIntervalMs: number;
  /** Arguments params.ts set aside because they are not a JSON object; the tool refuses them. */
  heldArguments: HeldArguments;
  /** Why a tool this server has is not in `tools` for this request (read-only mode, a tool filter); undefined for a name it does not have. */
  withheld?: (name: string) => string | undefined;
}

/**
 * The SDK validates JSON Schema only to check the answers to an elicitation (`elicitInput`), which this
 * server never asks for. Left alone it would build an Ajv instance for every Server, and Ajv is about a
 * sixth of the bundle: the Lambda bundle replaces the SDK's Ajv module with a stub (scripts/bundle.ts),
 * and this validator says plainly why it cannot be used, should a future tool start eliciting.
 */
export const NO_SCHEMA_VALIDATION: jsonSchemaValidator = {
  getValidator: () => {
    throw new Error('this server does not validate elicitation answers: it never elicits (see lib/mcp/server.ts)');
  },
};

export function createMcpServer(opts: McpServerOptions): Server {
  // coderd's prompts walk through its chat tools: offered only where every tool a prompt names is (chats-prompts.ts).
  const prompts = promptsFor(opts.tools);
  const server = new Server(
    { name: SERVER_NAME, version: opts.version },
    {
      capabilities: { tools: { listChanged: true }, logging: {}, ...promptsCapability(prompts) },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: NO_SCHEMA_VALIDATION,
    },
  );
  registerPrompts(server, prompts);
  const byName = new Map(opts.tools.map((t) => [t.name, t]));

  // In the registry's order (sorted by name), and the schemas are converted once per container: the list is the same every time.
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: opts.tools.map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema,
      ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
      annotations: ANNOTATIONS[t.annotations],
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
    const held = opts.heldArguments.take(extra.requestId);
    const tool = byName.get(req.params.name);
    // As coderd's go-sdk: an unknown tool is the request's fault (-32602), whatever its arguments.
    if (!tool) {
      const why = opts.withheld?.(req.params.name);
      throw new RpcError(
        ErrorCode.InvalidParams,
        why ? `tool ${echoName(req.params.name)} ${why}` : `unknown tool ${echoName(req.params.name)}`,
      );
    }
    const progress = progressReporter(req.params._meta?.progressToken, extra.sendNotification, opts.progressIntervalMs);
    return runTool(tool, held.found ? held.value : req.params.arguments, opts, extra.signal, progress);
  });
  return server;
}

async function runTool(
  tool: Tool,
  args: unknown,
  opts: McpServerOptions,
  clientSignal: AbortSignal,
  progress: Progress,
): Promise<CallToolResult> {
  const started = Date.now();
  const done = (outcome: 'ok' | 'error', code?: string) => {
    const ms = Date.now() - started;
    recordToolCall(tool.name, outcome, ms);
    log(outcome === 'ok' ? 'info' : 'warn', 'tool call', { tool: tool.name, outcome, ms, errorCode: code });
  };
  const budget = opts.callBudgetMs();
  const deadlineAt = Date.now() + budget;
  const deadline = AbortSignal.timeout(Math.max(1, budget));
  const signal = AbortSignal.any([clientSignal, deadline]);
  try {
    if (budget <= 0) throw new DeadlineError('no time is left in this invocation to run the tool; retry the call');
    const result = await raceAbort(tool.call(args, opts.context(signal, deadlineAt, progress)), signal, () =>
      deadline.aborted
        ? new DeadlineError(`${tool.name} did not finish within its deadline of ${budget} ms`)
        : new DeadlineError(`${tool.name} was cancelled by the client`),
    );
    done('ok');
    // coderd's Go JSON encoder ends its output with a newline; keep it so results read the same.
    const text = `${JSON.stringify(result.value ?? null)}\n`;
    return {
      content: [{ type: 'text', text }],
      ...(result.structured ? { structuredContent: result.structured } : {}),
    };
  } catch (err) {
    done('error', err instanceof AppError ? err.code : 'internal');
    if (!(err instanceof AppError)) {
      // A programming fault, not a failure of Coder's or the caller's: its detail is for the operator only.
      log('error', 'tool failed with an internal error', { tool: tool.name, ...faultDetail(err) });
    }
    return { content: [{ type: 'text', text: errorText(tool, err) }], isError: true };
  }
}

export const INTERNAL_TOOL_FAILURE = 'internal error: the tool failed unexpectedly; the server logged the details';

/**
 * A failure as the model reads it. Arguments that miss the schema say so with the schema, as coderd
 * answers since #28702 (coderd/mcp/mcp.go): `{"error":"invalid arguments: ...","expectedSchema":{...}}`.
 * Only our own error families carry a message written for the caller; anything else gets a generic text,
 * as the HTTP layer answers an unexpected fault.
 */
function errorText(tool: Tool, err: unknown): string {
  if (err instanceof ArgumentValidationError)
    return JSON.stringify({ error: err.message, expectedSchema: tool.inputSchema });
  return err instanceof AppError ? err.message : INTERNAL_TOOL_FAILURE;
}

/** What the log keeps of a fault: its class, message and stack (the logger still redacts anything token-shaped). */
function faultDetail(err: unknown): { errorName: string; error?: string; stack?: string } {
  if (err instanceof Error) return { errorName: err.name, error: err.message, stack: err.stack };
  return { errorName: typeof err };
}

/** Settles with the work, or with the deadline's error as soon as the signal fires, whichever is first. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
