/**
 * Which organization templates, versions and workspaces belong to, and who may reach them there, as
 * coderd's RBAC decides it through dbauthz: site owners reach every organization; anyone else only the
 * organizations they are a member of, and what is outside them is not found (404), never forbidden, so
 * existence does not leak. Memberships themselves live in ./orgs.
 */
import { badRequest, isUuid, notFound, type RouteContext } from './http';
import type { Organization, SimModel, SimTemplate, SimUser, SimWorkspace } from './model';
import { isMember } from './orgs';
import { resolveOrg } from './routes/access';

export function orgById(model: SimModel, id: string): Organization | undefined {
  return id === model.org.id ? model.org : model.extraOrgs.get(id);
}

/** RBAC read of an organization's resources: the owner role, or a membership. */
export function canReachOrg(model: SimModel, user: SimUser, orgId: string): boolean {
  return user.roles === 'owner' || isMember(model, user.id, orgId);
}

export function canSeeTemplate(model: SimModel, user: SimUser, t: SimTemplate): boolean {
  return canReachOrg(model, user, t.organization_id);
}

/**
 * httpmw.ExtractOrganizationParam: the `{organization}` path parameter by UUID or name; dbauthz's
 * GetOrganizationByID refuses a caller who may not read it, which the middleware answers as not found.
 */
export function callerOrg(model: SimModel, ctx: RouteContext): Organization {
  const org = resolveOrg(model, ctx.params.org ?? '');
  if (!canReachOrg(model, ctx.user, org.id)) throw notFound();
  return org;
}

/** httpmw.ExtractOrganizationMemberParam: the `{user}` of an organization route must be a member of it. */
export function requireMember(model: SimModel, org: Organization, user: SimUser): void {
  if (!isMember(model, user.id, org.id)) throw notFound();
}

/** A workspace lives in its template's organization (coderd's createWorkspace stores template.OrganizationID). */
export function workspaceOrgId(model: SimModel, ws: SimWorkspace): string {
  return model.templates.get(ws.template_id)?.organization_id ?? model.org.id;
}

/**
 * searchquery `parseOrganization` for `organization:` in a template query: a UUID as is, else an
 * organization name the caller may read; anything else is a validation error in coderd's words.
 */
export function organizationFilter(model: SimModel, user: SimUser, value: string): string | undefined {
  if (value === '') return undefined;
  if (isUuid(value)) return value.toLowerCase();
  const org = [model.org, ...model.extraOrgs.values()].find((o) => o.name === value && canReachOrg(model, user, o.id));
  if (!org) {
    throw badRequest('Invalid template search query.', [
      {
        field: 'organization',
        detail: `Query param "organization" has invalid value: organization ${JSON.stringify(value)} either does not exist, or you are unauthorized to view it`,
      },
    ]);
  }
  return org.id;
}
