/**
 * The Lambda bundle's entry points. `streamHandler` is what the CDK stack deploys behind API Gateway's
 * REST API in response-streaming mode (`responseTransferMode: STREAM`): up to 15 minutes and 200 MB
 * instead of 29 s and 6 MB buffered. It writes the app's answer through Lambda's `HttpResponseStream`
 * (a JSON prelude with status and headers, sent at once even for an empty body, then the body as it is
 * produced, so the events of an SSE answer reach the client while the tool runs). `handler` returns
 * plain proxy results, for HTTP APIs, Function URLs in BUFFERED mode and buffered REST APIs. The
 * `awslambda` global exists only in the Lambda Node.js runtime; elsewhere both are the buffered handler.
 */
// First: zod's settings apply to the schemas built after them (zod-config.ts).
import './zod-config';
import type { Writable } from 'node:stream';
import { handler as buffered, respond as defaultRespond, type LambdaContext, type Responder } from './handler';
import { headOf, pipeBody } from './http/body';
import { flushMetrics } from './metrics';

interface ResponseMetadata extends Record<string, unknown> {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
}

export interface AwsLambdaGlobal {
  streamifyResponse(fn: (event: unknown, stream: Writable, context: LambdaContext) => Promise<void>): unknown;
  HttpResponseStream: { from(stream: Writable, metadata: ResponseMetadata): Writable };
}

/** Status, headers and cookies for the stream's prelude. */
export function preludeOf(response: Response): ResponseMetadata {
  const { status, headers, cookies } = headOf(response);
  return { statusCode: status, headers, ...(cookies.length > 0 ? { cookies } : {}) };
}

export function streamingHandler(runtime: AwsLambdaGlobal, respondWith: Responder = defaultRespond): unknown {
  return runtime.streamifyResponse(async (event, responseStream, context) => {
    const { response } = await respondWith(event, context);
    const out = runtime.HttpResponseStream.from(responseStream, preludeOf(response));
    // The runtime sends the prelude (status, headers, cookies) just before the first `write`, and never
    // from `end` (aws-lambda-nodejs-runtime-interface-client issue 97): a body-less answer, a preflight's 204
    // or a notification's 202, would reach the client as a bare 200. An empty write sends the prelude now,
    // whatever the body, and lets the client see the status before a slow first event.
    try {
      out.write(new Uint8Array(0));
      await pipeBody(response, out);
    } finally {
      flushMetrics();
    }
  });
}

// `awslambda` is declared by @types/aws-lambda but defined only inside the Lambda runtime.
function lambdaRuntime(): AwsLambdaGlobal | undefined {
  // Other libraries may define a partial `awslambda` global; only the runtime's has streamifyResponse.
  if (typeof awslambda === 'undefined' || typeof awslambda.streamifyResponse !== 'function') return undefined;
  return awslambda;
}

const runtime = lambdaRuntime();
export const streamHandler = runtime ? streamingHandler(runtime) : buffered;
export const handler = buffered;
