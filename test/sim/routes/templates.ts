/**
 * Templates (coderd/templates.go): list with `q=`, get, get by organization and name, create from an
 * imported version, promote a version (`PATCH /templates/{id}/versions`) and delete. Each template belongs
 * to one organization; callers outside it (not a member, not an owner) neither list nor find it.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Checks, goUuid, isZero, readJson, ZERO_UUID } from '../body';
import { parseTemplateQuery, type TemplateFilter } from '../filters';
import { badRequest, fail, notFound, ok, uuidParam, type RouteContext, type Router } from '../http';
import { now, type SimModel, type SimTemplate } from '../model';
import { displayNameValid, nameValid } from '../names';
import { callerOrg, canSeeTemplate, organizationFilter } from '../org-scope';
import { templateJson } from '../render/templates';
import { requireOwner } from './access';

const templateBody = z.object({
  name: z.string().default(''),
  display_name: z.string().default(''),
  description: z.string().default(''),
  icon: z.string().default(''),
  template_version_id: goUuid.optional(),
});

/** httpmw.ExtractTemplateParam: deleted templates, and templates outside the caller's organizations, are not found. */
export function liveTemplate(model: SimModel, ctx: RouteContext): SimTemplate {
  const t = model.templates.get(uuidParam(ctx, 'id'));
  if (!t || t.deleted || !canSeeTemplate(model, ctx.user, t)) throw notFound();
  return t;
}

function matches(t: SimTemplate, f: TemplateFilter, orgId: string | undefined): boolean {
  const name = t.name.toLowerCase();
  if (t.deleted !== f.deleted) return false;
  if (orgId && t.organization_id !== orgId) return false;
  if (f.exactName && name !== f.exactName) return false;
  if (f.name && !name.includes(f.name)) return false;
  // coderd matches a bare word against the display name; the simulator accepts the name too (older coderd did).
  if (f.displayName && !t.display_name.toLowerCase().includes(f.displayName) && !name.includes(f.displayName))
    return false;
  if (f.ids.length > 0 && !f.ids.includes(t.id)) return false;
  if (f.deprecated === true) return false;
  return true;
}

export function templateRoutes(router: Router, model: SimModel): void {
  router.get('/api/v2/templates', (ctx) => {
    const { filter, errors } = parseTemplateQuery(ctx.query.get('q') ?? '');
    if (errors.length > 0) throw badRequest('Invalid template search query.', errors);
    const orgId = organizationFilter(model, ctx.user, filter.organization);
    // GetAuthorizedTemplates: the query's conditions, within what the caller may read.
    const list = [...model.templates.values()]
      .filter((t) => canSeeTemplate(model, ctx.user, t) && matches(t, filter, orgId))
      .sort((a, b) => a.name.localeCompare(b.name));
    return ok(list.map((t) => templateJson(model, t)));
  });
  router.get('/api/v2/templates/:id', (ctx) => ok(templateJson(model, liveTemplate(model, ctx))));
  router.get('/api/v2/organizations/:org/templates/:name', (ctx) => {
    const org = callerOrg(model, ctx);
    const name = (ctx.params.name ?? '').toLowerCase();
    const t = [...model.templates.values()].find(
      (x) => !x.deleted && x.organization_id === org.id && x.name.toLowerCase() === name,
    );
    if (!t) throw notFound();
    return ok(templateJson(model, t));
  });

  router.delete('/api/v2/templates/:id', (ctx) => {
    const t = liveTemplate(model, ctx);
    requireOwner(ctx);
    if (model.liveWorkspaces().some((w) => w.template_id === t.id)) {
      throw badRequest('All workspaces must be deleted before a template can be removed.');
    }
    t.deleted = true;
    t.updated_at = now();
    return ok({ message: 'Template has been deleted!' });
  });

  router.patch('/api/v2/templates/:id/versions', (ctx) => {
    const t = liveTemplate(model, ctx);
    requireOwner(ctx);
    const { id } = readJson(ctx, z.object({ id: goUuid.optional() }), 'codersdk.UpdateActiveTemplateVersion');
    new Checks().expect(!isZero(id), 'id', 'required', id ?? ZERO_UUID).done();
    const v = model.versions.get(id ?? '');
    if (!v) throw fail(404, 'Template version not found.');
    if (v.template_id !== t.id)
      throw badRequest("The provided template version doesn't belong to the specified template.");
    if (v.job.status !== 'succeeded') {
      throw fail(403, 'Only versions that have been built successfully can be promoted.', {
        detail: `Attempted to promote a version with a ${v.job.status} build`,
      });
    }
    t.active_version_id = v.id;
    t.updated_at = now();
    return ok({ message: 'Updated the active template version!' });
  });

  router.post('/api/v2/organizations/:org/templates', (ctx) => createTemplate(ctx, model));
}

function createTemplate(ctx: RouteContext, model: SimModel) {
  const org = callerOrg(model, ctx);
  const body = readJson(ctx, templateBody, 'codersdk.CreateTemplateRequest');
  new Checks()
    .expect(nameValid(body.name), 'name', 'template_name', body.name)
    .expect(displayNameValid(body.display_name), 'display_name', 'template_display_name', body.display_name)
    .expect(body.description.length < 128, 'description', 'lt', body.description)
    .expect(!isZero(body.template_version_id), 'template_version_id', 'required', body.template_version_id ?? ZERO_UUID)
    .done();
  requireOwner(ctx);
  const lower = body.name.toLowerCase();
  // GetTemplateByOrganizationAndName: names are unique within an organization, not across them.
  if (
    [...model.templates.values()].some(
      (t) => !t.deleted && t.organization_id === org.id && t.name.toLowerCase() === lower,
    )
  ) {
    throw fail(409, `Template with name "${body.name}" already exists.`, {
      validations: [{ field: 'name', detail: 'This value is already in use and should be unique.' }],
    });
  }
  const versionId = body.template_version_id ?? ZERO_UUID;
  const v = model.versions.get(versionId);
  if (!v) {
    throw fail(404, `Template version "${versionId}" does not exist.`, {
      validations: [{ field: 'template_version_id', detail: 'Template version does not exist' }],
    });
  }
  if (v.template_id) {
    throw badRequest(`Template version ${versionId} is already part of a template`, [
      { field: 'template_version_id', detail: 'Template version is already part of a template' },
    ]);
  }
  // A simulator rule (not found in coderd's handler): a template needs a version that imported successfully.
  if (v.job.status !== 'succeeded') {
    throw badRequest('The provided template version has failed to import or has not finished importing.', [
      { field: 'template_version_id', detail: `Template version import job is ${v.job.status}` },
    ]);
  }
  const at = now();
  const t: SimTemplate = {
    id: randomUUID(),
    organization_id: org.id,
    name: body.name,
    display_name: body.display_name,
    description: body.description,
    icon: body.icon,
    active_version_id: v.id,
    created_at: at,
    updated_at: at,
    created_by: ctx.user.id,
    deleted: false,
  };
  model.templates.set(t.id, t);
  v.template_id = t.id;
  v.updated_at = at;
  return ok(templateJson(model, t), 201);
}
