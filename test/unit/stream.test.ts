/**
 * The response-streaming entry point writes the app's answer through Lambda's HttpResponseStream prelude.
 * The fake runtime here behaves as the real one on the point that matters (aws-lambda-ric's
 * `HttpResponseStream.from` arms a hook that only the first `write` call fires, never `end`), so an
 * answer whose prelude would be lost fails here too; test/integration/lambda-runtime.test.ts runs the
 * built bundle under the real runtime client.
 */
import { Writable } from 'node:stream';
import { preludeOf, streamingHandler, type AwsLambdaGlobal } from '../../lib/stream';
import { captureOutput } from '../helpers/capture-output';
import { logLevel, setLogLevel } from '../../lib/log';

type WriteCallback = (error: Error | null | undefined) => void;

/** The runtime's response stream: `beforeFirstWrite` runs on the first `write` call; `end` alone never runs it, as Node's ClientRequest does. */
class RuntimeStream extends Writable {
  beforeFirstWrite: (() => void) | undefined;
  readonly body: Buffer[] = [];

  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean {
    const hook = this.beforeFirstWrite;
    this.beforeFirstWrite = undefined;
    hook?.();
    if (typeof encoding === 'function') return super.write(chunk, encoding);
    return encoding === undefined ? super.write(chunk, callback) : super.write(chunk, encoding, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.body.push(chunk);
    callback();
  }
}

/** The runtime, what the client got from it, and `invoke` for the handler that `streamifyResponse` wrapped last. */
function fakeRuntime() {
  const seen: { metadata?: Record<string, unknown>; body: Buffer[] } = { body: [] };
  let sink: RuntimeStream | undefined;
  let wrapped: ((event: unknown) => Promise<void>) | undefined;
  const runtime: AwsLambdaGlobal = {
    streamifyResponse: (fn) => {
      wrapped = async (event) => {
        sink = new RuntimeStream();
        seen.body = sink.body;
        await fn(event, sink, { awsRequestId: 'r', getRemainingTimeInMillis: () => 30_000 });
      };
      return wrapped;
    },
    HttpResponseStream: {
      from: (stream: Writable, metadata) => {
        if (stream !== sink || !sink) throw new Error("HttpResponseStream.from: not the runtime's stream");
        // What the client gets: the prelude goes out only if something is written.
        sink.beforeFirstWrite = () => {
          seen.metadata = metadata;
        };
        return stream;
      },
    },
  };
  const invoke = (event: unknown): Promise<void> => {
    if (!wrapped) throw new Error('no handler was wrapped with streamifyResponse');
    return wrapped(event);
  };
  return { runtime, seen, invoke };
}

const bodyless = (status: number, headers: Record<string, string>) => () =>
  Promise.resolve({ kind: 'rest' as const, response: new Response(null, { status, headers }) });

it('streams status, headers and body of the buffered handler', async () => {
  process.env.CODER_URL = 'https://coder.example.com';
  const { runtime, seen, invoke } = fakeRuntime();
  streamingHandler(runtime);
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

it.each([
  ['a preflight', 204, { 'access-control-allow-origin': 'https://app.example.com' }],
  ['an accepted notification', 202, { 'access-control-allow-origin': 'https://app.example.com' }],
])('sends the prelude of %s, whose body is empty', async (_what, status, headers) => {
  const { runtime, seen, invoke } = fakeRuntime();
  streamingHandler(runtime, bodyless(status, headers));
  await invoke({});
  expect(seen.metadata).toEqual({ statusCode: status, headers });
  expect(Buffer.concat(seen.body)).toHaveLength(0);
});

it('carries status, headers and cookies in the prelude, without a length', () => {
  const headers = new Headers({ a: '1', vary: 'x, y', 'content-length': '0' });
  headers.append('set-cookie', 'c=1');
  headers.append('set-cookie', 'd=2');
  expect(preludeOf(new Response('', { status: 201, headers }))).toEqual({
    statusCode: 201,
    headers: { a: '1', vary: 'x, y', 'content-type': 'text/plain;charset=UTF-8' },
    cookies: ['c=1', 'd=2'],
  });
});

it('sends the prelude before the first chunk, writes each chunk as it comes, and only then ends the stream', async () => {
  const { runtime, seen, invoke } = fakeRuntime();
  let push: ((text: string) => void) | undefined;
  let close: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (text) => controller.enqueue(new TextEncoder().encode(text));
      close = () => controller.close();
    },
  });
  const respond = () =>
    Promise.resolve({
      kind: 'http' as const,
      response: new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    });
  streamingHandler(runtime, respond);
  const done = invoke({});
  await new Promise((r) => setImmediate(r));
  // Status and headers are out while the body has not produced a byte.
  expect(seen.metadata).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/event-stream' } });
  push?.('event: message\ndata: {"progress":1}\n\n');
  await new Promise((r) => setImmediate(r));
  // The first event is out before the body has ended.
  expect(Buffer.concat(seen.body).toString()).toBe('event: message\ndata: {"progress":1}\n\n');
  push?.('event: message\ndata: {"result":{}}\n\n');
  close?.();
  await done;
  expect(Buffer.concat(seen.body).toString()).toMatch(/progress.*result/s);
});

it('answers what is not an HTTP event (a warm-up ping, a scheduled event, null) with a 400 through the stream, logged as a warning', async () => {
  process.env.CODER_URL = 'https://coder.example.com';
  const previous = logLevel();
  setLogLevel('DEBUG');
  const output = captureOutput();
  const answers: { metadata?: Record<string, unknown>; body: string }[] = [];
  try {
    for (const event of [{}, { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, null]) {
      const { runtime, seen, invoke } = fakeRuntime();
      streamingHandler(runtime);
      await invoke(event);
      answers.push({ metadata: seen.metadata, body: Buffer.concat(seen.body).toString() });
    }
  } finally {
    output.restore();
    setLogLevel(previous);
  }
  for (const a of answers) {
    expect(a.metadata).toMatchObject({ statusCode: 400, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(a.body)).toMatchObject({ message: expect.stringMatching(/^unsupported event/) });
  }
  const lines = output.all
    .join('')
    .split('\n')
    .filter((l) => l.includes('"unsupported event"'));
  expect(lines).toHaveLength(3);
  for (const line of lines) expect(line).toMatch(/"level":"WARN"/);
  expect(output.all.join('')).not.toMatch(/"level":"ERROR"/);
});
