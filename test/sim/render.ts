/** The simulator's objects rendered as coderd's JSON (codersdk field names and shapes). */
import type { SimAgent, SimBuild, SimJob, SimModel, SimTemplate, SimUser, SimVersion, SimWorkspace } from './model';

export function userJson(model: SimModel, u: SimUser) {
  return {
    id: u.id,
    username: u.username,
    name: u.username,
    email: u.email,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    last_seen_at: new Date().toISOString(),
    status: 'active',
    login_type: 'password',
    theme_preference: '',
    organization_ids: [model.org.id],
    roles: u.roles === 'owner' ? [{ name: 'owner', display_name: 'Owner', organization_id: '' }] : [],
    avatar_url: '',
  };
}

export function jobJson(model: SimModel, job: SimJob) {
  return {
    id: job.id,
    created_at: job.created_at,
    started_at: job.started_at,
    completed_at: job.completed_at,
    status: job.status,
    error: job.error || undefined,
    file_id: job.file_id,
    tags: { scope: 'organization', owner: '' },
    queue_position: 0,
    queue_size: 0,
    organization_id: model.org.id,
    type: job.type,
    worker_id: job.started_at ? '11111111-1111-4111-8111-111111111111' : undefined,
  };
}

export function agentJson(agent: SimAgent) {
  return {
    id: agent.id,
    created_at: agent.created_at,
    updated_at: agent.created_at,
    first_connected_at: agent.status === 'connected' ? agent.created_at : null,
    last_connected_at: agent.status === 'connected' ? new Date().toISOString() : null,
    disconnected_at: agent.status === 'disconnected' ? agent.created_at : null,
    started_at: agent.lifecycle_state === 'ready' ? agent.created_at : null,
    ready_at: agent.lifecycle_state === 'ready' ? agent.created_at : null,
    status: agent.status,
    lifecycle_state: agent.lifecycle_state,
    name: agent.name,
    resource_id: agent.resource_id,
    instance_id: '',
    architecture: 'amd64',
    environment_variables: {},
    operating_system: 'linux',
    logs_length: agent.logs.length,
    logs_overflowed: false,
    directory: '/home/coder',
    expanded_directory: '/home/coder',
    version: 'v2.99.0-sim',
    api_version: '2.0',
    apps: agent.apps.map((a) => ({
      id: a.id,
      url: a.url,
      external: false,
      slug: a.slug,
      display_name: a.display_name,
      command: '',
      icon: '',
      subdomain: false,
      sharing_level: 'owner',
      health: 'disabled',
      hidden: false,
      open_in: 'slim-window',
    })),
    latency: {},
    connection_timeout_seconds: 120,
    troubleshooting_url: '',
    subsystems: [],
    health: agent.status === 'connected' ? { healthy: true } : { healthy: false, reason: `agent is ${agent.status}` },
    display_apps: [],
  };
}

/** coderd's workspace build status, derived from the job and the transition. */
export function buildStatus(build: SimBuild): string {
  const { status } = build.job;
  if (status === 'pending') return 'pending';
  if (status === 'failed') return 'failed';
  if (status === 'canceled') return 'canceled';
  if (status === 'running') return { start: 'starting', stop: 'stopping', delete: 'deleting' }[build.transition];
  return { start: 'running', stop: 'stopped', delete: 'deleted' }[build.transition];
}

export function buildJson(model: SimModel, build: SimBuild) {
  const ws = model.workspaces.get(build.workspace_id);
  const owner = ws ? model.users.get(ws.owner_id) : undefined;
  const initiator = model.users.get(build.initiator_id);
  const version = model.versions.get(build.template_version_id);
  return {
    id: build.id,
    created_at: build.created_at,
    updated_at: build.job.completed_at ?? build.created_at,
    workspace_id: build.workspace_id,
    workspace_name: ws?.name ?? '',
    workspace_owner_id: ws?.owner_id ?? '',
    workspace_owner_name: owner?.username ?? '',
    template_version_id: build.template_version_id,
    template_version_name: version?.name ?? '',
    build_number: build.build_number,
    transition: build.transition,
    initiator_id: build.initiator_id,
    initiator_name: initiator?.username ?? '',
    job: jobJson(model, build.job),
    reason: 'initiator',
    resources: [
      {
        id: build.agent.resource_id,
        created_at: build.created_at,
        job_id: build.job.id,
        workspace_transition: build.transition,
        type: 'docker_container',
        name: 'main',
        hide: false,
        icon: '',
        agents: [agentJson(build.agent)],
        metadata: [],
        daily_cost: 0,
      },
    ],
    deadline: null,
    max_deadline: null,
    status: buildStatus(build),
    daily_cost: 0,
    template_version_preset_id: build.preset_id,
  };
}

