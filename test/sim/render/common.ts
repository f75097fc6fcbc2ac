/**
 * codersdk JSON for users and provisioner jobs. Fields that Go tags `omitempty` are left out when
 * empty, as encoding/json does, so clients see the same presence rules as with coderd.
 */
import { ZERO_UUID } from '../body';
import type { SimJob, SimModel, SimUser } from '../model';
import { organizationsOf } from '../orgs';

/** codersdk.User. */
export function userJson(model: SimModel, u: SimUser) {
  return {
    id: u.id,
    username: u.username,
    avatar_url: '',
    name: u.username,
    email: u.email,
    created_at: model.startedAt,
    updated_at: model.startedAt,
    last_seen_at: new Date().toISOString(),
    status: 'active',
    login_type: 'password',
    theme_preference: '',
    organization_ids: organizationsOf(model, u.id).map((o) => o.id),
    // Site roles only: "member" is implied and never listed; SlimRole.organization_id is omitempty.
    roles: u.roles === 'owner' ? [{ name: 'owner', display_name: 'Owner' }] : [],
  };
}

/** codersdk.MinimalUser. */
export function minimalUserJson(model: SimModel, id: string) {
  const u = model.users.get(id);
  return { id, username: u?.username ?? '', name: u?.username ?? '', avatar_url: '' };
}

/** codersdk.ProvisionerJobMetadata: the template (and workspace) a job belongs to. */
function jobMetadata(model: SimModel, job: SimJob) {
  const build = job.input.workspace_build_id ? model.findBuild(job.input.workspace_build_id) : undefined;
  const version = model.versions.get(build?.template_version_id ?? job.input.template_version_id ?? '');
  const template = model.templates.get(version?.template_id ?? '');
  const ws = build ? model.workspaces.get(build.workspace_id) : undefined;
  return {
    template_version_name: version?.name ?? '',
    template_id: template?.id ?? ZERO_UUID,
    template_name: template?.name ?? '',
    template_display_name: template?.display_name ?? '',
    template_icon: template?.icon ?? '',
    ...(ws ? { workspace_id: ws.id, workspace_name: ws.name } : {}),
  };
}

/** The one provisioner daemon that "runs" every simulated job. */
const WORKER_ID = '11111111-1111-4111-8111-111111111111';

/** codersdk.ProvisionerJob (started_at, completed_at, error and worker_id are omitempty). */
export function jobJson(model: SimModel, job: SimJob) {
  const queued = job.status === 'pending';
  return {
    id: job.id,
    created_at: job.created_at,
    ...(job.started_at ? { started_at: job.started_at } : {}),
    ...(job.completed_at ? { completed_at: job.completed_at } : {}),
    ...(job.error ? { error: job.error } : {}),
    status: job.status,
    ...(job.started_at ? { worker_id: WORKER_ID, worker_name: 'sim-provisioner' } : {}),
    file_id: job.file_id,
    tags: { owner: '', scope: 'organization' },
    queue_position: queued ? 1 : 0,
    queue_size: queued ? 1 : 0,
    organization_id: model.org.id,
    initiator_id: job.initiator_id,
    input: job.input,
    type: job.type,
    metadata: jobMetadata(model, job),
    logs_overflowed: false,
  };
}
