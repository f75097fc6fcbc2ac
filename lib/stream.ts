/**
 * The Lambda bundle's entry points. `streamHandler` is what the CDK stack deploys behind API Gateway's
 * REST API in response-streaming mode (`responseTransferMode: STREAM`): up to 15 minutes and 200 MB
 * instead of 29 s and 6 MB buffered. It wraps the same handler and writes its proxy result through
 * Lambda's `HttpResponseStream` (a JSON prelude with status and headers, then the body). `handler`
 * returns plain proxy results, for HTTP APIs, Function URLs in BUFFERED mode and buffered REST APIs.
 * The `awslambda` global exists only in the Lambda Node.js runtime; elsewhere both are the buffered handler.
 */
import type { Writable } from 'node:stream';
import { handler as buffered, type LambdaContext } from './handler';
import type { ProxyResult } from './http/results';

interface ResponseMetadata extends Record<string, unknown> {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
}

export interface AwsLambdaGlobal {
  streamifyResponse(fn: (event: unknown, stream: Writable, context: LambdaContext) => Promise<void>): unknown;
  HttpResponseStream: { from(stream: Writable, metadata: ResponseMetadata): Writable };
}

/** Status, headers and cookies for the stream's prelude; multi-value headers are folded as HTTP allows. */
export function preludeOf(result: ProxyResult): ResponseMetadata {
  const headers: Record<string, string> = { ...result.headers };
  let cookies = 'cookies' in result ? result.cookies : undefined;
  if ('multiValueHeaders' in result) {
    for (const [k, values] of Object.entries(result.multiValueHeaders)) {
      if (k.toLowerCase() === 'set-cookie') cookies = values;
      else headers[k] = values.join(', ');
    }
  }
  delete headers['set-cookie'];
  return { statusCode: result.statusCode, headers, ...(cookies && cookies.length > 0 ? { cookies } : {}) };
}

export function streamingHandler(runtime: AwsLambdaGlobal): unknown {
  return runtime.streamifyResponse(async (event, responseStream, context) => {
    const result = await buffered(event, context);
    const out = runtime.HttpResponseStream.from(responseStream, preludeOf(result));
    out.write(Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
    await new Promise<void>((resolve, reject) => {
      out.on('error', reject);
      out.end(resolve);
    });
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
