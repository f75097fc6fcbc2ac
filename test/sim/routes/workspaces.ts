/**
 * Workspaces: the list with `q=` filters, lookups by id and by owner/name, and creation
 * (coderd/workspaces.go), whose first build is a start that runs like any other.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { checkVersion, type Builds } from '../builds';
import { Checks, goUuid, isZero, readJson, ZERO_UUID } from '../body';
import { parseWorkspaceQuery, type WorkspaceFilter } from '../filters';
import { badRequest, fail, includeDeleted, notFound, ok, uuidParam, type RouteContext, type Router } from '../http';
import { now, type SimModel, type SimTemplate, type SimUser, type SimWorkspace } from '../model';
import { nameValid } from '../names';
import { callerOrg, canReachOrg, canSeeTemplate, requireMember } from '../org-scope';
import { buildStatus, workspaceJson } from '../render/workspaces';
import { canSee, resolveUser } from './access';

export { canSee } from './access';

const createBody = z.object({
  name: z.string().default(''),
  template_id: goUuid.optional(),
  template_version_id: goUuid.optional(),
  template_version_preset_id: goUuid.optional(),
  rich_parameter_values: z.array(z.object({ name: z.string(), value: z.string() })).nullish(),
  autostart_schedule: z.string().nullish(),
  ttl_ms: z.number().nullish(),
  automatic_updates: z.string().optional(),
});

/** A workspace the caller may see. A deleted one is 410 on GET (unless allowed) and 404 otherwise. */
export function visibleWorkspace(
  model: SimModel,
  ctx: RouteContext,
  opts: { allowDeleted?: boolean } = {},
): SimWorkspace {
  const ws = model.workspaces.get(uuidParam(ctx, 'id'));
  if (!ws || !canSee(ctx.user, ws)) throw notFound();
  if (ws.deleted && !opts.allowDeleted) {
    if (ctx.method !== 'GET') throw notFound();
    throw fail(
      410,
      `Workspace "${ws.id}" was deleted, you can view this workspace by specifying '?deleted=true' and trying again.`,
    );
  }
  return ws;
}

export function workspaceRoutes(router: Router, model: SimModel, builds: Builds): void {
  router.get('/api/v2/workspaces', (ctx) => listWorkspaces(ctx, model));
  router.get('/api/v2/workspaces/:id', (ctx) => {
    const ws = visibleWorkspace(model, ctx, { allowDeleted: includeDeleted(ctx, 'deleted') });
    return ok(workspaceJson(model, ws));
  });
  router.get('/api/v2/users/:user/workspace/:name', (ctx) => {
    const owner = resolveUser(model, ctx.user, ctx.params.user ?? '');
    const withDeleted = includeDeleted(ctx, 'include_deleted');
    const name = (ctx.params.name ?? '').toLowerCase();
    const named = [...model.workspaces.values()].filter(
      (w) => w.owner_id === owner.id && w.name.toLowerCase() === name,
    );
    // The live workspace of that name wins; a deleted one only when asked for.
    const ws = named.find((w) => !w.deleted) ?? (withDeleted ? named[named.length - 1] : undefined);
    if (!ws || !canSee(ctx.user, ws)) throw notFound();
    return ok(workspaceJson(model, ws));
  });
  router.post('/api/v2/users/:user/workspaces', (ctx) => createWorkspace(ctx, model, builds));
  // The deprecated route: the organization and membership are checked, then the template's organization is used all the same.
  router.post('/api/v2/organizations/:org/members/:user/workspaces', (ctx) => {
    requireMember(model, callerOrg(model, ctx), resolveUser(model, ctx.user, ctx.params.user ?? ''));
    return createWorkspace(ctx, model, builds);
  });
}

function listWorkspaces(ctx: RouteContext, model: SimModel) {
  const { filter, errors } = parseWorkspaceQuery(ctx.query.get('q') ?? '');
  if (errors.length > 0) throw badRequest('Invalid workspace search query.', errors);
  const { offset, limit } = pagination(ctx);
  const all = model
    .liveWorkspaces()
    .filter((w) => canSee(ctx.user, w) && matches(model, ctx.user, w, filter))
    .sort((a, b) => ownerName(model, a).localeCompare(ownerName(model, b)) || a.name.localeCompare(b.name));
  const page = all.slice(offset, limit > 0 ? offset + limit : undefined);
  return ok({ workspaces: page.map((w) => workspaceJson(model, w)), count: all.length });
}

function ownerName(model: SimModel, w: SimWorkspace): string {
  return model.users.get(w.owner_id)?.username.toLowerCase() ?? '';
}

