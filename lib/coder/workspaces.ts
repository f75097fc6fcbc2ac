/**
 * Workspace name resolution, auto-start and the agent readiness wait, as coderd's toolsdk does them
 * (contract §2.1-§2.3). Shared by the control-plane tools and the workspace tools.
 */
import type { CoderClient } from './client';
import { CoderApiError } from './errors';
import { agentSchema, buildSchema, logSchema, workspaceSchema, type Workspace, type WorkspaceAgent } from './schemas';
import { prefixError, ResourceError } from '../errors';
import { isUuid } from './uuid';
import { NO_PROGRESS, type Progress } from '../progress';
import { systemClock, type Clock } from '../tunnel/clock';

/** `agent.workspace.owner` (Coder Connect) → `owner/workspace.agent`; otherwise every `--` → `/`. */
export function normalizeWorkspaceInput(input: string): string {
  const dots = input.split('.').length - 1;
  if (dots === 2 && !input.includes('/') && !input.includes('--')) {
    const [agent, workspace, owner] = input.split('.');
    return `${owner}/${workspace}.${agent}`;
  }
  return input.replaceAll('--', '/');
}

/** Coder's workspace name rule; a UUID is never a valid name (names are at most 32 characters). */
function isWorkspaceName(s: string): boolean {
  return s.length >= 1 && s.length <= 32 && /^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/.test(s);
}

/** Finds a workspace by UUID, `name` or `owner/name` (HEAD `ResolveWorkspace`: UUID first, name route on 404). */
export async function resolveWorkspace(coder: CoderClient, identifier: string): Promise<Workspace> {
  const parts = identifier.split('/');
  if (parts.length > 2) throw new ResourceError(`invalid workspace identifier: ${JSON.stringify(identifier)}`);
  if (isUuid(identifier)) {
    try {
      return await coder.get(`/api/v2/workspaces/${identifier}`, workspaceSchema);
    } catch (err) {
      if (!(err instanceof CoderApiError && err.status === 404 && isWorkspaceName(identifier))) throw err;
    }
  }
  const [owner, name] = parts.length === 2 ? [parts[0] || 'me', parts[1] ?? ''] : ['me', parts[0] ?? ''];
  return coder.get(
    `/api/v2/users/${encodeURIComponent(owner)}/workspace/${encodeURIComponent(name)}`,
    workspaceSchema,
    {
      include_deleted: 'false',
    },
  );
}

/**
 * Starts a stopped workspace and waits for its build, or says why it cannot be started (contract §2.2 step 3).
 * With `autoStart` off (read-only mode) a workspace that is not started is only reported.
 */
export async function ensureStarted(
  coder: CoderClient,
  ws: Workspace,
  progress: Progress = NO_PROGRESS,
  autoStart = true,
): Promise<Workspace> {
  const build = ws.latest_build;
  if (build.transition === 'start') return ws;
  if (build.transition === 'delete') throw new ResourceError(`workspace ${JSON.stringify(ws.name)} is deleted`);
  if (!autoStart) {
    throw new ResourceError(
      `workspace ${JSON.stringify(ws.name)} is stopped; read-only mode does not start workspaces: start it first, or call without read-only mode`,
    );
  }
  if (build.job.status === 'failed') throw new ResourceError(`workspace ${JSON.stringify(ws.name)} is in failed state`);
  if (build.status !== 'stopped') {
    throw new ResourceError(
      `workspace ${JSON.stringify(ws.name)} must be started; was unable to autostart as the last build job is ${JSON.stringify(build.status)}, expected "stopped"`,
    );
  }
  progress.report(`workspace ${JSON.stringify(ws.name)} is stopped; starting it`);
  const started = await coder
    .request('POST', `/api/v2/workspaces/${ws.id}/builds`, { json: { transition: 'start' }, schema: buildSchema })
    .catch((err: unknown) => {
      throw prefixError('failed to start workspace', err);
    });
  if (!started.job.completed_at)
    await waitForBuild(coder, started.id, (log) =>
      progress.report(`starting ${JSON.stringify(ws.name)}: ${log.output}`),
    );
  return coder.get(`/api/v2/workspaces/${ws.id}`, workspaceSchema);
}

