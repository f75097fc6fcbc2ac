/** Name normalisation, agent choice and readiness rules of contract §2.1-§2.3. */
import { agentPollInterval, agentReadiness, normalizeWorkspaceInput, pickAgent } from '../../lib/coder/workspaces';
import type { Workspace } from '../../lib/coder/schemas';

describe('normalizeWorkspaceInput', () => {
  it.each([
    ['dev', 'dev'],
    ['alice/dev', 'alice/dev'],
    ['alice--dev', 'alice/dev'],
    ['alice--dev.main', 'alice/dev.main'],
    ['main.dev.alice', 'alice/dev.main'],
    ['dev.main', 'dev.main'],
    ['a.b.c--d', 'a.b.c/d'],
  ])('%s → %s', (input, out) => expect(normalizeWorkspaceInput(input)).toBe(out));
});

function workspaceWith(agents: { id: string; name: string }[]): Workspace {
  return {
    id: 'w',
    name: 'dev',
    owner_name: 'admin',
    template_id: 't',
    template_name: 'docker',
    template_display_name: 'Docker',
    template_icon: '',
    template_active_version_id: 'v',
    organization_id: 'o',
    outdated: false,
    latest_build: {
      id: 'b',
      transition: 'start',
      status: 'running',
      job: { status: 'succeeded' },
      resources: [{ agents: agents.map((a) => ({ ...a, status: 'connected', lifecycle_state: 'ready' })) }],
    },
  };
}

describe('pickAgent', () => {
  it('takes the only agent, or the named one by name or id', () => {
    expect(pickAgent(workspaceWith([{ id: '1', name: 'main' }]), undefined).name).toBe('main');
    const two = workspaceWith([
      { id: '1', name: 'main' },
      { id: '2', name: 'gpu' },
    ]);
    expect(pickAgent(two, 'gpu').id).toBe('2');
    expect(pickAgent(two, '1').name).toBe('main');
  });

  it('uses coderd texts for no agents, an unknown agent and ambiguity', () => {
    expect(() => pickAgent(workspaceWith([]), undefined)).toThrow('workspace "dev" has no agents');
    const two = workspaceWith([
      { id: '1', name: 'main' },
      { id: '2', name: 'gpu' },
    ]);
    expect(() => pickAgent(two, 'x')).toThrow('agent not found by name "x", available agents: [main gpu]');
    expect(() => pickAgent(two, undefined)).toThrow(
      'multiple agents found, please specify the agent name, available agents: [main gpu]',
    );
  });
});

describe('agent readiness', () => {
  it.each([
    ['connecting', 'ready', 'wait'],
    ['disconnected', 'ready', 'wait'],
    ['connected', 'starting', 'wait'],
    ['connected', 'created', 'wait'],
    ['connected', 'ready', 'ready'],
    ['connected', 'start_error', 'ready'],
    ['connected', 'start_timeout', 'ready'],
    ['connected', 'shutting_down', 'shutting_down'],
    ['connected', 'off', 'shutting_down'],
  ])('%s/%s → %s', (status, lifecycle_state, want) => expect(agentReadiness({ status, lifecycle_state })).toBe(want));

  it('polls every 500 ms, slowing down after 1, 2, 5 and 10 minutes', () => {
    expect([0, 61_000, 121_000, 301_000, 601_000].map(agentPollInterval)).toEqual([500, 1000, 2000, 4000, 8000]);
  });
});
