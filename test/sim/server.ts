/**
 * The simulator's request loop: every HTTP request and WebSocket upgrade is counted, may meet an
 * injected fault, is routed (unknown → coderd's "Route not found."), authenticated like coderd, and
 * answered with coderd's JSON (`application/json; charset=utf-8`, newline-terminated, as Go's encoder
 * writes it), or with what a route chose itself (an HTML page, plain text, a redirect, cookies). Upgrades go to whichever `ws` route matches, so a new endpoint plugs in by path alone.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { authenticate } from './auth';
import { HttpError, isReply, routeNotFound, type Reply, type RouteContext, type Router } from './http';
import type { Fault, SimModel, SimUser } from './model';
import { FILE_MAX_BYTES } from './routes/files';
import { sleep } from './terminal/delay';

export interface ServerDeps {
  router: Router;
  model: SimModel;
  wss: WebSocketServer;
  baseUrl: () => string;
  /** One-way delay added on receipt of each request and before each answer. */
  latencyMs: () => number;
  /** Extra wait before a PTY upgrade completes. */
  handshakeDelayMs: () => number;
  logger?: (line: string) => void;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  text: string | Buffer;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function json(body: unknown): string {
  return `${JSON.stringify(body)}\n`;
}

function replyAnswer(reply: Reply): Answer {
  const extra = reply.headers ?? {};
  if (reply.raw)
    return {
      status: reply.status,
      headers: { ...(reply.raw.contentType ? { 'content-type': reply.raw.contentType } : {}), ...extra },
      text: reply.raw.text,
    };
  return { status: reply.status, headers: { 'content-type': JSON_TYPE, ...extra }, text: json(reply.body) };
}

/** An error thrown by a route or the auth middleware, as coderd's body (anything unexpected is a 500). */
function errorAnswer(err: unknown): Answer {
  const e =
    err instanceof HttpError
      ? err
      : new HttpError(500, {
          message: 'An internal server error occurred.',
          detail: err instanceof Error ? err.message : String(err),
        });
  return { status: e.status, headers: { 'content-type': JSON_TYPE, ...e.headers }, text: json(e.body) };
}

function faultAnswer(fault: Fault): Answer {
  if (typeof fault.body === 'string')
    return { status: fault.status, headers: { 'content-type': 'text/html; charset=utf-8' }, text: fault.body };
  return { status: fault.status, headers: { 'content-type': JSON_TYPE }, text: json(fault.body) };
}

/** Takes the first injected fault matching the request, counting down its uses. */
function takeFault(model: SimModel, method: string, path: string): Fault | undefined {
  const i = model.faults.findIndex((f) => (!f.method || f.method === method) && path.startsWith(f.pathPrefix));
  const fault = model.faults[i];
  if (!fault) return undefined;
  fault.times -= 1;
  if (fault.times <= 0) model.faults.splice(i, 1);
  return fault;
}

const ANONYMOUS: SimUser = {
  id: '',
  username: '',
  email: '',
  roles: 'member',
  token: '',
  organization_id: '',
  password: '',
};

function context(
  req: http.IncomingMessage,
  url: URL,
  params: Record<string, string>,
  user: SimUser,
  body: Buffer,
  upgrade: boolean,
): RouteContext {
  return {
    method: req.method ?? 'GET',
    params,
    query: url.searchParams,
    user,
    body,
    contentType: (req.headers['content-type'] ?? '').trim(),
    upgrade,
    headers: req.headers,
    url,
  };
}

export async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse, deps: ServerDeps): Promise<void> {
  const started = Date.now();
  const url = new URL(req.url ?? '/', deps.baseUrl());
  const method = req.method ?? 'GET';
  deps.model.requests.push(url.pathname);
  let answer: Answer;
  try {
    const body = await readBody(req, FILE_MAX_BYTES);
    await sleep(deps.latencyMs());
    const fault = takeFault(deps.model, method, url.pathname);
    answer = fault ? faultAnswer(fault) : replyAnswer(await route(req, url, method, body, deps));
  } catch (err) {
    answer = errorAnswer(err);
  }
  await sleep(deps.latencyMs());
  if (!res.destroyed) {
    res.writeHead(answer.status, answer.headers);
    res.end(answer.text);
  }
  deps.logger?.(`${method} ${url.pathname} ${answer.status} ${Date.now() - started}ms`);
}

async function route(
  req: http.IncomingMessage,
  url: URL,
  method: string,
  body: Buffer,
  deps: ServerDeps,
): Promise<Reply> {
  const found = deps.router.match(method, url.pathname, false);
  const handler = found?.route.http;
  if (!found || !handler) throw routeNotFound();
  const user = found.route.auth ? authenticate(deps.model, req, url, deps.baseUrl()) : ANONYMOUS;
  return handler(context(req, url, found.params, user, body, false));
}

export async function handleUpgrade(
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  deps: ServerDeps,
): Promise<void> {
  const url = new URL(req.url ?? '/', deps.baseUrl());
  deps.model.requests.push(url.pathname);
  if (url.pathname.endsWith('/pty')) await sleep(deps.handshakeDelayMs() + 2 * deps.latencyMs());
  const fault = takeFault(deps.model, 'GET', url.pathname);
  if (fault) return refuse(socket, faultAnswer(fault), url, deps);
  try {
    const found = deps.router.match('GET', url.pathname, true);
    const handler = found?.route.ws;
    if (!found || !handler) throw routeNotFound();
    const user = authenticate(deps.model, req, url, deps.baseUrl());
    const outcome = handler(context(req, url, found.params, user, Buffer.alloc(0), true));
    if (isReply(outcome)) return refuse(socket, replyAnswer(outcome), url, deps);
    deps.wss.handleUpgrade(req, socket, head, (ws) => {
      deps.logger?.(`GET ${url.pathname} 101`);
      try {
        outcome(ws);
      } catch (err) {
        ws.close(1011, err instanceof Error ? err.message.slice(0, 120) : 'error');
      }
    });
  } catch (err) {
    refuse(socket, errorAnswer(err), url, deps);
  }
}

/** Answers an upgrade request with a plain HTTP response and closes the connection. */
function refuse(socket: Duplex, answer: Answer, url: URL, deps: ServerDeps): void {
  const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.text)), connection: 'close' };
  const lines = Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `${k}: ${one}`));
  socket.end(
    `HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status] ?? ''}\r\n${lines.join('\r\n')}\r\n\r\n${answer.text}`,
  );
  deps.logger?.(`GET ${url.pathname} ${answer.status}`);
}

/** Reads the body, keeping no more than just over `limit` bytes so an oversized upload is noticed without being stored. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size > limit) return;
      size += c.length;
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
