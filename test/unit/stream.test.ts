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

it('folds multi-value headers and carries cookies in the prelude', () => {
  expect(
    preludeOf({ statusCode: 201, headers: { a: '1' }, multiValueHeaders: { a: ['1'], vary: ['x', 'y'], 'set-cookie': ['c=1', 'd=2'] }, body: '', isBase64Encoded: false }),
  ).toEqual({ statusCode: 201, headers: { a: '1', vary: 'x, y' }, cookies: ['c=1', 'd=2'] });
});
