/**
 * The local server behind `npm start` and the end-to-end tests: each Node HTTP request becomes an
 * API Gateway event (events.ts: HTTP API payload v2 by default, or REST API payload v1) and goes through
 * the same Lambda handler, so local runs exercise the
 * deployed code path; like the deployed streaming entry, it writes the answer's body as it comes (the
 * events of an SSE answer arrive while the tool runs). It listens on loopback only and refuses
 * foreign Host headers (DNS rebinding).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaContext, Responder } from '../handler';
import { headOf, pipeBody } from '../http/body';
import { rpcError } from '../http/respond';
import { INVALID_REQUEST, tooLargeMessage } from '../mcp/envelope';
import { toHttpApiEvent, toRestApiEvent } from './events';

export interface LocalServerOptions {
  respond: Responder;
  port?: number;
  host?: string;
  /** Emulated Lambda timeout; when set, the handler sees the remaining time as a deployed one would. */
  invocationTimeoutMs?: number;
  /** Which API Gateway's events the handler gets: the HTTP API's (payload 2.0, the default) or the REST API's (payload 1.0, as deployed). */
  gateway?: 'http-api' | 'rest-api';
}

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** API Gateway refuses payloads over 10 MB before Lambda sees them; so do we. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;
/**
 * An oversized body is still read (and dropped) up to this many bytes in all, so the client has sent
 * everything before the 413 is written and reads it rather than a reset connection; beyond it we hang up.
 */
const DRAIN_MAX_BODY = 4 * GATEWAY_MAX_BODY;
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

export async function startLocalServer(opts: LocalServerOptions): Promise<LocalServer> {
  // No CloudWatch reads a local stdout: EMF metrics off (Powertools' own setting), unless the environment says otherwise.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const server = http.createServer((req, res) => {
    serve(req, res, opts).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal error.' }));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(req: http.IncomingMessage, res: http.ServerResponse, opts: LocalServerOptions): Promise<void> {
  if (!LOOPBACK_HOST.test(req.headers.host ?? '')) {
    return send(res, 403, {
      message: `Forbidden: Host ${JSON.stringify(req.headers.host ?? '')} is not a loopback name`,
    });
  }
  const body = await readBody(req);
  if (body === 'too-large') {
    // Only POST /mcp takes a body worth sending, so the answer is the JSON-RPC error MCP clients read.
    res.setHeader('connection', 'close');
    return writeResponse(
      res,
      rpcError(413, INVALID_REQUEST, tooLargeMessage(GATEWAY_MAX_BODY, "API Gateway's payload limit")),
    );
  }
  const started = Date.now();
  const context: LambdaContext | undefined = opts.invocationTimeoutMs
    ? {
        awsRequestId: randomUUID(),
        getRemainingTimeInMillis: () => started + (opts.invocationTimeoutMs ?? 0) - Date.now(),
      }
    : undefined;
  const toEvent = opts.gateway === 'rest-api' ? toRestApiEvent : toHttpApiEvent;
  const { response } = await opts.respond(toEvent(req, body), context);
  await writeResponse(res, response);
}

function readBody(req: http.IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= GATEWAY_MAX_BODY) return void chunks.push(chunk);
      chunks.length = 0;
      if (size > DRAIN_MAX_BODY) {
        resolve('too-large');
        req.destroy();
      }
    });
    req.on('end', () => resolve(size > GATEWAY_MAX_BODY ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function writeResponse(res: http.ServerResponse, response: Response): Promise<void> {
  const { status, headers, cookies } = headOf(response);
  res.writeHead(status, cookies.length > 0 ? { ...headers, 'set-cookie': cookies } : headers);
  await pipeBody(response, res);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
