/**
 * The shared workspace code the workspace tools build on (contract §2.2-§2.3), against the simulator:
 * auto-start of a stopped workspace and the agent readiness wait. The wait runs on a fake clock: the
 * test moves time from one poll to the next instead of sleeping.
 */
import { CoderClient } from '../../lib/coder/client';
import { findWorkspaceAndAgent, waitForAgent } from '../../lib/coder/workspaces';
import type { Progress } from '../../lib/progress';
import { FakeClock } from '../helpers/fake-clock';
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
  const { workspace, agent } = await findWorkspaceAndAgent(
    coder,
    `${sim.demo.user.username}/${sim.demo.workspaceName}`,
  );
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
  await expect(findWorkspaceAndAgent(coder, 'a/b/c')).rejects.toThrow(
    'failed to find workspace: invalid workspace identifier: "a/b/c"',
  );
});

it('a ready agent costs exactly one GET', async () => {
  const before = sim.requestCount(`/api/v2/workspaceagents/${sim.demo.agentId}`);
  const agent = await waitForAgent(coder, sim.demo.agentId, AbortSignal.timeout(5000));
  expect(agent.lifecycle_state).toBe('ready');
  expect(sim.requestCount(`/api/v2/workspaceagents/${sim.demo.agentId}`) - before).toBe(1);
});

it('waits while the agent connects and starts, polling every 500 ms, then returns it', async () => {
  const clock = new FakeClock();
  const reported: string[] = [];
  const progress: Progress = { report: (m) => reported.push(m), keepAlive: () => () => undefined };
  const path = `/api/v2/workspaceagents/${sim.demo.agentId}`;
  const before = sim.requestCount(path);
  sim.setAgentState(sim.demo.agentId, { status: 'connecting', lifecycle_state: 'created' });
  const waiting = waitForAgent(coder, sim.demo.agentId, new AbortController().signal, progress, clock);
  await clock.sleeping();
  expect(sim.requestCount(path) - before).toBe(1);
  sim.setAgentState(sim.demo.agentId, { status: 'connected', lifecycle_state: 'starting' });
  // Not a moment before its interval: no second GET yet.
  clock.advance(499);
  await Promise.resolve();
  expect(sim.requestCount(path) - before).toBe(1);
  clock.advance(1);
  await clock.sleeping();
  expect(sim.requestCount(path) - before).toBe(2);
  sim.setAgentState(sim.demo.agentId, { status: 'connected', lifecycle_state: 'start_error' });
  clock.advance(500);
  const agent = await waiting;
  expect(agent.lifecycle_state).toBe('start_error');
  expect(sim.requestCount(path) - before).toBe(3);
  expect(clock.sleeps).toEqual([500, 500]);
  expect(reported).toEqual([
    `waiting for agent "${agent.name}": connecting, created`,
    `waiting for agent "${agent.name}": connected, starting`,
  ]);
});

it("polls less often the longer it waits, as coder's CLI does", async () => {
  const clock = new FakeClock();
  sim.setAgentState(sim.demo.agentId, { status: 'connecting', lifecycle_state: 'created' });
  const controller = new AbortController();
  const start = clock.now();
  const waiting = waitForAgent(coder, sim.demo.agentId, controller.signal, undefined, clock);
  // A minute and a half of fake time: 500 ms polls for the first minute, then 1 s ones.
  while (clock.now() - start < 90_000) {
    await clock.sleeping();
    clock.advance(clock.sleeps.at(-1) ?? 0);
  }
  await clock.sleeping();
  controller.abort(new Error('enough'));
  await expect(waiting).rejects.toThrow('enough');
  expect(clock.sleeps.filter((ms) => ms === 500)).toHaveLength(120);
  expect(clock.sleeps.slice(120).every((ms) => ms === 1000)).toBe(true);
});

it('fails at once for an agent that is shutting down, and stops at the deadline otherwise', async () => {
  const clock = new FakeClock();
  sim.setAgentState(sim.demo.agentId, { status: 'connected', lifecycle_state: 'shutting_down' });
  await expect(waitForAgent(coder, sim.demo.agentId, clock.timeout(5000), undefined, clock)).rejects.toThrow(
    'agent not ready: agent is shutting down',
  );
  sim.setAgentState(sim.demo.agentId, { status: 'connecting', lifecycle_state: 'created' });
  const deadline = new FakeClock();
  const waiting = waitForAgent(coder, sim.demo.agentId, deadline.timeout(800), undefined, deadline);
  await deadline.sleeping();
  deadline.advance(500);
  await deadline.sleeping();
  // Two polls so far; the deadline falls during the second wait, which ends at once.
  deadline.advance(300);
  await expect(waiting).rejects.toThrow('The operation was aborted due to timeout');
  expect(deadline.sleeps).toEqual([500, 500]);
});
