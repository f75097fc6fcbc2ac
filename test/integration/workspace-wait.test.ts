/**
 * The shared workspace code the workspace tools build on (contract §2.2-§2.3), against the simulator:
 * auto-start of a stopped workspace and the agent readiness wait.
 */
import { CoderClient } from '../../lib/coder/client';
import { findWorkspaceAndAgent, waitForAgent } from '../../lib/coder/workspaces';
import { startSimulator, type Simulator } from '../sim';

let sim: Simulator;
let coder: CoderClient;

beforeEach(async () => {
  sim = await startSimulator({ buildStepMs: 20 });
  coder = new CoderClient({ baseUrl: sim.url, token: sim.demo.user.token, requestTimeoutMs: 5000 });
});
afterEach(() => sim.close());

it('finds a running workspace and its agent with one lookup', async () => {
  const before = sim.requestCount();
  const { workspace, agent } = await findWorkspaceAndAgent(coder, `${sim.demo.user.username}/${sim.demo.workspaceName}`);
  expect(workspace.id).toBe(sim.demo.workspaceId);
  expect(agent.id).toBe(sim.demo.agentId);
  expect(sim.requestCount() - before).toBe(1);
});

it('auto-starts a stopped workspace and returns it running', async () => {
  const { workspace } = await findWorkspaceAndAgent(coder, sim.demo.stoppedWorkspaceName);
  expect(workspace.latest_build).toMatchObject({ transition: 'start', status: 'running' });
});

it('says why a workspace cannot be started', async () => {
  await expect(findWorkspaceAndAgent(coder, 'ghost')).rejects.toThrow(/^failed to find workspace: GET .*404/);
  await expect(findWorkspaceAndAgent(coder, 'a/b/c')).rejects.toThrow('failed to find workspace: invalid workspace identifier: "a/b/c"');
});

it('a ready agent costs exactly one GET', async () => {
  const before = sim.requestCount(`/api/v2/workspaceagents/${sim.demo.agentId}`);
  const agent = await waitForAgent(coder, sim.demo.agentId, AbortSignal.timeout(5000));
  expect(agent.lifecycle_state).toBe('ready');
  expect(sim.requestCount(`/api/v2/workspaceagents/${sim.demo.agentId}`) - before).toBe(1);
});

it('waits while the agent connects and starts, then returns it', async () => {
  sim.setAgentState(sim.demo.agentId, { status: 'connecting', lifecycle_state: 'created' });
  setTimeout(() => sim.setAgentState(sim.demo.agentId, { status: 'connected', lifecycle_state: 'starting' }), 300);
  setTimeout(() => sim.setAgentState(sim.demo.agentId, { status: 'connected', lifecycle_state: 'start_error' }), 700);
  const agent = await waitForAgent(coder, sim.demo.agentId, AbortSignal.timeout(10_000));
  expect(agent.lifecycle_state).toBe('start_error');
});

it('fails at once for an agent that is shutting down, and stops at the deadline otherwise', async () => {
  sim.setAgentState(sim.demo.agentId, { status: 'connected', lifecycle_state: 'shutting_down' });
  await expect(waitForAgent(coder, sim.demo.agentId, AbortSignal.timeout(5000))).rejects.toThrow('agent not ready: agent is shutting down');
  sim.setAgentState(sim.demo.agentId, { status: 'connecting', lifecycle_state: 'created' });
  await expect(waitForAgent(coder, sim.demo.agentId, AbortSignal.timeout(800))).rejects.toThrow();
});