export function workspaceJson(model: SimModel, ws: SimWorkspace) {
  const owner = model.users.get(ws.owner_id);
  const template = model.templates.get(ws.template_id);
  const build = model.latestBuild(ws);
  return {
    id: ws.id,
    created_at: ws.created_at,
    updated_at: build.created_at,
    owner_id: ws.owner_id,
    owner_name: owner?.username ?? '',
    owner_avatar_url: '',
    organization_id: model.org.id,
    organization_name: model.org.name,
    template_id: ws.template_id,
    template_name: template?.name ?? '',
    template_display_name: template?.display_name ?? '',
    template_icon: template?.icon ?? '',
    template_allow_user_cancel_workspace_jobs: false,
    template_active_version_id: template?.active_version_id ?? '',
    template_require_active_version: false,
    latest_build: buildJson(model, build),
    latest_app_status: null,
    outdated: template ? build.template_version_id !== template.active_version_id : false,
    name: ws.name,
    autostart_schedule: null,
    ttl_ms: null,
    last_used_at: build.created_at,
    deleting_at: null,
    dormant_at: null,
    health: { healthy: build.agent.status === 'connected', failing_agents: build.agent.status === 'connected' ? [] : [build.agent.id] },
    automatic_updates: 'never',
    allow_renames: false,
    favorite: false,
    next_start_at: null,
    is_prebuild: false,
  };
}

export function templateJson(model: SimModel, t: SimTemplate) {
  const creator = model.users.get(t.created_by);
  return {
    id: t.id,
    created_at: t.created_at,
    updated_at: t.created_at,
    organization_id: model.org.id,
    organization_name: model.org.name,
    organization_display_name: model.org.display_name,
    organization_icon: '',
    name: t.name,
    display_name: t.display_name,
    provisioner: 'terraform',
    active_version_id: t.active_version_id,
    active_user_count: new Set(model.liveWorkspaces().filter((w) => w.template_id === t.id).map((w) => w.owner_id)).size,
    build_time_stats: { start: { P50: null, P95: null }, stop: { P50: null, P95: null }, delete: { P50: null, P95: null } },
    description: t.description,
    deprecated: false,
    deprecation_message: '',
    icon: t.icon,
    default_ttl_ms: 0,
    activity_bump_ms: 3600000,
    autostop_requirement: { days_of_week: [], weeks: 1 },
    autostart_requirement: { days_of_week: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] },
    created_by_id: t.created_by,
    created_by_name: creator?.username ?? '',
    allow_user_autostart: true,
    allow_user_autostop: true,
    allow_user_cancel_workspace_jobs: false,
    failure_ttl_ms: 0,
    time_til_dormant_ms: 0,
    time_til_dormant_autodelete_ms: 0,
    require_active_version: false,
    max_port_share_level: 'owner',
    cors_behavior: 'simple',
    use_classic_parameter_flow: false,
    agents_allowed: true,
  };
}

export function versionJson(model: SimModel, v: SimVersion) {
  const creator = model.users.get(v.created_by);
  return {
    id: v.id,
    template_id: v.template_id,
    organization_id: v.organization_id,
    created_at: v.created_at,
    updated_at: v.created_at,
    name: v.name,
    message: v.message,
    job: jobJson(model, v.job),
    readme: '',
    created_by: { id: v.created_by, username: creator?.username ?? '', name: creator?.username ?? '', avatar_url: '' },
    archived: false,
    warnings: [],
    matched_provisioners: { count: 1, available: 1 },
  };
}

export function parameterJson(p: SimVersion['parameters'][number]) {
  return {
    name: p.name,
    display_name: p.name,
    description: p.description,
    description_plaintext: p.description,
    type: p.type,
    form_type: p.options.length > 0 ? 'dropdown' : 'input',
    mutable: p.mutable,
    default_value: p.default_value,
    icon: '',
    options: p.options,
    validation_error: '',
    validation_regex: '',
    validation_min: null,
    validation_max: null,
    validation_monotonic: '',
    required: p.required,
    ephemeral: false,
  };
}
