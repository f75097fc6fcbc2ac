/**
 * The Lambda entry point: an API Gateway (REST v1, HTTP API v2) or Function URL event becomes a Web
 * `Request`, the app answers it, and the `Response` goes back as the proxy result of the same shape.
 * Nothing here outlives the invocation except module-scope caches (config, verified tokens).
 */
import type { Context } from 'aws-lambda';
import { handleRequest } from './app';
import { getConfig, type Config } from './config';
import { AppError, ConfigError } from './errors';
import { parseEvent, toRequest, UnsupportedEventError, type ParsedEvent } from './http/events';
import { coderError } from './http/respond';
import { toResult, type ProxyResult } from './http/results';
import { log, setRequestId } from './log';
import { flushMetrics, recordInvocation } from './metrics';

export type LambdaContext = Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>;
export type Handler = (event: unknown, context?: LambdaContext) => Promise<ProxyResult>;

/** The deployed entry point: configuration from the environment, read once per container. */
export const handler: Handler = makeHandler(() => getConfig());

/** A handler with its own configuration source, for the local server and tests. */
export function makeHandler(config: () => Config | Promise<Config>): Handler {
  return (event, context) => handle(event, context, config);
}

async function handle(event: unknown, context: LambdaContext | undefined, config: () => Config | Promise<Config>): Promise<ProxyResult> {
  let parsed: ParsedEvent;
  try {
    parsed = parseEvent(event);
  } catch (err) {
    if (err instanceof UnsupportedEventError) {
      log('error', 'unsupported event', { requestId: context?.awsRequestId });
      return { statusCode: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: err.message }), isBase64Encoded: false };
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
    response = await handleRequest(request, { basePath, remainingMs }, await config());
  } catch (err) {
    response = failed(err, requestId);
  }
  log('info', 'request', {
    method: request.method,
    path: new URL(request.url).pathname,
    status: response.status,
    ms: Date.now() - started,
  });
  flushMetrics();
  return toResult(parsed.kind, response);
}

/**
 * Only configuration and programming faults land here. The detail (which may name the SSM parameter or
 * a setting) goes to the log for operators; callers, who may not be authenticated yet, get a generic answer.
 */
function failed(err: unknown, requestId: string | undefined): Response {
  const detail = err instanceof AppError ? err.message : err instanceof Error ? err.name : 'unknown error';
  log('error', 'request failed', { requestId, error: detail });
  if (err instanceof ConfigError) return coderError(500, 'Internal error.', 'the server is misconfigured; see its logs');
  return coderError(500, 'Internal error.', 'internal error; see the server logs');
}
