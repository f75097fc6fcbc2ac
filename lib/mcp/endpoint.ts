/**
 * `POST /mcp`: origin, method, toolset and credential checks, then the request is served in the protocol
 * era it speaks (eras.ts), by one MCP server built for this request only (sharing one across requests
 * leaks responses between clients, CVE-2026-25536). The body is read and checked first (envelope.ts) so a
 * client's mistake gets the JSON-RPC error that names it. A token Coder rejects turns the whole answer into
 * a 401 so OAuth clients re-authenticate.
 */
import { bearerChallenge, type ChallengeReason, type PublicUrls } from '../auth/metadata';
import { fingerprint, type Credentials } from '../auth/token';
import { forgetVerified, isRecentlyVerified, markVerified } from '../auth/verified';
import { CoderClient } from '../coder/client';
import { CoderApiError, tokenRefusal, type TokenRefusal } from '../coder/errors';
import { userSchema } from '../coder/schemas';
import type { Config } from '../config';
import { corsHeaders, isOriginAllowed, preflightHeaders } from '../http/origin';
import { mediaType } from '../http/media-type';
import { coderError, rpcError } from '../http/respond';
import { AgentAccess } from '../tools/agent-access';
import { chatsAvailable } from '../tools/chats-availability';
import { CATALOG, isChatTool, isToolset, toolsFor } from '../tools/registry';
import { recordLeasesInUse, recordTunnelEvent } from '../metrics';
import { sharedPool } from '../tunnel/shared';
import { callerCredentials } from '../oauth/access';
import type { Tool } from '../tools/types';
import { ConfigError } from '../errors';
import {
  offeredTools,
  operatorSurface,
  requestedSurface,
  tighten,
  ToolFilterError,
  type SurfaceRule,
} from './tool-surface';
import { callBudgetMs } from './deadline';
import { screenBody } from './envelope';
import { serveInEra } from './eras';
import { createMcpServer, type McpServerOptions } from './server';

export interface EndpointContext {
  config: Config;
  urls: PublicUrls;
  version: string;
  /** Remaining invocation time in ms (Infinity outside Lambda). */
  remainingMs: () => number;
}

export async function handleMcp(request: Request, ctx: EndpointContext): Promise<Response> {
  const origin = request.headers.get('origin');
  if (!isOriginAllowed(origin, ctx.config.allowedOrigins)) {
    return rpcError(
      403,
      -32000,
      `Forbidden: origin ${JSON.stringify(origin)} is not allowed; add it to MCP_ALLOWED_ORIGINS`,
    );
  }
  const cors = corsHeaders(origin);
  if (request.method === 'OPTIONS' && origin !== null)
    return new Response(null, { status: 204, headers: preflightHeaders(origin) });
  if (request.method !== 'POST') {
    return rpcError(405, -32000, 'Method not allowed: this server is stateless and accepts only POST', {
      allow: 'POST',
      ...cors,
    });
  }
  const url = new URL(request.url);
  const toolset = url.searchParams.get('toolset') || 'standard';
  if (!isToolset(toolset)) return coderError(400, `Invalid toolset: ${toolset}`, undefined, cors);
  let surface: SurfaceRule;
  try {
    surface = tighten(operatorRule(ctx.config), requestedSurface(url, request.headers, CATALOG));
  } catch (err) {
    if (err instanceof ToolFilterError) return coderError(400, `Invalid tool filter: ${err.message}`, undefined, cors);
    throw err;
  }

  const caller = await callerCredentials(request.headers, ctx.config, ctx.urls);
  if (!caller.ok) return unauthorized(ctx, cors, CALLER_REFUSED[caller.why], caller.why);
  const { credentials } = caller;
  if (!credentials) return unauthorized(ctx, cors, noCredentialsMessage(ctx.config));
  // Whether Coder serves the chats API is asked once per container (cached per CODER_URL), alongside the token
  // check; not for the chatgpt toolset, which has no chat tool.
  const [rejected, chats] = await Promise.all([
    checkToken(credentials, ctx),
    toolset === 'standard' ? chatsAvailable(ctx.config.coderUrl, credentials.token) : Promise.resolve(true),
  ]);
  if (rejected) return rejected(cors);

  let refusal: TokenRefusal | undefined;
  const offered = { tools: offeredTools(toolsFor(toolset, { chats }), surface), surface, chats };
  const response = await serveMcp(request, ctx, offered, credentials, (why) => {
    refusal ??= why;
    forgetVerified(fingerprint(ctx.config.coderUrl, credentials.token));
  });
  // A JSON answer is complete here and can still become the 401 that sends OAuth clients to sign in again;
  // a streamed one has begun, so the tool's own result carries Coder's refusal.
  if (refusal) return tokenRejected(credentials, ctx, refusal)(cors);
  for (const [k, v] of Object.entries(cors)) response.headers.set(k, v);
  return response;
}

