/**
 * Workspace agents: `GET /workspaceagents/{id}` and the startup logs, as a JSON array or with
 * `?follow` a WebSocket whose text frames each carry an ARRAY of logs, closed once the agent has
 * left the created/starting lifecycle states (coderd's end of startup logs).
 */
import type { WebSocket } from 'ws';
import { afterParam, notFound, ok, uuidParam, type RouteContext, type Router } from '../http';
import type { SimAgent, SimModel } from '../model';
import { agentJson } from '../render/workspaces';
import { canSee } from './access';

function visibleAgent(model: SimModel, ctx: RouteContext): SimAgent {
  const found = model.findAgent(uuidParam(ctx, 'id'));
  if (!found || !canSee(ctx.user, found.ws)) throw notFound();
  return found.agent;
}

const STARTING = new Set(['created', 'starting']);

export function agentRoutes(router: Router, model: SimModel): void {
  router.get('/api/v2/workspaceagents/:id', (ctx) => ok(agentJson(visibleAgent(model, ctx))));
  router.get('/api/v2/workspaceagents/:id/logs', (ctx) => {
    const agent = visibleAgent(model, ctx);
    const after = afterParam(ctx);
    return ok(agent.logs.filter((l) => l.id > after));
  });
  router.ws('/api/v2/workspaceagents/:id/logs', (ctx) => {
    const agent = visibleAgent(model, ctx);
    const after = afterParam(ctx);
    if (!ctx.query.has('follow')) return ok(agent.logs.filter((l) => l.id > after));
    return (ws) => followAgentLogs(agent, after, ws);
  });
}

/** Sends what is new on every change of the agent, and closes once its startup is over. */
function followAgentLogs(agent: SimAgent, after: number, ws: WebSocket): void {
  let sentUpTo = after;
  const flush = () => {
    const fresh = agent.logs.filter((l) => l.id > sentUpTo);
    if (fresh.length > 0 && ws.readyState === ws.OPEN) {
      ws.send(JSON.stringify(fresh));
      sentUpTo = fresh[fresh.length - 1]?.id ?? sentUpTo;
    }
    if (!STARTING.has(agent.lifecycle_state)) {
      agent.watchers.delete(flush);
      ws.close(1000);
    }
  };
  agent.watchers.add(flush);
  ws.on('close', () => agent.watchers.delete(flush));
  flush();
}