/** Follows the build's logs until coderd closes the stream (its completion signal), then checks how the job ended. */
async function waitForBuild(
  coder: CoderClient,
  buildId: string,
  onLog: (log: { output: string }) => void,
): Promise<void> {
  try {
    await coder.readJsonStream(`/api/v2/workspacebuilds/${buildId}/logs`, { follow: 'true' }, logSchema, onLog);
    const { job } = await coder.get(`/api/v2/workspacebuilds/${buildId}`, buildSchema);
    if (job.status === 'failed') throw new ResourceError(job.error || 'the start build failed');
    if (job.status === 'canceled') throw new ResourceError('the start build was canceled');
  } catch (err) {
    throw prefixError('failed to wait for build completion', err);
  }
}

export interface WorkspaceAndAgent {
  workspace: Workspace;
  agent: WorkspaceAgent;
}

/** `[owner/]workspace[.agent]` → the workspace (auto-started) and one agent; errors read `failed to find workspace: ...`. */
export async function findWorkspaceAndAgent(
  coder: CoderClient,
  input: string,
  progress: Progress = NO_PROGRESS,
  autoStart = true,
): Promise<WorkspaceAndAgent> {
  try {
    const [workspaceRef = '', agentRef] = normalizeWorkspaceInput(input).split('.');
    const workspace = await ensureStarted(coder, await resolveWorkspace(coder, workspaceRef), progress, autoStart);
    return { workspace, agent: pickAgent(workspace, agentRef) };
  } catch (err) {
    throw prefixError('failed to find workspace', err);
  }
}

export function pickAgent(ws: Workspace, agentRef: string | undefined): WorkspaceAgent {
  const agents = (ws.latest_build.resources ?? []).flatMap((r) => r.agents ?? []);
  if (agents.length === 0) throw new ResourceError(`workspace ${JSON.stringify(ws.name)} has no agents`);
  const names = `[${agents.map((a) => a.name).join(' ')}]`;
  if (agentRef) {
    const match = agents.find((a) => a.name === agentRef || a.id === agentRef);
    if (!match)
      throw new ResourceError(`agent not found by name ${JSON.stringify(agentRef)}, available agents: ${names}`);
    return match;
  }
  const [only, ...rest] = agents;
  if (only && rest.length === 0) return only;
  throw new ResourceError(`multiple agents found, please specify the agent name, available agents: ${names}`);
}

/** Poll interval of coder's CLI agent waiter: 500 ms, then slower the longer it waits. */
export function agentPollInterval(elapsedMs: number): number {
  if (elapsedMs >= 10 * 60_000) return 8000;
  if (elapsedMs >= 5 * 60_000) return 4000;
  if (elapsedMs >= 2 * 60_000) return 2000;
  if (elapsedMs >= 60_000) return 1000;
  return 500;
}

export type AgentReadiness = 'ready' | 'wait' | 'shutting_down';

/** What a polled agent state means for the waiter (contract §2.3). start_error/start_timeout do not fail. */
export function agentReadiness(agent: Pick<WorkspaceAgent, 'status' | 'lifecycle_state'>): AgentReadiness {
  if (agent.status !== 'connected') return 'wait';
  switch (agent.lifecycle_state) {
    case 'created':
    case 'starting':
      return 'wait';
    case 'shutting_down':
    case 'shutdown_timeout':
    case 'shutdown_error':
    case 'off':
      return 'shutting_down';
    default:
      return 'ready';
  }
}

/**
 * Waits until the agent is connected and started. A ready agent costs exactly one GET. The clock is
 * injected so that a test moves fake time through the polls instead of sleeping through them.
 */
export async function waitForAgent(
  coder: CoderClient,
  agentId: string,
  signal: AbortSignal,
  progress: Progress = NO_PROGRESS,
  clock: Clock = systemClock,
): Promise<WorkspaceAgent> {
  const started = clock.now();
  let last = '';
  for (;;) {
    const agent = await coder.get(`/api/v2/workspaceagents/${agentId}`, agentSchema);
    const state = agentReadiness(agent);
    if (state === 'ready') return agent;
    if (state === 'shutting_down') throw new ResourceError('agent not ready: agent is shutting down');
    const now = `waiting for agent ${JSON.stringify(agent.name)}: ${agent.status}, ${agent.lifecycle_state}`;
    if (now !== last) progress.report(now);
    last = now;
    await clock.sleep(agentPollInterval(clock.now() - started), signal);
  }
}
