/**
 * The local Coder simulator: a real HTTP + WebSocket server on 127.0.0.1 that speaks the parts of
 * coderd's API this project uses, with coderd's paths, JSON shapes, status codes and error bodies.
 * The test double of Coder, and the default backend of `npm start`. Never part of the Lambda bundle.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { authenticate, HttpError, Router, type RouteContext } from './http';
import { JobRunner } from './jobs';
import { createUser, SimModel, type Role, type SimUser } from './model';
import { agentRoutes } from './routes/agents';
import { templateRoutes } from './routes/templates';
import { userRoutes } from './routes/users';
import { Builds, workspaceRoutes } from './routes/workspaces';
import { seed, type Demo } from './seed';
import { sleep } from './terminal/delay';
import { terminalRoute, type TerminalKnobs } from './terminal/route';
import { Sessions } from './terminal/sessions';

export type { SimUser } from './model';

export interface SimulatorOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** How long each provisioner job step takes (pending → running → ... → succeeded). Default 50. */
  buildStepMs?: number;
  /** A line per request (method, path, status). Never tokens. */
  logger?: (line: string) => void;
  /** One-way delay: on receipt of every HTTP request, before every HTTP response, and on every PTY WebSocket message each way. */
  latencyMs?: number;
  /** Extra delay before each PTY WebSocket upgrade completes (TLS plus coderd dialling the agent). */
  handshakeDelayMs?: number;
  /** How long an orphaned PTY session lives without a client (coderd: 5 minutes). */
  orphanTimeoutMs?: number;
}

export interface PtyControl {
  /** Successful PTY WebSocket upgrades so far. */
  dials(): number;
  sessions(): { id: string; agentId: string; pid: number; attached: number }[];
  /** Ends attached sockets abruptly (no close frame) and leaves the PTYs running; returns how many. */
  dropSockets(filter?: { agentId?: string; sessionId?: string }): number;
  /** Kills the PTY (its sockets close as on command exit) and forgets the session. */
  killSession(sessionId: string): boolean;
  /** The workspace's home directory, where its shells start. */
  workspaceHome(workspaceId: string): string;
  setLatency(latencyMs: number, handshakeDelayMs?: number): void;
  /** While true, upgrades are answered with HTTP 502. */
  refuseDials(refuse: boolean): void;
}

