/**
 * Builds the MCP server for one HTTP request, bound to one caller (as coderd does), for the protocol era
 * the request speaks. We use the SDK's low-level `Server` so that `tools/list` carries coderd's exact wire
 * shape and tool failures become `isError` results with Coder's text, while the SDK keeps doing JSON-RPC,
 * initialize, `server/discover`, the 2026-07-28 envelope and versions. Results carry their JSON as text
 * (coderd's) and, beyond coderd, as `structuredContent` matching the tool's `outputSchema`
 * (lib/tools/output.ts).
 */
import {
  type CallToolResult,
  type JSONRPCRequest,
  type jsonSchemaValidator,
  ProtocolErrorCode,
  type Result,
  Server,
  type ServerContext,
  type ServerOptions,
} from '@modelcontextprotocol/server';
import { AppError, DeadlineError } from '../errors';
import { ArgumentValidationError } from '../tools/arguments';
import { log } from '../log';
import { recordToolCall } from '../metrics';
import { ANNOTATIONS, type Tool, type ToolContext } from '../tools/types';
import { NO_PROGRESS, type Progress } from '../progress';
import { HeldArguments } from './held-arguments';
import { screenRequest } from './params';
import { progressReporter } from './progress';
import { promptsCapability, registerPrompts } from './prompts';
import { echoName, RpcError } from './rpc-error';
import { type PromptSpec, promptsFor } from '../tools/chats-prompts';

export const SERVER_NAME = 'Coder';
export const INSTRUCTIONS = 'Coder MCP Server providing workspace and template management tools';

/** The two protocol eras one endpoint serves: `modern` is 2026-07-28 (a `_meta` envelope on every request), `legacy` the 2025 revisions. */
export type Era = 'modern' | 'legacy';

export interface McpServerOptions {
  version: string;
  tools: readonly Tool[];
  /** Budget for one tool call, computed when the call starts. */
  callBudgetMs: () => number;
  /** Tool context for one call, given the call's abort signal, its deadline (epoch ms) and its progress reporter. */
  context: (signal: AbortSignal, deadlineAt: number, progress: Progress) => ToolContext;
  /** How often long calls say they are still running, to clients that asked for progress; undefined where no progress can reach them (a buffered answer). */
  progressIntervalMs: number | undefined;
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

/**
 * How long a 2026-07-28 client may reuse a list. The lists depend on the caller's request (toolset, tool
 * filters, whether Coder serves chats), so only the caller may keep them (`private`); a few minutes lets a
 * changed operator setting reach clients soon after a deploy. 2025 answers carry no cache fields.
 */
export const LIST_CACHE_HINT = { ttlMs: 300_000, cacheScope: 'private' } as const;

/**
 * The SDK's Server, with every request's params screened before its handler runs (params.ts): a wrapper
 * on the SDK's own per-handler hook, so what passes goes the SDK's usual way in both eras.
 */
class ScreenedServer extends Server {
  // Read when a request arrives, never while the SDK's constructor registers its own handlers.
  readonly heldArguments = new HeldArguments();

  protected override _wrapHandler(
    method: string,
    handler: (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>,
  ): (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result> {
    const inner = super._wrapHandler(method, handler);
    return async (request, ctx) => inner(screenRequest(request, this.heldArguments), ctx);
  }
}

export function createMcpServer(opts: McpServerOptions, era: Era): Server {
  // coderd's prompts walk through its chat tools: offered only where every tool a prompt names is (chats-prompts.ts).
  const prompts = promptsFor(opts.tools);
  const server = new ScreenedServer({ name: SERVER_NAME, version: opts.version }, serverOptions(era, prompts));
  registerPrompts(server, prompts);
  const byName = new Map(opts.tools.map((t) => [t.name, t]));

  // In the registry's order (sorted by name), and the schemas are converted once per container: the list is the same every time.
  server.setRequestHandler('tools/list', () => ({
    tools: opts.tools.map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema,
      ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
      annotations: ANNOTATIONS[t.annotations],
    })),
  }));

  server.setRequestHandler('tools/call', async (req, ctx): Promise<CallToolResult> => {
    const held = server.heldArguments.take(ctx.mcpReq.id);
    const tool = byName.get(req.params.name);
    // As coderd's go-sdk: an unknown tool is the request's fault (-32602), whatever its arguments.
    if (!tool) {
      const why = opts.withheld?.(req.params.name);
      throw new RpcError(
        ProtocolErrorCode.InvalidParams,
        why ? `tool ${echoName(req.params.name)} ${why}` : `unknown tool ${echoName(req.params.name)}`,
      );
    }
    const progress =
      opts.progressIntervalMs === undefined
        ? NO_PROGRESS
        : progressReporter(req.params._meta?.progressToken, ctx.mcpReq.notify, opts.progressIntervalMs);
    return runTool(tool, held.found ? held.value : req.params.arguments, opts, ctx.mcpReq.signal, progress);
  });
  return server;
}

/**
 * What the server announces. The 2025 answer is coderd's (go-sdk 1.7). A 2026-07-28 client learns of list
 * changes only on a `subscriptions/listen` stream, which this server does not hold open (endpoint.ts), and
 * logging/setLevel is gone from that revision: so no `listChanged` and no `logging` there.
 */
function serverOptions(era: Era, prompts: readonly PromptSpec[]): ServerOptions {
  const capabilities =
    era === 'legacy'
      ? { tools: { listChanged: true }, logging: {}, ...promptsCapability(prompts) }
      : { tools: {}, ...promptsCapability(prompts) };
  return {
    capabilities,
    instructions: INSTRUCTIONS,
    jsonSchemaValidator: NO_SCHEMA_VALIDATION,
    cacheHints: { 'tools/list': LIST_CACHE_HINT, 'prompts/list': LIST_CACHE_HINT, 'server/discover': LIST_CACHE_HINT },
  };
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
