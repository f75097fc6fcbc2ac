/**
 * Organization membership (coderd/organizations.go, codersdk.Organization): every user belongs to the
 * default organization `coder`; tests add further organizations with the members they name, which is
 * what the "several memberships" rules of organization-scoped tools need.
 */
import { randomUUID } from 'node:crypto';
import type { Organization, SimModel } from './model';

/** The user's organizations, the default one first. */
export function organizationsOf(model: SimModel, userId: string): Organization[] {
  return [model.org, ...[...model.extraOrgs.values()].filter((o) => model.orgMembers.get(o.id)?.has(userId) === true)];
}

export function isMember(model: SimModel, userId: string, orgId: string): boolean {
  return organizationsOf(model, userId).some((o) => o.id === orgId);
}

/** A new organization whose members are the given user ids. */
export function addOrganization(model: SimModel, name: string, memberIds: string[]): Organization {
  const org: Organization = { id: randomUUID(), name, display_name: name.charAt(0).toUpperCase() + name.slice(1) };
  model.extraOrgs.set(org.id, org);
  model.orgMembers.set(org.id, new Set(memberIds));
  return org;
}

/** codersdk.Organization. */
export function organizationJson(model: SimModel, org: Organization) {
  return {
    id: org.id,
    name: org.name,
    display_name: org.display_name,
    description: '',
    icon: '',
    created_at: model.startedAt,
    updated_at: model.startedAt,
    is_default: org.id === model.org.id,
  };
}
