/**
 * The local Coder simulator: a real HTTP + WebSocket server on 127.0.0.1 that speaks the parts of
 * coderd's API this project uses, with coderd's paths, JSON shapes, status codes and error bodies.
 * The test double of Coder, and the default backend of `npm start`. Never part of the Lambda bundle.
 * This file wires the pieces together and holds the control surface tests use.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { Builds } from './builds';
import { chatsModule, type ChatsControl, type ChatsModule } from './chats';
import { Router } from './http';
import { JobRunner } from './jobs';
import { createUser, mintOAuth2Key, SimModel, updateAgent, type Role, type SimUser } from './model';
import { agentRoutes } from './routes/agents';
import { buildRoutes } from './routes/builds';
import { fileRoutes } from './routes/files';
import { createOperatorApp, keysOf, listApps, type OAuth2AppInfo, type OAuth2KeyInfo } from './oauth2/control';
import { oauth2Routes } from './oauth2/routes';
import { DEFAULT_ACCESS_TOKEN_LIFETIME_MS, OAuth2Store } from './oauth2/store';
import { miscRoutes } from './routes/misc';
import { organizationRoutes } from './routes/organizations';
import { addOrganization } from './orgs';
import { templateRoutes } from './routes/templates';
import { userRoutes } from './routes/users';
import { versionRoutes } from './routes/versions';
import { workspaceRoutes } from './routes/workspaces';
import { seed, type Demo } from './seed';
import { handleHttp, handleUpgrade, type ServerDeps } from './server';
import { terminalRoute, type FaultRate, type SocketDropRate, type TerminalKnobs } from './terminal/route';
import { Sessions, type AgentImage } from './terminal/sessions';

export type { SimUser } from './model';
export type { Demo } from './seed';
export type { FaultRate, SocketDropRate } from './terminal/route';
export type { OAuth2AppInfo, OAuth2KeyInfo } from './oauth2/control';
export type { ChatsControl, ChatsMode, ChatStatus, TurnScript } from './chats';

export interface SimulatorOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** How long each provisioner job step takes (pending → running → ... → succeeded). Default 50. */
  buildStepMs?: number;
  /** A line per request (method, path, status, time). Never tokens: the query string is not logged. */
  logger?: (line: string) => void;
  /** One-way delay: on receipt of every HTTP request, before every HTTP response, and on every PTY WebSocket message each way. */
  latencyMs?: number;
  /** Extra delay before each PTY WebSocket upgrade completes (TLS plus coderd dialling the agent). */
  handshakeDelayMs?: number;
  /** How long an orphaned PTY session lives without a client (coderd: 5 minutes). */
  orphanTimeoutMs?: number;
  /** The workspace image's shell and PATH. Default: this machine's /bin/sh and PATH. */
  agentImage?: AgentImage;
  /** Coder's OAuth2 provider at start; see Simulator.setOAuth2Provider. Default: provider and registration on. */
  oauth2?: { enabled?: boolean; registration?: boolean; accessTokenLifetimeMs?: number };
  /** How long a chat turn of the simulated Coder Agent runs unless scripted otherwise. Default 40. */
  chatTurnMs?: number;
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
  /** While set, each upgrade is answered with HTTP 502 with this probability (a flaky coderd or agent dial); undefined ends it. */
  refuseSomeDials(rate: FaultRate | undefined): void;
  /**
   * While set, each new socket is dropped (as `dropSockets` does) with this probability, a random time in
   * [minAfterMs, maxAfterMs] after its upgrade: attaches and re-attaches then fail again and again. Undefined ends it.
   */
  dropNewSockets(rate: SocketDropRate | undefined): void;
  /** How many upgrades `refuseSomeDials` refused and how many sockets `dropNewSockets` dropped so far. */
  injectedFaults(): { refusedDials: number; droppedNewSockets: number };
}