async function serveMcp(
  request: Request,
  ctx: EndpointContext,
  offered: { tools: readonly Tool[]; surface: SurfaceRule; chats: boolean },
  credentials: Credentials,
  onUnauthorized: (refusal: TokenRefusal) => void,
): Promise<Response> {
  const { config } = ctx;
  const accepting = withDefaultAccept(request);
  // A JSON body is read, decoded and checked here (see envelope.ts); any other content type is the SDK's to refuse (415).
  let parsedBody: unknown;
  if (isJsonContentType(accepting.headers.get('content-type'))) {
    const screened = await screenBody(accepting, config.maxBodyBytes);
    if (!screened.ok) return screened.response;
    parsedBody = screened.body;
  }
  const options: McpServerOptions = {
    version: ctx.version,
    tools: offered.tools,
    withheld: (name) => withheldReason(name, offered.surface, offered.chats),
    callBudgetMs: () =>
      callBudgetMs({
        toolTimeoutMs: config.toolTimeoutMs,
        remainingMs: ctx.remainingMs(),
        marginMs: config.deadlineMarginMs,
        integrationTimeoutMs: config.integrationTimeoutMs,
      }),
    // Progress reaches a client only on a stream; a buffered answer would carry it after the fact.
    progressIntervalMs: config.streamResponses ? config.progressIntervalMs : undefined,
    context: (signal, deadlineAt, progress) => {
      const coder = new CoderClient({
        baseUrl: config.coderUrl,
        token: credentials.token,
        requestTimeoutMs: config.coderRequestTimeoutMs,
        signal,
        onUnauthorized,
      });
      // Built on the first call, from this configuration; a refreshed one reaches the same pool here.
      const pool = sharedPool(config.tunnel, { onEvent: recordTunnelEvent, onLeasesInUse: recordLeasesInUse });
      const agents = new AgentAccess({
        coder,
        coderUrl: config.coderUrl,
        token: credentials.token,
        pool,
        outputCapBytes: config.outputCapBytes,
        progress,
      });
      return { signal, coder, agents, budgetMs: () => deadlineAt - Date.now(), progress, autoStart: true };
    },
  };
  return serveInEra({
    request: accepting,
    parsedBody,
    server: (era) => createMcpServer(options, era),
    streams: config.streamResponses,
    maxBodyBytes: config.maxBodyBytes,
  });
}

/**
 * coderd tolerates a missing Accept header (curl, simple scripts, fetch's default `*\/*`); the SDK
 * transport wants both types listed. An Accept that names other types only is left for the SDK to refuse.
 */
function withDefaultAccept(request: Request): Request {
  const accept = request.headers.get('accept');
  if (accept !== null && accept.trim() !== '' && !accept.includes('*/*')) return request;
  const headers = new Headers(request.headers);
  headers.set('accept', 'application/json, text/event-stream');
  return new Request(request, { headers });
}

