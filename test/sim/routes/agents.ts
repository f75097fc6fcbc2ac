/** Workspace agents (state and startup logs), the app host, and build info. */
import type { WebSocket } from 'ws';
import { notFound, ok, uuidParam, type RouteContext, type Router } from '../http';
import type { SimAgent, SimModel } from '../model';
import { agentJson } from '../render';
import { canSee } from './workspaces';

function visibleAgent(model: SimModel, ctx: RouteContext): SimAgent {
  const found = model.findAgent(uuidParam(ctx, 'id'));
  if (!found || !canSee(ctx.user, found.ws)) throw notFound();
  return found.agent;
}

const STARTING = new Set(['created', 'starting']);

export function agentRoutes(router: Router, model: SimModel, baseUrl: () => string): void {
  router.get('/api/v2/workspaceagents/:id', (ctx) => ok(agentJson(visibleAgent(model, ctx))));
  router.get('/api/v2/workspaceagents/:id/logs', (ctx) => ok(visibleAgent(model, ctx).logs));
  router.ws('/api/v2/workspaceagents/:id/logs', (ctx) => {
    const agent = visibleAgent(model, ctx);
    return (ws) => followAgentLogs(agent, ws);
  });
  router.get('/api/v2/applications/host', () => ok({ host: model.appHost }));
  router.get('/api/v2/buildinfo', () => ok({ version: 'v2.99.0-sim', external_url: 'https://github.com/coder/coder', dashboard_url: baseUrl(), workspace_proxy: false, agent_api_version: '2.0', provisioner_api_version: '1.0', upgrade_message: '', deployment_id: model.org.id, telemetry: false }), { auth: false });
}

/** Sends the logs as JSON arrays and closes once the agent has left created/starting. */
function followAgentLogs(agent: SimAgent, ws: WebSocket): void {
  let sent = 0;
  const flush = () => {
    if (agent.logs.length > sent) {
      ws.send(JSON.stringify(agent.logs.slice(sent)));
      sent = agent.logs.length;
    }
    if (!STARTING.has(agent.lifecycle_state)) {
      clearInterval(timer);
      ws.close(1000);
    }
  };
  const timer = setInterval(flush, 50);
  ws.on('close', () => clearInterval(timer));
  flush();
}
