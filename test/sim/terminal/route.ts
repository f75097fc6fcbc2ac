/**
 * `GET /api/v2/workspaceagents/{id}/pty` (contract §3.1): query validation and the SSH permission
 * check as HTTP answers before the upgrade, then binary frames both ways: JSON input objects in, raw
 * PTY output out. A text frame breaks the connection, as in coderd. Knobs let tests delay messages
 * and handshakes, drop sockets, kill sessions and count dials, and inject faults in bursts: refuse a
 * share of upgrades, or drop new sockets soon after they attach so attaches and re-attaches fail again.
 */
import { z } from 'zod';
import type { WebSocket } from 'ws';
import { badRequest, forbidden, HttpError, notFound, type RouteContext, type Router } from '../http';
import type { SimModel } from '../model';
import { canSee } from '../routes/workspaces';
import { JsonObjectStream } from './decoder';
import { DelayLine } from './delay';
import type { Attachment, Session, Sessions } from './sessions';

/** A fault that strikes each new upgrade or socket with this probability (0..1). */
export interface FaultRate {
  probability: number;
  /** Where the dice come from: a seeded generator makes a run reproducible. Default Math.random. */
  random?: () => number;
}

/** New sockets are dropped (no close frame, as `dropSockets`) a random time in [minAfterMs, maxAfterMs] after the upgrade. */
export interface SocketDropRate extends FaultRate {
  minAfterMs: number;
  maxAfterMs: number;
}

export interface TerminalKnobs {
  latencyMs: number;
  handshakeDelayMs: number;
  refuse: boolean;
  dials: number;
  /** Live sockets by session, so tests can drop them. */
  readonly sockets: Map<Attachment, { session: Session }>;
  /** While set, a share of upgrades is answered with 502 (as `refuse` does for all). */
  refuseRate?: FaultRate | undefined;
  /** While set, a share of new sockets is dropped soon after the upgrade. */
  dropNewRate?: SocketDropRate | undefined;
  /** How many faults the two rates above injected (created on first use). */
  injected?: { refusedDials: number; droppedNewSockets: number };
}

function strikes<T extends FaultRate>(rate: T | undefined): rate is T {
  return rate !== undefined && (rate.random ?? Math.random)() < rate.probability;
}

function injected(knobs: TerminalKnobs): { refusedDials: number; droppedNewSockets: number } {
  knobs.injected ??= { refusedDials: 0, droppedNewSockets: 0 };
  return knobs.injected;
}

const uint = z
  .string()
  .regex(/^\d+$/, 'must be an unsigned integer')
  .transform(Number)
  .refine((n) => n <= 65535, 'must be at most 65535');

const query = z.object({
  reconnect: z.uuid({ error: 'must be a valid UUID' }),
  width: uint.optional(),
  height: uint.optional(),
  command: z.string().optional(),
  backend_type: z.enum(['', 'buffered', 'screen']).optional(),
});

const input = z.object({
  data: z.string().optional(),
  height: z.number().int().min(0).optional(),
  width: z.number().int().min(0).optional(),
});

export function terminalRoute(router: Router, model: SimModel, sessions: Sessions, knobs: TerminalKnobs): void {
  router.ws('/api/v2/workspaceagents/:id/pty', (ctx) => {
    const q = parseQuery(ctx);
    const found = model.findAgent(ctx.params.id ?? '');
    if (!found || !canSee(ctx.user, found.ws)) throw notFound();
    if (model.sshDenied.has(ctx.user.username) || (ctx.user.roles !== 'owner' && found.ws.owner_id !== ctx.user.id))
      throw forbidden();
    if (knobs.refuse) throw new HttpError(502, { message: 'Failed to dial workspace agent.' });
    if (strikes(knobs.refuseRate)) {
      injected(knobs).refusedDials += 1;
      throw new HttpError(502, { message: 'Failed to dial workspace agent.' });
    }
    const { agent, ws: workspace } = found;
    return (socket) => {
      knobs.dials += 1;
      if (agent.status !== 'connected') {
        socket.close(1011, `dial workspace agent: agent is ${agent.status}`);
        return;
      }
      serve(socket, sessions, knobs, {
        agentId: agent.id,
        workspaceId: workspace.id,
        reconnectId: q.reconnect,
        command: q.command ?? '',
        width: q.width || 80,
        height: q.height || 80,
      });
    };
  });
}

function parseQuery(ctx: RouteContext) {
  const parsed = query.safeParse(Object.fromEntries(ctx.query.entries()));
  if (!parsed.success) {
    throw badRequest(
      'Invalid query parameters.',
      parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'query', detail: i.message })),
    );
  }
  return parsed.data;
}

function serve(
  socket: WebSocket,
  sessions: Sessions,
  knobs: TerminalKnobs,
  spec: Parameters<Sessions['attach']>[0],
): void {
  const toClient = new DelayLine(() => knobs.latencyMs);
  const toAgent = new DelayLine(() => knobs.latencyMs);
  const attachment: Attachment = {
    send: (data) => toClient.send(() => socket.readyState === socket.OPEN && socket.send(data, { binary: true })),
    end: () => toClient.send(() => socket.close(1000)),
    drop: () => socket.terminate(),
  };
  const session = sessions.attach(spec, attachment);
  knobs.sockets.set(attachment, { session });
  const dropTimer = scheduleDrop(knobs, attachment);
  const decoder = new JsonObjectStream();
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    toAgent.send(() => {
      if (!isBinary) {
        // coderd wraps the socket as a binary net.Conn: a text frame is unsupported data.
        socket.close(1003, 'unsupported data');
        return;
      }
      try {
        for (const text of decoder.push(data.toString('utf8'))) {
          const msg = input.parse(JSON.parse(text));
          if (msg.data) session.term.write(msg.data);
          if (msg.width && msg.height) session.term.resize(msg.width, msg.height);
        }
      } catch {
        socket.close(1003, 'invalid input');
      }
    });
  });
  socket.on('close', () => {
    if (dropTimer) clearTimeout(dropTimer);
    toClient.stop();
    toAgent.stop();
    knobs.sockets.delete(attachment);
    sessions.detach(session, attachment);
  });
}

/** A socket struck by the drop rate goes soon after attaching: while the client probes, fetches or sends its first request. */
function scheduleDrop(knobs: TerminalKnobs, attachment: Attachment): NodeJS.Timeout | undefined {
  const rate = knobs.dropNewRate;
  if (!strikes(rate)) return undefined;
  const span = Math.max(0, rate.maxAfterMs - rate.minAfterMs);
  const afterMs = rate.minAfterMs + Math.floor((rate.random ?? Math.random)() * (span + 1));
  return setTimeout(() => {
    injected(knobs).droppedNewSockets += 1;
    attachment.drop();
  }, afterMs);
}