/** Why a tool this server has is missing from a request's list, in words the caller can act on. */
function withheldReason(name: string, surface: SurfaceRule, chats: boolean): string | undefined {
  if (!CATALOG.names.includes(name)) return undefined;
  if (surface.tools && !surface.tools.has(name))
    return "is not among the tools this request may use (a tool filter: ?tools=, Coder-MCP-Tools or the operator's MCP_ALLOWED_TOOLS)";
  if (!chats && isChatTool(name))
    return 'needs the chats API (Coder Agents), which this Coder deployment does not serve';
  if (surface.readOnly)
    return "changes things, and this request is read-only (?readonly=true, Coder-MCP-Read-Only or the operator's MCP_READ_ONLY)";
  return 'is not in this toolset';
}

/** The operator's rule; a name it does not know is a setting to fix, reported as configuration. */
function operatorRule(config: Config): SurfaceRule {
  try {
    return operatorSurface(config.readOnly, config.allowedTools, CATALOG);
  } catch (err) {
    if (err instanceof ToolFilterError) throw new ConfigError(`MCP_ALLOWED_TOOLS: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The media type alone, as the SDK compares it (parameters such as charset do not matter). */
function isJsonContentType(header: string | null): boolean {
  return mediaType(header) === 'application/json';
}

type Rejection = (cors: Record<string, string>) => Response;

/**
 * Asks Coder whether the token is valid unless it did so moments ago. Only a definite "no" rejects: a 401,
 * or the 403 of an OAuth2 token issued for another audience (which no call with it can ever pass); an
 * outage, or any other answer, is left to the tools to report.
 */
async function checkToken(credentials: Credentials, ctx: EndpointContext): Promise<Rejection | undefined> {
  const key = fingerprint(ctx.config.coderUrl, credentials.token);
  const now = Date.now();
  if (isRecentlyVerified(key, now)) return undefined;
  const coder = new CoderClient({
    baseUrl: ctx.config.coderUrl,
    token: credentials.token,
    requestTimeoutMs: Math.min(ctx.config.coderRequestTimeoutMs, 10_000),
  });
  try {
    await coder.get('/api/v2/users/me', userSchema);
    markVerified(key, now, ctx.config.authCacheMs);
    return undefined;
  } catch (err) {
    const refusal = err instanceof CoderApiError ? tokenRefusal(err.status, err.coderMessage) : undefined;
    return refusal ? tokenRejected(credentials, ctx, refusal) : undefined;
  }
}

function tokenRejected(credentials: Credentials, ctx: EndpointContext, refusal: TokenRefusal): Rejection {
  if (credentials.source === 'service') {
    // Not the caller's fault, and not something an OAuth flow can fix: say what the operator must do.
    return (cors) =>
      rpcError(
        502,
        -32000,
        'Coder rejected the service token configured in CODER_SESSION_TOKEN; replace it with a valid token',
        cors,
      );
  }
  const message =
    refusal === 'audience'
      ? `Unauthorized: Coder refused the token because it was issued for another resource (audience); sign in again and obtain a token for ${ctx.config.coderUrl}`
      : 'Unauthorized: Coder rejected the token (invalid, expired or revoked); sign in again';
  return (cors) => unauthorized(ctx, cors, message, refusal);
}

const CALLER_REFUSED = {
  invalid: 'Unauthorized: the access token is not valid here; sign in again',
  expired: 'Unauthorized: the access token has expired; refresh it or sign in again',
  audience: 'Unauthorized: the access token was issued for another server; sign in again',
  coder_tokens_off:
    'Unauthorized: this server accepts only the tokens it issues; sign in with OAuth instead of sending a Coder token',
} as const;

function noCredentialsMessage(config: Config): string {
  const header = 'send your Coder token as "Authorization: Bearer <token>" or "Coder-Session-Token"';
  if (!config.oauth) return `Unauthorized: ${header}`;
  return config.acceptCoderTokens
    ? `Unauthorized: sign in with OAuth, or ${header}`
    : 'Unauthorized: sign in with OAuth';
}

function unauthorized(
  ctx: EndpointContext,
  cors: Record<string, string>,
  message: string,
  refusal?: ChallengeReason,
): Response {
  const challenge = refusal ? bearerChallenge(ctx.urls, 'invalid_token', refusal) : bearerChallenge(ctx.urls);
  return rpcError(401, -32001, message, { 'www-authenticate': challenge, ...cors });
}
