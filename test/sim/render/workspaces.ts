/** codersdk JSON for workspaces, their builds, resources, agents and apps. */
import {
  STARTUP_SCRIPT_SOURCE,
  type SimAgent,
  type SimApp,
  type SimBuild,
  type SimModel,
  type SimWorkspace,
} from '../model';
import { orgById, workspaceOrgId } from '../org-scope';
import { jobJson } from './common';

/** codersdk.WorkspaceApp (url, display_name, command and icon are omitempty in Go). */
function appJson(a: SimApp) {
  return {
    id: a.id,
    ...(a.url ? { url: a.url } : {}),
    external: false,
    slug: a.slug,
    ...(a.display_name ? { display_name: a.display_name } : {}),
    subdomain: false,
    sharing_level: 'owner',
    health: 'disabled',
    hidden: false,
    open_in: 'slim-window',
    statuses: [],
  };
}

/** convertWorkspaceAgent's health: only a connected agent that is neither failing nor shutting down is healthy. */
function agentHealth(agent: SimAgent): { healthy: boolean; reason?: string } {
  if (agent.status !== 'connected') return { healthy: false, reason: 'agent is not connected' };
  if (agent.lifecycle_state === 'start_error')
    return { healthy: false, reason: 'agent startup script exited with an error' };
  if (['shutting_down', 'shutdown_timeout', 'shutdown_error', 'off'].includes(agent.lifecycle_state)) {
    return { healthy: false, reason: 'agent is shutting down' };
  }
  return { healthy: true };
}

function stamp(key: string, value: string | null): Record<string, string> {
  return value ? { [key]: value } : {};
}

/** codersdk.WorkspaceAgent; its timestamps are omitempty pointers in Go. */
export function agentJson(agent: SimAgent) {
  return {
    id: agent.id,
    created_at: agent.created_at,
    updated_at: agent.updated_at,
    ...stamp('first_connected_at', agent.first_connected_at),
    ...stamp('last_connected_at', agent.status === 'connected' ? new Date().toISOString() : agent.last_connected_at),
    ...stamp('disconnected_at', agent.disconnected_at),
    ...stamp('started_at', agent.started_at),
    ...stamp('ready_at', agent.ready_at),
    status: agent.status,
    lifecycle_state: agent.lifecycle_state,
    name: agent.name,
    resource_id: agent.resource_id,
    architecture: 'amd64',
    environment_variables: {},
    operating_system: 'linux',
    logs_length: agent.logs.reduce((n, l) => n + l.output.length, 0),
    logs_overflowed: false,
    directory: '/home/coder',
    expanded_directory: '/home/coder',
    version: 'v2.99.0-sim',
    api_version: '2.0',
    apps: agent.apps.map(appJson),
    connection_timeout_seconds: 120,
    troubleshooting_url: 'https://coder.com/docs/admin/templates/troubleshooting',
    subsystems: [],
    health: agentHealth(agent),
    display_apps: [],
    log_sources: [
      {
        id: STARTUP_SCRIPT_SOURCE,
        workspace_agent_id: agent.id,
        created_at: agent.created_at,
        display_name: 'Startup Script',
        icon: '/emojis/25b6-fe0f.png',
      },
    ],
    scripts: [],
    startup_script_behavior: 'non-blocking',
  };
}

/** coderd's workspace build status, derived from the job status and the transition. */
export function buildStatus(build: SimBuild): string {
  switch (build.job.status) {
    case 'pending':
      return 'pending';
    case 'running':
      return { start: 'starting', stop: 'stopping', delete: 'deleting' }[build.transition];
    case 'succeeded':
      return { start: 'running', stop: 'stopped', delete: 'deleted' }[build.transition];
    default:
      return build.job.status;
  }
}

/** codersdk.WorkspaceResource holding the build's one agent. */
function resourceJson(build: SimBuild) {
  return {
    id: build.agent.resource_id,
    created_at: build.job.completed_at ?? build.created_at,
    job_id: build.job.id,
    workspace_transition: build.transition,
    type: 'docker_container',
    name: 'main',
    hide: false,
    icon: '',
    agents: [agentJson(build.agent)],
    metadata: [],
    daily_cost: 0,
  };
}

/** codersdk.WorkspaceBuild. Resources appear once the job has succeeded: coderd inserts them at completion. */
export function buildJson(model: SimModel, build: SimBuild) {
  const ws = model.workspaces.get(build.workspace_id);
  const withResources = build.job.status === 'succeeded' && build.transition !== 'delete';
  return {
    id: build.id,
    created_at: build.created_at,
    updated_at: build.job.completed_at ?? build.job.started_at ?? build.created_at,
    workspace_id: build.workspace_id,
    workspace_name: ws?.name ?? '',
    workspace_owner_id: ws?.owner_id ?? '',
    workspace_owner_name: (ws && model.users.get(ws.owner_id)?.username) ?? '',
    workspace_owner_avatar_url: '',
    template_version_id: build.template_version_id,
    template_version_name: model.versions.get(build.template_version_id)?.name ?? '',
    build_number: build.build_number,
    transition: build.transition,
    initiator_id: build.initiator_id,
    initiator_name: model.users.get(build.initiator_id)?.username ?? '',
    job: jobJson(model, build.job),
    reason: 'initiator',
    resources: withResources ? [resourceJson(build)] : [],
    deadline: null,
    max_deadline: null,
    status: buildStatus(build),
    daily_cost: 0,
    template_version_preset_id: build.preset_id,
    has_external_agent: false,
  };
}

/** codersdk.Workspace (autostart_schedule and ttl_ms are omitempty pointers: absent here). */
export function workspaceJson(model: SimModel, ws: SimWorkspace) {
  const template = model.templates.get(ws.template_id);
  const build = model.latestBuild(ws);
  const agent = build.job.status === 'succeeded' && build.transition === 'start' ? build.agent : undefined;
  const failing = agent && !agentHealth(agent).healthy ? [agent.id] : [];
  const org = orgById(model, workspaceOrgId(model, ws)) ?? model.org;
  return {
    id: ws.id,
    created_at: ws.created_at,
    updated_at: build.created_at,
    owner_id: ws.owner_id,
    owner_name: model.users.get(ws.owner_id)?.username ?? '',
    owner_avatar_url: '',
    organization_id: org.id,
    organization_name: org.name,
    template_id: ws.template_id,
    template_name: template?.name ?? '',
    template_display_name: template?.display_name ?? '',
    template_icon: template?.icon ?? '',
    template_allow_user_cancel_workspace_jobs: false,
    template_active_version_id: template?.active_version_id ?? '',
    template_require_active_version: false,
    template_use_classic_parameter_flow: false,
    latest_build: buildJson(model, build),
    latest_app_status: null,
    outdated: template ? build.template_version_id !== template.active_version_id : false,
    name: ws.name,
    last_used_at: ws.last_used_at,
    deleting_at: null,
    dormant_at: null,
    health: { healthy: failing.length === 0, failing_agents: failing },
    automatic_updates: 'never',
    allow_renames: false,
    favorite: false,
    next_start_at: null,
    is_prebuild: false,
  };
}
