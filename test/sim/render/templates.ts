/** codersdk JSON for templates, template versions and their rich parameters. */
import type { SimModel, SimParameter, SimTemplate, SimVersion } from '../model';
import { orgById } from '../org-scope';
import { jobJson, minimalUserJson } from './common';

const NO_STATS = { P50: null, P95: null };
const ALL_DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** codersdk.Template. */
export function templateJson(model: SimModel, t: SimTemplate) {
  const owners = new Set(
    model
      .liveWorkspaces()
      .filter((w) => w.template_id === t.id)
      .map((w) => w.owner_id),
  );
  const org = orgById(model, t.organization_id) ?? model.org;
  return {
    id: t.id,
    created_at: t.created_at,
    updated_at: t.updated_at,
    organization_id: org.id,
    organization_name: org.name,
    organization_display_name: org.display_name,
    organization_icon: '',
    name: t.name,
    display_name: t.display_name,
    provisioner: 'terraform',
    active_version_id: t.active_version_id,
    active_user_count: owners.size,
    build_time_stats: { start: NO_STATS, stop: NO_STATS, delete: NO_STATS },
    description: t.description,
    deprecated: false,
    deprecation_message: '',
    icon: t.icon,
    default_ttl_ms: 0,
    activity_bump_ms: 3600000,
    autostop_requirement: { days_of_week: [], weeks: 1 },
    autostart_requirement: { days_of_week: ALL_DAYS },
    created_by_id: t.created_by,
    created_by_name: model.users.get(t.created_by)?.username ?? '',
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

/** codersdk.TemplateVersion (template_id is an omitempty pointer: absent until the version joins a template). */
export function versionJson(model: SimModel, v: SimVersion) {
  return {
    id: v.id,
    ...(v.template_id ? { template_id: v.template_id } : {}),
    organization_id: v.organization_id,
    created_at: v.created_at,
    updated_at: v.updated_at,
    name: v.name,
    message: v.message,
    job: jobJson(model, v.job),
    readme: v.readme,
    created_by: minimalUserJson(model, v.created_by),
    archived: false,
    ...(v.job.status === 'pending'
      ? { matched_provisioners: { count: 1, available: 1, most_recently_seen: new Date().toISOString() } }
      : {}),
    has_external_agent: false,
  };
}

/** codersdk.TemplateVersionParameter (the validation_* fields are omitempty in Go and unset here). */
export function parameterJson(p: SimParameter) {
  return {
    name: p.name,
    display_name: p.display_name,
    description: p.description,
    description_plaintext: p.description,
    type: p.type,
    form_type: p.options.length > 0 ? 'dropdown' : 'input',
    mutable: p.mutable,
    default_value: p.default_value,
    icon: '',
    options: p.options,
    required: p.required,
    ephemeral: false,
  };
}
