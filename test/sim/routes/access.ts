/**
 * Who may see and change what, as the simulator's two roles approximate coderd's RBAC: owners see and
 * manage everything; members see templates, users and only their own workspaces. Also the path
 * parameters that name a user or an organization (httpmw's user and organization params).
 */
import { forbidden, notFound, type RouteContext } from '../http';
import type { Organization, SimModel, SimUser, SimWorkspace } from '../model';

export function canSee(user: SimUser, ws: SimWorkspace): boolean {
  return user.roles === 'owner' || ws.owner_id === user.id;
}

/** Template and template version changes need template-admin permissions, which only owners have here. */
export function requireOwner(ctx: RouteContext): void {
  if (ctx.user.roles !== 'owner') throw forbidden();
}

/** httpmw.ExtractUserParam: `me`, a UUID or a username; unknown → 404. */
export function resolveUser(model: SimModel, caller: SimUser, ref: string): SimUser {
  if (ref === 'me') return caller;
  const user = model.users.get(ref.toLowerCase()) ?? model.userByName(ref);
  if (!user) throw notFound();
  return user;
}

/** httpmw.ExtractOrganizationParam: the organization's UUID or name. */
export function resolveOrg(model: SimModel, ref: string): Organization {
  if (ref.toLowerCase() === model.org.id || ref === model.org.name) return model.org;
  for (const org of model.extraOrgs.values()) if (ref.toLowerCase() === org.id || ref === org.name) return org;
  throw notFound();
}
