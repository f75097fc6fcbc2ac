/** The response-streaming entry point writes the handler's proxy result through Lambda's HttpResponseStream prelude. */
import { PassThrough, type Writable } from 'node:stream';
import { preludeOf, streamingHandler, type AwsLambdaGlobal } from '../../lib/stream';

function fakeRuntime() {
  const seen: { metadata?: Record<string, unknown>; body: Buffer[] } = { body: [] };
  const runtime: AwsLambdaGlobal = {
    streamifyResponse: (fn) => async (event: unknown) => {
      const sink = new PassThrough();
      sink.on('data', (c: Buffer) => seen.body.push(c));
      await fn(event, sink, { awsRequestId: 'r', getRemainingTimeInMillis: () => 30_000 });
    },
    HttpResponseStream: {
      from: (stream: Writable, metadata) => {
        seen.metadata = metadata;
        return stream;
      },
    },
  };
  return { runtime, seen };
}

it('streams status, headers and body of the buffered handler', async () => {
  process.env.CODER_URL = 'https://coder.example.com';
  const { runtime, seen } = fakeRuntime();
  const invoke = streamingHandler(runtime) as (event: unknown) => Promise<void>;
  await invoke({
    resource: '/{proxy+}',
    path: '/healthz',
    httpMethod: 'GET',
    headers: { Host: 'abc.execute-api.us-east-1.amazonaws.com' },
    multiValueHeaders: { Host: ['abc.execute-api.us-east-1.amazonaws.com'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { stage: 'prod', path: '/prod/healthz', requestId: 'r' },
  });
  expect(seen.metadata).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
  expect(JSON.parse(Buffer.concat(seen.body).toString())).toMatchObject({ status: 'ok' });
});

it('carries status, headers and cookies in the prelude, without a length', () => {
  const headers = new Headers({ a: '1', vary: 'x, y', 'content-length': '0' });
  headers.append('set-cookie', 'c=1');
  headers.append('set-cookie', 'd=2');
  expect(preludeOf(new Response('', { status: 201, headers }))).toEqual({ statusCode: 201, headers: { a: '1', vary: 'x, y', 'content-type': 'text/plain;charset=UTF-8' }, cookies: ['c=1', 'd=2'] });
});

it('writes each chunk of a streamed body as it comes, and only then ends the stream', async () => {
  const { runtime, seen } = fakeRuntime();
  let push: ((text: string) => void) | undefined;
  let close: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (text) => controller.enqueue(new TextEncoder().encode(text));
      close = () => controller.close();
    },
  });
  const respond = () => Promise.resolve({ kind: 'http' as const, response: new Response(body, { headers: { 'content-type': 'text/event-stream' } }) });
  const invoke = streamingHandler(runtime, respond) as (event: unknown) => Promise<void>;
  const done = invoke({});
  await new Promise((r) => setImmediate(r));
  push?.('event: message\ndata: {"progress":1}\n\n');
  await new Promise((r) => setImmediate(r));
  // The first event is out before the body has ended.
  expect(Buffer.concat(seen.body).toString()).toBe('event: message\ndata: {"progress":1}\n\n');
  push?.('event: message\ndata: {"result":{}}\n\n');
  close?.();
  await done;
  expect(Buffer.concat(seen.body).toString()).toMatch(/progress.*result/s);
  expect(seen.metadata).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/event-stream' } });
});
