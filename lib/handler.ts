/**
 * The Lambda entry point: an API Gateway (REST v1, HTTP API v2) or Function URL event becomes a Web
 * `Request`, the app answers it, and the `Response` goes back as the proxy result of the same shape
 * (`handler`), or as it is to an entry point that streams its body (`respond`, used by lib/stream.ts).
 * Nothing here outlives the invocation except module-scope caches (config, verified tokens).
 */
import type { Context } from 'aws-lambda';
import { handleRequest } from './app';
import { getConfig, type Config } from './config';
import { AppError, ConfigError } from './errors';
import { parseEvent, toRequest, UnsupportedEventError, type ParsedEvent } from './http/events';
import { coderError, json } from './http/respond';
import { toResult, type ProxyResult } from './http/results';
import { log, setRequestId } from './log';
import { flushMetrics, recordInvocation } from './metrics';
import { setTracing } from './tracing';

export type LambdaContext = Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>;
export type Handler = (event: unknown, context?: LambdaContext) => Promise<ProxyResult>;

/** The app's answer before it becomes a proxy result: entry points that stream write its body as it comes. */
export interface Answer {
  kind: ParsedEvent['kind'];
  response: Response;
}
export type Responder = (event: unknown, context?: LambdaContext) => Promise<Answer>;

/** Configuration from the environment, read once per container. */
export const respond: Responder = makeResponder(() => getConfig());

/** The buffered entry point: the whole answer as one proxy result. */
export const handler: Handler = makeHandler(() => getConfig());

/** A responder with its own configuration source, for the local server and tests. */
export function makeResponder(config: () => Config | Promise<Config>): Responder {
  return (event, context) => answer(event, context, config);
}

/** A buffered handler with its own configuration source. Metrics are flushed once the body is complete. */
export function makeHandler(config: () => Config | Promise<Config>): Handler {
  const respondWith = makeResponder(config);
  return async (event, context) => {
    const { kind, response } = await respondWith(event, context);
    const result = await toResult(kind, response);
    flushMetrics();
    return result;
  };
}

async function answer(
  event: unknown,
  context: LambdaContext | undefined,
  config: () => Config | Promise<Config>,
): Promise<Answer> {
  let parsed: ParsedEvent;
  try {
    parsed = parseEvent(event);
  } catch (err) {
    if (err instanceof UnsupportedEventError) {
      // A warm-up ping, a scheduled rule or a test invoke from the console: not a fault of this request's
      // caller or of ours, so a warning (an error per invocation would page someone for a keep-warm rule).
      log('warn', 'unsupported event', { requestId: context?.awsRequestId });
      return { kind: 'http', response: json(400, { message: err.message }) };
    }
    throw err;
  }
  const started = Date.now();
  recordInvocation();
  const { request, basePath, requestId } = toRequest(parsed);
  setRequestId(requestId ?? context?.awsRequestId);
  const remainingMs = context ? () => context.getRemainingTimeInMillis() : () => Infinity;
  let response: Response;
  try {
    const settings = await config();
    // Before any Coder call of this request: off, lib/tracing.ts never loads the tracer.
    setTracing(settings.tracing);
    response = await handleRequest(request, { basePath, remainingMs }, settings);
  } catch (err) {
    response = failed(err, requestId);
  }
  // For a streamed answer this is the time to its first byte.
  log('info', 'request', {
    method: request.method,
    path: new URL(request.url).pathname,
    status: response.status,
    ms: Date.now() - started,
  });
  return { kind: parsed.kind, response };
}

/**
 * Only configuration and programming faults land here. The detail (which may name the SSM parameter or
 * a setting) goes to the log for operators; callers, who may not be authenticated yet, get a generic answer.
 */
function failed(err: unknown, requestId: string | undefined): Response {
  const detail = err instanceof AppError ? err.message : err instanceof Error ? err.name : 'unknown error';
  log('error', 'request failed', { requestId, error: detail });
  if (err instanceof ConfigError)
    return coderError(500, 'Internal error.', 'the server is misconfigured; see its logs');
  return coderError(500, 'Internal error.', 'internal error; see the server logs');
}
