/**
 * Organizations as coderd's tools use them since coderd #29141 ("standardize org use in the mcp server
 * tools", codersdk/toolsdk/organizations.go): the caller's memberships (`GET /users/me/organizations`)
 * and the one organization an organization-scoped tool acts in (`resolveOrganization`).
 */
import * as z from 'zod';
import { InvalidArgumentError, prefixed } from '../errors';
import type { CoderClient } from './client';
import { userSchema, ZERO_UUID } from './schemas';
import { isUuid } from './uuid';

/** The tool that lists memberships; the resolution errors point to it, as coderd's do. */
export const LIST_ORGANIZATIONS_TOOL = 'coder_list_organizations';

/** codersdk.Organization. Loose: coder_list_organizations returns Coder's objects whole, and newer coderd adds fields. */
export const organizationSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  display_name: z.string(),
  description: z.string().optional(),
  icon: z.string().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  is_default: z.boolean().optional(),
});
export type Organization = z.infer<typeof organizationSchema>;

/** `GET /users/{user}/organizations`: coderd answers `null` for a nil slice. */
const membershipsSchema = z.array(organizationSchema).nullable();

/** The caller's organizations, `[]` rather than `null` (toolsdk `ListOrganizations` does the same). */
export async function listOrganizations(coder: CoderClient): Promise<Organization[]> {
  return (await coder.get('/api/v2/users/me/organizations', membershipsSchema)) ?? [];
}

/** The argument every organization-scoped tool takes, always optional (coderd #29141). */
export const organizationIdArgument = z
  .string()
  .optional()
  .describe(
    `(Optional) ID of the organization to use. Needed only when you belong to more than one organization; ${LIST_ORGANIZATIONS_TOOL} lists yours. When left out, your only organization is used.`,
  );

/**
 * The organization a tool acts in, by coderd's rule (toolsdk `resolveOrganization`): the one given,
 * checked only for form (whether the caller may use it is Coder's answer to the call that follows, as
 * with coderd); else the caller's only membership; with none or several, an error in coderd's words.
 * With several we also name them, so that a model can choose at once (and still can when a tool filter
 * hides coder_list_organizations).
 */
export async function resolveOrganization(coder: CoderClient, organizationId: string | undefined): Promise<string> {
  if (organizationId) {
    if (!isUuid(organizationId)) throw new InvalidArgumentError('organization_id must be a valid UUID');
    const id = organizationId.toLowerCase();
    if (id === ZERO_UUID) throw new InvalidArgumentError('organization_id must be a valid nonzero UUID');
    return id;
  }
  const me = await prefixed('resolve organization: get authenticated user', coder.get('/api/v2/users/me', userSchema));
  const ids = me.organization_ids ?? [];
  const [only] = ids;
  if (ids.length === 1 && only) return only;
  if (ids.length === 0) {
    throw new InvalidArgumentError(
      `organization_id is required because you belong to no organizations; use ${LIST_ORGANIZATIONS_TOOL} to inspect organization membership details`,
    );
  }
  throw new InvalidArgumentError(
    `organization_id is required because you belong to multiple organizations; use ${LIST_ORGANIZATIONS_TOOL} to obtain organization IDs and details. Your organizations: ${await describeMemberships(coder, ids)}`,
  );
}

/** `"name" (<id>)` for each membership, or the bare ids when the names cannot be read: the list is a courtesy. */
async function describeMemberships(coder: CoderClient, ids: readonly string[]): Promise<string> {
  try {
    const byId = new Map((await listOrganizations(coder)).map((o) => [o.id, o.name]));
    return ids.map((id) => (byId.has(id) ? `${JSON.stringify(byId.get(id))} (${id})` : id)).join(', ');
  } catch {
    return ids.join(', ');
  }
}