export interface Simulator {
  /** e.g. http://127.0.0.1:43123 (no trailing slash). */
  readonly url: string;
  readonly demo: Demo;
  /** A new user with a fresh valid token; `password` (default `<username>-password`) signs in as `<username>@example.com`. */
  addUser(username: string, role: Role, password?: string): SimUser;
  /** Later requests with this token get coderd's 401 "expired" answer. */
  expireToken(token: string): void;
  /**
   * A token as coderd's OAuth2 provider issues it to `username` for the resource `audience` (the RFC 8707
   * `resource` the client asked for; '' for none). coderd refuses it (403) unless the audience is its access URL.
   */
  mintOAuth2Token(username: string, audience: string): string;
  /** coderd's configured access URL as the audience rule sees it (e.g. after a move to a new domain); undefined = the simulator's URL. */
  setAccessUrl(url: string | undefined): void;
  /** The answer of GET /api/v2/applications/host ("" = not configured). */
  setAppHost(host: string): void;
  setAgentState(agentId: string, s: { status?: string; lifecycle_state?: string }): void;
  /** Replaces the agent's coder_app entries (an empty list: an agent without apps). */
  setAgentApps(agentId: string, apps: { slug: string; display_name: string; url: string }[]): void;
  /** The next workspace build's provisioner job fails with this error. */
  failNextBuild(error: string): void;
  /** authcheck action "ssh" (and the PTY endpoint) refuse this user while denied. */
  denySsh(username: string, denied: boolean): void;
  /** The next `times` (default 1) matching requests get `status` with `body`; a string body is sent as HTML. */
  failNext(match: { method?: string; pathPrefix: string }, status: number, body?: unknown, times?: number): void;
  /** Requests seen, HTTP and upgrades, optionally only those whose path starts with `pathPrefix`. */
  requestCount(pathPrefix?: string): number;
  readonly pty: PtyControl;
  /**
   * Coder's OAuth2 provider (routes under /oauth2 and the .well-known OAuth documents, ported from
   * coderd/oauth2provider). `enabled` is CODER_OAUTH2_PROVIDER_ENABLE: off, all of those routes answer 404
   * "Route not found.". `registration` is the dynamic client registration setting: off, POST /oauth2/register
   * answers 403 invalid_request and the server metadata has no registration_endpoint. Both start on.
   */
  setOAuth2Provider(opts: { enabled?: boolean; registration?: boolean }): void;
  /** An app registered by an operator (the fallback when dynamic registration is off): confidential, one redirect URI. */
  createOAuth2App(app: { name: string; redirectUri: string; icon?: string }): {
    clientId: string;
    clientSecret: string;
  };
  /** Every OAuth2 app, operator-created and dynamically registered, and how many were registered dynamically. */
  oauth2Apps(): { apps: OAuth2AppInfo[]; dynamicallyRegistered: number };
  /** The user's API keys of login type oauth2_provider_app (ids, app, audience, expiry; never secrets). */
  oauth2Keys(username: string): OAuth2KeyInfo[];
  /** Lifetime of access tokens issued from now on (coderd: the session lifetime, 24 h); undefined restores the default. */
  setOAuth2AccessTokenLifetime(ms: number | undefined): void;
  /** Coder Agents chats (`/api/experimental/chats`): the API switch, scripted agent turns, watch sockets. */
  readonly chats: ChatsControl;
  /** A further organization with these members (by username); every user also stays in the default one. */
  addOrganization(name: string, usernames: string[]): { id: string; name: string };
  /** Closes the server, every socket and every timer; idempotent. */
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const model = new SimModel();
  const jobs = new JobRunner(model, opts.buildStepMs ?? 50);
  const demo = seed(model, jobs);
  const builds = new Builds(model, jobs);
  const sessions = new Sessions(opts.orphanTimeoutMs ?? 300_000, opts.agentImage);
  const oauth2 = new OAuth2Store(opts.oauth2);
  const knobs: TerminalKnobs = {
    latencyMs: opts.latencyMs ?? 0,
    handshakeDelayMs: opts.handshakeDelayMs ?? 0,
    refuse: false,
    dials: 0,
    sockets: new Map(),
  };
  let baseUrl = '';
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const router = buildRouter(model, builds, jobs, sessions, knobs, oauth2, () => baseUrl);
  const chats: ChatsModule = chatsModule(router, model, () => baseUrl, opts.chatTurnMs ?? 40);
  const deps: ServerDeps = {
    router,
    model,
    wss,
    baseUrl: () => baseUrl,
    latencyMs: () => knobs.latencyMs,
    handshakeDelayMs: () => knobs.handshakeDelayMs,
    ...(opts.logger ? { logger: opts.logger } : {}),
  };
  const server = http.createServer((req, res) => void handleHttp(req, res, deps));
  server.on('upgrade', (req, socket, head) => void handleUpgrade(req, socket, head, deps));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('simulator: no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;

  let closed: Promise<void> | undefined;
  return {
    url: baseUrl,
    demo,
    addUser: (username, role, password) => createUser(model, username, role, password),
    expireToken: (token) => {
      const key = model.keys.get(token.split('-')[0] ?? '');
      if (key) key.expiresAt = new Date(Date.now() - 1000);
    },
    mintOAuth2Token: (username, audience) => {
      const user = model.userByName(username);
      if (!user) throw new Error(`simulator: no user ${username}`);
      return mintOAuth2Key(model, user, audience);
    },
    setAccessUrl: (url) => {
      model.accessUrl = url;
    },
    setAppHost: (host) => {
      model.appHost = host;
    },
    setAgentState: (agentId, s) => {
      const found = model.findAgent(agentId);
      if (!found) throw new Error(`simulator: no agent ${agentId}`);
      updateAgent(found.agent, s);
    },
    setAgentApps: (agentId, apps) => {
      const found = model.findAgent(agentId);
      if (!found) throw new Error(`simulator: no agent ${agentId}`);
      found.agent.apps = apps.map((a) => ({ ...a, id: randomUUID() }));
    },
    failNextBuild: (error) => {
      builds.failNext.push(error);
    },
    denySsh: (username, denied) => {
      if (denied) model.sshDenied.add(username);
      else model.sshDenied.delete(username);
    },
    failNext: (match, status, body, times = 1) => {
      model.faults.push({
        ...match,
        status,
        body: body ?? { message: 'An internal server error occurred.', detail: 'injected by the simulator' },
        times,
      });
    },
    requestCount: (prefix) => model.requests.filter((p) => !prefix || p.startsWith(prefix)).length,
    pty: ptyControl(sessions, knobs),
    setOAuth2Provider: ({ enabled, registration }) => {
      if (enabled !== undefined) oauth2.switches.enabled = enabled;
      if (registration !== undefined) oauth2.switches.registration = registration;
    },
    createOAuth2App: (app) => createOperatorApp(oauth2, app),
    oauth2Apps: () => listApps(oauth2),
    oauth2Keys: (username) => keysOf(model, username),
    setOAuth2AccessTokenLifetime: (ms) => {
      oauth2.switches.accessTokenLifetimeMs = ms ?? DEFAULT_ACCESS_TOKEN_LIFETIME_MS;
    },
    chats: chats.control,
    addOrganization: (name, usernames) => {
      const ids = usernames.map((u) => {
        const user = model.userByName(u);
        if (!user) throw new Error(`simulator: no user ${u}`);
        return user.id;
      });
      const org = addOrganization(model, name, ids);
      return { id: org.id, name: org.name };
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        jobs.stop();
        chats.stop();
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

/** Every endpoint, one route module per area; a new module (a new WebSocket endpoint too) registers here. */
function buildRouter(
  model: SimModel,
  builds: Builds,
  jobs: JobRunner,
  sessions: Sessions,
  knobs: TerminalKnobs,
  oauth2: OAuth2Store,
  baseUrl: () => string,
): Router {
  const router = new Router();
  userRoutes(router, model);
  organizationRoutes(router, model);
  workspaceRoutes(router, model, builds);
  buildRoutes(router, model, builds);
  templateRoutes(router, model);
  versionRoutes(router, model, jobs);
  fileRoutes(router, model);
  agentRoutes(router, model);
  miscRoutes(router, model, baseUrl);
  terminalRoute(router, model, sessions, knobs);
  oauth2Routes(router, model, oauth2, baseUrl);
  return router;
}

function ptyControl(sessions: Sessions, knobs: TerminalKnobs): PtyControl {
  return {
    dials: () => knobs.dials,
    sessions: () =>
      sessions.list().map((s) => ({ id: s.id, agentId: s.agentId, pid: s.term.pid, attached: s.attached.size })),
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
    refuseSomeDials: (rate) => {
      knobs.refuseRate = rate;
    },
    dropNewSockets: (rate) => {
      knobs.dropNewRate = rate;
    },
    injectedFaults: () => ({
      refusedDials: knobs.injected?.refusedDials ?? 0,
      droppedNewSockets: knobs.injected?.droppedNewSockets ?? 0,
    }),
  };
}
