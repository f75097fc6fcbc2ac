/**
 * The organization a new chat belongs to, by coderd's rule for organization-scoped tools (#29141,
 * codersdk/toolsdk/organizations.go `resolveOrganization`): the one given; else the caller's only
 * membership; with none or several, an error. Where coderd's text points at coder_list_organizations,
 * ours also lists the memberships (`GET /api/v2/users/me/organizations`), so a model can pick one at once.
 */
import { z } from 'zod';
import type { CoderClient } from '../coder/client';
import { userSchema, ZERO_UUID } from '../coder/schemas';
import { requireUuid } from '../coder/uuid';
import { InvalidArgumentError, ResourceError } from '../errors';
import { step } from './chats-status';

const organizationsSchema = z.array(z.looseObject({ id: z.string(), name: z.string() })).nullable();

export async function resolveOrganization(coder: CoderClient, organizationId: string | undefined): Promise<string> {
  if (organizationId) {
    const id = requireUuid('organization_id', organizationId);
    if (id === ZERO_UUID) throw new InvalidArgumentError('organization_id must be a valid nonzero UUID');
    return id;
  }
  const me = await step('resolve organization: get authenticated user', coder.get('/api/v2/users/me', userSchema));
  const ids = me.organization_ids ?? [];
  const [only] = ids;
  if (ids.length === 1 && only) return only;
  if (ids.length === 0) {
    throw new ResourceError('organization_id is required because you belong to no organizations; use coder_list_organizations to inspect organization membership details');
  }
  throw new ResourceError(`organization_id is required because you belong to multiple organizations: ${await describe(coder, ids)}; pass one of their IDs as organization_id`);
}

/** `"name" (<id>)` for each membership; the bare ids when the names cannot be read. */
async function describe(coder: CoderClient, ids: readonly string[]): Promise<string> {
  try {
    const orgs = (await coder.get('/api/v2/users/me/organizations', organizationsSchema)) ?? [];
    if (orgs.length > 0) return orgs.map((o) => `${JSON.stringify(o.name)} (${o.id})`).join(', ');
  } catch {
    // The list is a courtesy: the ids alone still let the caller choose.
  }
  return ids.join(', ');
}
