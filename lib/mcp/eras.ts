/**
 * One `POST /mcp`, served in the protocol era it speaks. A request with the 2026-07-28 `_meta` envelope
 * goes to the SDK's own handler for that revision (`createMcpHandler`), which checks the
 * MCP-Protocol-Version, Mcp-Method and Mcp-Name headers against the body, answers `server/discover`, and
 * uses the spec's error codes. Anything else is a 2025 request, served as before on the SDK's stateless
 * transport: JSON answers, SSE only for a tool call that asks for progress. The SDK's own predicate
 * (`isLegacyRequest`) makes the choice, so the routing can never disagree with its handler.
 *
 * Both legs build a fresh server per request (sharing one across requests leaks responses between
 * clients, CVE-2026-25536). The 2026 handler itself is made once per container: it keeps no request
 * state, and finds each request's server through the Request object it is handed back.
 */
import {
  createMcpHandler,
  isLegacyRequest,
  type McpHttpHandler,
  type McpRequestContext,
  type PerRequestResponseMode,
  ProtocolErrorCode,
  type Server,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import * as z from 'zod';
import { json } from '../http/respond';
import { log } from '../log';
import { asksForProgress } from './progress';
import type { Era } from './server';

export interface EraRequest {
  request: Request;
  /** The body, parsed and screened (envelope.ts); undefined when it is not JSON, for the SDK to refuse (415). */
  parsedBody: unknown;
  /** A fresh server for this request, for the era it speaks. */
  server: (era: Era) => Server;
  /** Whether this deployment's answers can stream (SSE reaches the client while a call runs). */
  streams: boolean;
  /** The body limit, for the 2025 transport (the 2026 handler is always handed the parsed body). */
  maxBodyBytes: number;
}

export async function serveInEra(req: EraRequest): Promise<Response> {
  const modern = req.parsedBody !== undefined && !(await isLegacyRequest(req.request, req.parsedBody));
  return modern ? serveModern(req) : serveLegacy(req);
}

const reportRefusal = (err: Error) =>
  log('warn', 'MCP request refused by the SDK', { reason: err.message.slice(0, 300) });

/** 2025 revisions: JSON answers by default (as coderd); SSE only where progress can reach the client while the call runs. */
async function serveLegacy(req: EraRequest): Promise<Response> {
  const streamed = req.streams && req.parsedBody !== undefined && asksForProgress(req.parsedBody);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: !streamed,
    maxRequestBodySize: req.maxBodyBytes,
  });
  const server = req.server('legacy');
  // What the SDK refuses itself (a content type, an Accept, a malformed message) it answers and reports here: the log says why.
  server.onerror = reportRefusal;
  let response: Response;
  try {
    await server.connect(transport);
    response = await transport.handleRequest(
      req.request,
      req.parsedBody === undefined ? undefined : { parsedBody: req.parsedBody },
    );
  } catch (err) {
    await server.close();
    throw err;
  }
  if (!response.headers.get('content-type')?.startsWith('text/event-stream') || !response.body) {
    await server.close();
    return response;
  }
  return closedAtEnd(response, response.body, () => server.close());
}

/** The server each in-flight 2026 request is served by, found again by the handler's factory. */
const serversByRequest = new WeakMap<Request, (era: Era) => Server>();
const modernHandlers = new Map<PerRequestResponseMode, McpHttpHandler>();

function modernFactory(ctx: McpRequestContext): Server {
  const build = ctx.requestInfo && serversByRequest.get(ctx.requestInfo);
  if (!build) throw new Error('no server was registered for this request (lib/mcp/eras.ts)');
  return build(ctx.era);
}

/**
 * 2026-07-28, shaped as the 2025 answers are: a tool call that asks for progress, where the deployment
 * streams, is an SSE stream from the start (`sse`: status and headers leave at once, as for 2025 clients,
 * rather than with the first progress beat); anything else is JSON (`auto`, which would upgrade to SSE only
 * if the server sent something before its result, and it sends nothing unasked). Where the deployment
 * cannot stream, the server sends no progress at all (server.ts); the SDK's `json` mode would add a
 * console warning at every cold start.
 */
async function serveModern(req: EraRequest): Promise<Response> {
  const listen = refuseListen(req.parsedBody);
  if (listen) return listen;
  const mode: PerRequestResponseMode = req.streams && asksForProgress(req.parsedBody) ? 'sse' : 'auto';
  let handler = modernHandlers.get(mode);
  if (!handler) {
    handler = createMcpHandler(modernFactory, { legacy: 'reject', responseMode: mode, onerror: reportRefusal });
    modernHandlers.set(mode, handler);
  }
  serversByRequest.set(req.request, req.server);
  try {
    return await handler.fetch(req.request, { parsedBody: req.parsedBody });
  } finally {
    serversByRequest.delete(req.request);
  }
}

const listenRequest = z.object({ method: z.literal('subscriptions/listen'), id: z.union([z.string(), z.number()]) });

/**
 * `subscriptions/listen` holds a stream open until the client leaves: on Lambda that is an invocation
 * billed, and unable to serve anything else, until it times out. And there is nothing to tell: the tool
 * and prompt lists of this server do not change while it runs (the capabilities say so, server.ts).
 */
function refuseListen(body: unknown): Response | undefined {
  const listen = listenRequest.safeParse(body);
  if (!listen.success) return undefined;
  return json(404, {
    jsonrpc: '2.0',
    id: listen.data.id,
    error: {
      code: ProtocolErrorCode.MethodNotFound,
      message:
        'Method not found: subscriptions/listen is not served; the tool and prompt lists of this server do not change while it runs',
    },
  });
}

/** An SSE answer is still being written when we return it: the server (and its transport) close once the body ends or is cancelled. */
function closedAtEnd(response: Response, body: ReadableStream<Uint8Array>, close: () => Promise<void>): Response {
  const reader = body.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await reader.read();
      if (!chunk.done) return controller.enqueue(chunk.value);
      controller.close();
      await close();
    },
    async cancel(reason) {
      await reader.cancel(reason);
      await close();
    },
  });
  return new Response(stream, { status: response.status, headers: response.headers });
}
