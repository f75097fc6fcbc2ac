/** The caller's organizations (coderd #29141, codersdk/toolsdk/organizations.go `ListOrganizations`). */
import * as z from 'zod';
import { LIST_ORGANIZATIONS_TOOL, listOrganizations as memberships, organizationSchema } from '../coder/organizations';
import { prefixed } from '../errors';
import { defineTool } from './types';

export const listOrganizations = defineTool({
  name: LIST_ORGANIZATIONS_TOOL,
  // coderd's description, word for word.
  description:
    'List organizations the authenticated user belongs to, including IDs, names, and display names. Membership does not grant permission to perform every organization-scoped action.',
  annotations: 'read',
  input: () => z.object({}),
  output: () => z.array(organizationSchema),
  handler: (_args, { coder }) => prefixed('list organizations', memberships(coder)),
});