export interface Simulator {
  readonly url: string;
  readonly demo: Demo;
  addUser(username: string, role: Role): SimUser;
  expireToken(token: string): void;
  setAppHost(host: string): void;
  setAgentState(agentId: string, s: { status?: string; lifecycle_state?: string }): void;
  denySsh(username: string, denied: boolean): void;
  failNext(match: { method?: string; pathPrefix: string }, status: number, body?: unknown, times?: number): void;
  requestCount(pathPrefix?: string): number;
  readonly pty: PtyControl;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const model = new SimModel();
  const jobs = new JobRunner(model, opts.buildStepMs ?? 50);
  const demo = seed(model, jobs);
  const router = new Router();
  let baseUrl = '';
  userRoutes(router, model);
  workspaceRoutes(router, model, new Builds(model, jobs), jobs);
  templateRoutes(router, model, jobs);
  agentRoutes(router, model, () => baseUrl);
  const sessions = new Sessions(opts.orphanTimeoutMs ?? 300_000);
  const knobs: TerminalKnobs = { latencyMs: opts.latencyMs ?? 0, handshakeDelayMs: opts.handshakeDelayMs ?? 0, refuse: false, dials: 0, sockets: new Map() };
  terminalRoute(router, model, sessions, knobs);

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server = http.createServer((req, res) => {
    void handleHttp(req, res, router, model, baseUrl, knobs, opts.logger);
  });
  server.on('upgrade', (req, socket, head) => void handleUpgrade(req, socket, head, router, model, baseUrl, wss, knobs));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closed: Promise<void> | undefined;
  return {
    url: baseUrl,
    demo,
    addUser: (username, role) => createUser(model, username, role),
    expireToken: (token) => {
      const key = model.keys.get(token.split('-')[0] ?? '');
      if (key) key.expiredAt = new Date(Date.now() - 1000).toISOString();
    },
    setAppHost: (host) => {
      model.appHost = host;
    },
    setAgentState: (agentId, s) => {
      const found = model.findAgent(agentId);
      if (!found) throw new Error(`simulator: no agent ${agentId}`);
      Object.assign(found.agent, s);
    },
    denySsh: (username, denied) => {
      if (denied) model.sshDenied.add(username);
      else model.sshDenied.delete(username);
    },
    failNext: (match, status, body, times = 1) => {
      model.faults.push({ ...match, status, body: body ?? { message: 'Internal error (injected by the simulator).' }, times });
    },
    requestCount: (prefix) => model.requests.filter((p) => !prefix || p.startsWith(prefix)).length,
    pty: {
      dials: () => knobs.dials,
      sessions: () => sessions.list().map((s) => ({ id: s.id, agentId: s.agentId, pid: s.term.pid, attached: s.attached.size })),
      dropSockets: (filter = {}) => {
        let n = 0;
        for (const [attachment, { session }] of knobs.sockets) {
          if (filter.agentId && session.agentId !== filter.agentId) continue;
          if (filter.sessionId && session.id !== filter.sessionId) continue;
          attachment.drop();
          n += 1;
        }
        return n;
      },
      killSession: (id) => {
        const session = sessions.find(id);
        if (session) sessions.kill(session);
        return session !== undefined;
      },
      workspaceHome: (workspaceId) => sessions.home(workspaceId),
      setLatency: (latencyMs, handshakeDelayMs) => {
        knobs.latencyMs = latencyMs;
        if (handshakeDelayMs !== undefined) knobs.handshakeDelayMs = handshakeDelayMs;
      },
      refuseDials: (refuse) => {
        knobs.refuse = refuse;
      },
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        jobs.stop();
        sessions.closeAll();
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

async function handleHttp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  router: Router,
  model: SimModel,
  baseUrl: string,
  knobs: TerminalKnobs,
  logger?: (l: string) => void,
): Promise<void> {
  const url = new URL(req.url ?? '/', baseUrl);
  const method = req.method ?? 'GET';
  model.requests.push(url.pathname);
  let status = 500;
  // The one-way delay on the way in, and again on the way out (below), like a link with latency.
  const send = (code: number, headers: http.OutgoingHttpHeaders, text: string) =>
    sleep(knobs.latencyMs).then(() => {
      res.writeHead(code, headers);
      res.end(text);
    });
  try {
    const body = await readBody(req);
    await sleep(knobs.latencyMs);
    const fault = takeFault(model, method, url.pathname);
    if (fault) {
      status = fault.status;
      const text = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
      await send(status, { 'content-type': typeof fault.body === 'string' ? 'text/html' : 'application/json' }, text);
      return;
    }
    const found = router.match(method, url.pathname, false);
    if (!found?.route.http) throw new HttpError(404, { message: 'Route not found.' });
    const user = found.route.auth ? authenticate(model, req, url, baseUrl) : anonymous();
    const ctx: RouteContext = { params: found.params, query: url.searchParams, user, body, contentType: (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '' };
    const reply = await found.route.http(ctx);
    status = reply.status;
    await send(status, { 'content-type': 'application/json' }, JSON.stringify(reply.body));
  } catch (err) {
    const e = err instanceof HttpError ? err : new HttpError(500, { message: 'Internal error.', detail: err instanceof Error ? err.message : String(err) });
    status = e.status;
    await send(e.status, { 'content-type': 'application/json', ...e.headers }, JSON.stringify(e.body));
  } finally {
    logger?.(`${method} ${url.pathname} ${status}`);
  }
}

async function handleUpgrade(
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  router: Router,
  model: SimModel,
  baseUrl: string,
  wss: WebSocketServer,
  knobs: TerminalKnobs,
): Promise<void> {
  const url = new URL(req.url ?? '/', baseUrl);
  model.requests.push(url.pathname);
  if (url.pathname.endsWith('/pty')) await sleep(knobs.handshakeDelayMs + 2 * knobs.latencyMs);
  try {
    const found = router.match('GET', url.pathname, true);
    if (!found?.route.ws) throw new HttpError(404, { message: 'Route not found.' });
    const user = authenticate(model, req, url, baseUrl);
    const ctx: RouteContext = { params: found.params, query: url.searchParams, user, body: Buffer.alloc(0), contentType: '' };
    const attach = found.route.ws(ctx);
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        attach(ws);
      } catch (err) {
        ws.close(1011, err instanceof Error ? err.message.slice(0, 120) : 'error');
      }
    });
  } catch (err) {
    const e = err instanceof HttpError ? err : new HttpError(500, { message: 'Internal error.' });
    const body = JSON.stringify(e.body);
    const headers = Object.entries({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...e.headers })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    socket.end(`HTTP/1.1 ${e.status} ${http.STATUS_CODES[e.status] ?? ''}\r\n${headers}\r\nconnection: close\r\n\r\n${body}`);
  }
}

function takeFault(model: SimModel, method: string, path: string) {
  const i = model.faults.findIndex((f) => (!f.method || f.method === method) && path.startsWith(f.pathPrefix));
  if (i === -1) return undefined;
  const fault = model.faults[i];
  if (!fault) return undefined;
  fault.times -= 1;
  if (fault.times <= 0) model.faults.splice(i, 1);
  return fault;
}

function anonymous(): SimUser {
  return { id: '', username: '', email: '', roles: 'member', token: '', organization_id: '' };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
