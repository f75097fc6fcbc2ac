/**
 * A loopback stand-in for the Lambda Runtime API (2018-06-01) that AWS's runtime interface client
 * polls: it hands out the events a test queues and records what the runtime posts back, byte for byte
 * with the time each piece arrived, the request's headers and its trailers (where a streamed answer's
 * error goes). `delivered()` reads a streamed post as API Gateway does: a JSON prelude, 8 NUL bytes,
 * then the body; without that prelude the client gets a bare 200 (the runtime client's issue 97).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';

const PREFIX = '/2018-06-01/runtime';
/** The content type the runtime gives a stream that `awslambda.HttpResponseStream.from` wrapped. */
export const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);

export interface Piece {
  /** performance.now() in this process when the piece arrived. */
  at: number;
  bytes: Buffer;
}

/** What the runtime posted for one invocation: to `/response` (a result or a stream) or to `/error`. */
export interface Posted {
  kind: 'response' | 'error';
  headers: http.IncomingHttpHeaders;
  pieces: Piece[];
  body: Buffer;
  trailers: NodeJS.Dict<string>;
  endedAt: number;
}

export interface RuntimeApi {
  /** host:port for AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  /** Queues `event`; resolves with what the runtime posted for it, rejects after `timeoutMs` or on an init error. */
  invoke(event: unknown, timeoutMs?: number): Promise<Posted>;
  /** Times the runtime asked for its next event. */
  polls(): number;
  close(): Promise<void>;
}

interface Pending {
  id: string;
  event: unknown;
  resolve(posted: Posted): void;
  reject(err: Error): void;
}

export async function startRuntimeApi(): Promise<RuntimeApi> {
  const queued: Pending[] = [];
  const inFlight = new Map<string, Pending>();
  const waiting: http.ServerResponse[] = [];
  let polls = 0;

  const hand = (pending: Pending, res: http.ServerResponse) => {
    inFlight.set(pending.id, pending);
    res.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': pending.id,
      'lambda-runtime-deadline-ms': String(Date.now() + 60_000),
      'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:eu-west-1:123456789012:function:coder-mcp',
      'lambda-runtime-trace-id': 'Root=1-00000000-000000000000000000000000;Sampled=0',
    });
    res.end(JSON.stringify(pending.event));
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      polls += 1;
      const next = queued.shift();
      if (next) hand(next, res);
      else waiting.push(res);
      return;
    }
    const posted = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    const pieces: Piece[] = [];
    req.on('data', (bytes: Buffer) => pieces.push({ at: performance.now(), bytes }));
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      const body = Buffer.concat(pieces.map((p) => p.bytes));
      if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
        const err = new Error(`the runtime failed to start: ${body.toString('utf8')}`);
        for (const p of [...queued.splice(0), ...inFlight.values()]) p.reject(err);
        inFlight.clear();
        return;
      }
      const pending = posted ? inFlight.get(decodeURIComponent(posted[1] ?? '')) : undefined;
      if (!posted || !pending) return;
      inFlight.delete(pending.id);
      pending.resolve({
        kind: posted[2] === 'error' ? 'error' : 'response',
        headers: req.headers,
        pieces,
        body,
        trailers: req.trailers,
        endedAt: performance.now(),
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('runtime API: no TCP address');

  return {
    address: `127.0.0.1:${address.port}`,
    polls: () => polls,
    invoke: (event, timeoutMs = 20_000) =>
      new Promise<Posted>((resolve, reject) => {
        const id = randomUUID();
        const timer = setTimeout(() => {
          const i = queued.findIndex((p) => p.id === id);
          if (i !== -1) queued.splice(i, 1);
          inFlight.delete(id);
          reject(new Error(`runtime API: no answer to invocation ${id} within ${timeoutMs} ms`));
        }, timeoutMs);
        const pending: Pending = {
          id,
          event,
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        const res = waiting.shift();
        if (res) hand(pending, res);
        else queued.push(pending);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of waiting.splice(0)) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const preludeSchema = z.object({
  statusCode: z.number().int(),
  headers: z.record(z.string(), z.string()).optional(),
  cookies: z.array(z.string()).optional(),
});

/** What a client of API Gateway gets from a streamed post, and when its body's bytes left the function. */
export interface Delivered {
  /** Whether the post carried a prelude (status, headers, cookies) ahead of the body. */
  prelude: boolean;
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
  /** The JSON prelude and the 8 NUL bytes after it, as posted (empty without a prelude). */
  head: Buffer;
  /** Arrival time of the post's first byte (the prelude's, when there is one). */
  firstAt: number | undefined;
  /** Arrival time of the body's byte at `offset`, or undefined past its end. */
  arrivalOf(offset: number): number | undefined;
}

export function delivered(posted: Posted): Delivered {
  const wrapped = posted.headers['content-type'] === PRELUDE_CONTENT_TYPE;
  const cut = wrapped ? posted.body.indexOf(DELIMITER) : -1;
  const start = cut === -1 ? 0 : cut + DELIMITER.length;
  const prelude =
    cut === -1 ? undefined : preludeSchema.parse(JSON.parse(posted.body.subarray(0, cut).toString('utf8')));
  return {
    prelude: prelude !== undefined,
    // API Gateway's answer to a stream without a prelude (issue 97): 200 and none of the function's headers.
    status: prelude?.statusCode ?? 200,
    headers: prelude?.headers ?? {},
    cookies: prelude?.cookies ?? [],
    body: posted.body.subarray(start),
    head: posted.body.subarray(0, start),
    firstAt: posted.pieces[0]?.at,
    arrivalOf: (offset) => arrivalOf(posted.pieces, start + offset),
  };
}

function arrivalOf(pieces: Piece[], offset: number): number | undefined {
  let seen = 0;
  for (const piece of pieces) {
    seen += piece.bytes.length;
    if (offset < seen) return piece.at;
  }
  return undefined;
}

const errorSchema = z.object({ errorType: z.string(), errorMessage: z.string() }).loose();

/** The error a streamed answer ended with (its trailers), or the body of a post to `/error`. */
export function functionError(posted: Posted): z.infer<typeof errorSchema> | undefined {
  if (posted.kind === 'error') return errorSchema.parse(JSON.parse(posted.body.toString('utf8')));
  const encoded = posted.trailers['lambda-runtime-function-error-body'];
  if (encoded === undefined) return undefined;
  return errorSchema.parse(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')));
}