/** GetWorkspaces' conditions for the filters the simulator supports (values arrive lowercased). */
function matches(model: SimModel, user: SimUser, w: SimWorkspace, f: WorkspaceFilter): boolean {
  const build = model.latestBuild(w);
  const template = model.templates.get(w.template_id);
  if (f.ids.length > 0 && !f.ids.includes(w.id)) return false;
  if (f.owner) {
    const ownerId = f.owner === 'me' ? user.id : model.userByName(f.owner)?.id;
    if (w.owner_id !== ownerId) return false;
  }
  if (f.name && !w.name.toLowerCase().includes(f.name)) return false;
  if (f.template && template?.name.toLowerCase() !== f.template) return false;
  if (f.status && buildStatus(build) !== f.status) return false;
  if (f.hasAgent && (build.transition !== 'start' || build.agent.status !== f.hasAgent)) return false;
  if (f.outdated !== undefined && (build.template_version_id !== template?.active_version_id) !== f.outdated)
    return false;
  return true;
}

/** ParsePagination: `limit` and `offset` as non-negative integers. */
function pagination(ctx: RouteContext): { offset: number; limit: number } {
  const read = (key: string) => {
    const raw = ctx.query.get(key) ?? '';
    if (raw === '') return 0;
    if (!/^\d+$/.test(raw)) {
      throw badRequest('Query parameters have invalid values.', [
        {
          field: key,
          detail: `Query param "${key}" must be a valid positive integer (strconv.ParseUint: parsing "${raw}": invalid syntax)`,
        },
      ]);
    }
    return Number(raw);
  };
  return { offset: read('offset'), limit: read('limit') };
}

/** requestTemplate: the template named directly or through the version; what the caller cannot read does not exist (dbauthz). */
function requestTemplate(model: SimModel, user: SimUser, body: z.infer<typeof createBody>): SimTemplate {
  let templateId = body.template_id ?? ZERO_UUID;
  if (isZero(templateId)) {
    const versionId = body.template_version_id ?? ZERO_UUID;
    const version = model.versions.get(versionId);
    if (!version || !canReachOrg(model, user, version.organization_id)) {
      throw badRequest(`Template version "${versionId}" doesn't exist.`, [
        { field: 'template_version_id', detail: 'template not found' },
      ]);
    }
    templateId = version.template_id ?? ZERO_UUID;
  }
  const template = model.templates.get(templateId);
  if (!template || !canSeeTemplate(model, user, template))
    throw badRequest(`Template "${templateId}" doesn't exist.`, [
      { field: 'template_id', detail: 'template not found' },
    ]);
  if (template.deleted) throw fail(404, `Template "${template.name}" has been deleted!`);
  return template;
}

function createWorkspace(ctx: RouteContext, model: SimModel, builds: Builds) {
  const owner = resolveUser(model, ctx.user, ctx.params.user ?? '');
  const body = readJson(ctx, createBody, 'codersdk.CreateWorkspaceRequest');
  new Checks()
    .exactlyOne(
      { field: 'template_id', value: body.template_id },
      { field: 'template_version_id', value: body.template_version_id },
    )
    .expect(nameValid(body.name), 'name', 'workspace_name', body.name)
    .done();
  const template = requestTemplate(model, ctx.user, body);
  if (owner.id !== ctx.user.id && ctx.user.roles !== 'owner') {
    throw fail(403, 'Unauthorized to create workspace.', {
      detail:
        'You are unable to create a workspace in this organization. It is possible to have access to the template, but not be able to create a workspace. Please contact an administrator about your permissions if you feel this is an error.',
    });
  }
  const lower = body.name.toLowerCase();
  if (model.liveWorkspaces().some((w) => w.owner_id === owner.id && w.name.toLowerCase() === lower)) {
    throw fail(409, `Workspace "${body.name}" already exists.`, {
      validations: [{ field: 'name', detail: 'This value is already in use and should be unique.' }],
    });
  }
  const versionId = isZero(body.template_version_id)
    ? template.active_version_id
    : (body.template_version_id ?? ZERO_UUID);
  checkVersion(template, model.versions.get(versionId));
  const at = now();
  const ws: SimWorkspace = {
    id: randomUUID(),
    name: body.name,
    owner_id: owner.id,
    template_id: template.id,
    created_at: at,
    last_used_at: at,
    builds: [],
    deleted: false,
  };
  model.workspaces.set(ws.id, ws);
  const presetId = isZero(body.template_version_preset_id) ? null : (body.template_version_preset_id ?? null);
  builds.create(ws, ctx.user, {
    transition: 'start',
    versionId,
    presetId,
    parameters: body.rich_parameter_values ?? [],
  });
  return ok(workspaceJson(model, ws), 201);
}
