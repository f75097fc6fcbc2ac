/** Control-plane workspace tools: list, get, create, and build (start/stop/delete). */
import * as z from 'zod';
import type { CoderClient } from '../coder/client';
import { organizationIdArgument, resolveOrganization } from '../coder/organizations';
import { buildSchema, workspaceSchema, workspacesResponseSchema } from '../coder/schemas';
import { requireUuid } from '../coder/uuid';
import { normalizeWorkspaceInput, resolveWorkspace } from '../coder/workspaces';
import { InvalidArgumentError, ResourceError } from '../errors';
import { minimalWorkspace } from './results';
import { defineTool } from './types';

const richParameters = z.record(z.string(), z.string());

function toParameterValues(params: Record<string, string> | undefined): { name: string; value: string }[] {
  return Object.entries(params ?? {}).map(([name, value]) => ({ name, value }));
}

export const listWorkspaces = defineTool({
  name: 'coder_list_workspaces',
  description: 'List the workspaces of a user (the authenticated user unless another owner is given).',
  annotations: 'read',
  input: () =>
    z.object({
      owner: z
        .string()
        .optional()
        .describe(
          'Owner of the workspaces to list. Use "me" for the authenticated user; "me" is assumed when left out.',
        ),
    }),
  output: () => z.array(minimalWorkspace),
  handler: async ({ owner }, { coder }) => {
    const q = `owner:${JSON.stringify(owner || 'me')}`;
    const res = await coder.get('/api/v2/workspaces', workspacesResponseSchema, { q });
    return (res.workspaces ?? []).map((w) => ({
      id: w.id,
      name: w.name,
      organization_id: w.organization_id,
      template_id: w.template_id,
      template_name: w.template_name,
      template_display_name: w.template_display_name,
      template_icon: w.template_icon,
      template_active_version_id: w.template_active_version_id,
      outdated: w.outdated,
    }));
  },
});

export const getWorkspace = defineTool({
  name: 'coder_get_workspace',
  description:
    'Get a workspace by ID or name. Accepts a UUID, a name, "owner/name" or "owner--name".\n\nReturns more detail than coder_list_workspaces; use it when you need the build, resources or agents.',
  annotations: 'read',
  input: () =>
    z.object({
      workspace_id: z.string().describe('The workspace UUID, or its name as "name", "owner/name" or "owner--name".'),
    }),
  output: () => workspaceSchema,
  handler: async ({ workspace_id }, { coder }) => {
    if (!workspace_id) throw new InvalidArgumentError('workspace_id cannot be empty');
    const [ref = ''] = normalizeWorkspaceInput(workspace_id).split('.');
    return resolveWorkspace(coder, ref);
  },
});

export const createWorkspace = defineTool({
  name: 'coder_create_workspace',
  description: `Create a workspace from a template.

Confirm the template (and its parameters, see coder_get_template) with the user before creating.
When someone asks to "test a template" they usually mean creating a workspace from it to check that
the infrastructure is provisioned and the agent connects. After creating, watch the build with
coder_get_workspace_build_logs.`,
  annotations: 'mutation',
  input: () =>
    z.object({
      user: z.string().describe('Username or ID of the owner. Use "me" (or "") for the authenticated user.'),
      name: z.string().describe('Name of the new workspace.'),
      rich_parameters: richParameters.describe('Parameter name → value pairs for the template version.'),
      template_id: z
        .string()
        .optional()
        .describe('ID of the template (its active version is used). Give this or template_version_id.'),
      template_version_id: z
        .string()
        .optional()
        .describe('ID of a specific template version. Give this or template_id.'),
      template_version_preset_id: z.string().optional().describe('(Optional) ID of a preset of the template version.'),
      organization_id: organizationIdArgument.describe(
        '(Optional) ID of the organization to create the workspace in; the template must belong to it. Needed only when you belong to more than one organization (coder_list_organizations lists yours).',
      ),
    }),
  output: () => workspaceSchema,
  handler: async (args, { coder }) => {
    if (Boolean(args.template_id) === Boolean(args.template_version_id)) {
      throw new InvalidArgumentError('exactly one of template_id or template_version_id must be provided');
    }
    const templateId = args.template_id ? requireUuid('template_id', args.template_id) : undefined;
    const versionId = args.template_version_id
      ? requireUuid('template_version_id', args.template_version_id)
      : undefined;
    const body = {
      name: args.name,
      template_id: templateId,
      template_version_id: versionId,
      template_version_preset_id: args.template_version_preset_id
        ? requireUuid('template_version_preset_id', args.template_version_preset_id)
        : undefined,
      rich_parameter_values: toParameterValues(args.rich_parameters),
    };
    const org = await resolveOrganization(coder, args.organization_id);
    // Exactly one of the two is set (checked above); the version names its organization as the template does.
    const lookup = templateId ? `/api/v2/templates/${templateId}` : `/api/v2/templateversions/${versionId ?? ''}`;
    await requireTemplateIn(coder, org, lookup);
    const user = args.user || 'me';
    return coder.request('POST', `/api/v2/users/${encodeURIComponent(user)}/workspaces`, {
      json: body,
      schema: workspaceSchema,
    });
  },
});

/** codersdk.Template and codersdk.TemplateVersion both name their organization. */
const organizationOf = z.looseObject({ organization_id: z.string() });

/**
 * coderd creates a workspace in its template's organization whatever organization the request names
 * (coderd/workspaces.go `createWorkspace` uses template.OrganizationID), so the organization the caller
 * chose (or their only one) is held against the template's before anything is created: a workspace
 * never lands somewhere the caller did not ask for.
 */
async function requireTemplateIn(coder: CoderClient, org: string, lookup: string): Promise<void> {
  const owner = (await coder.get(lookup, organizationOf)).organization_id;
  if (owner !== org) {
    throw new ResourceError(
      `the template belongs to organization ${owner}, not to organization ${org}; pass organization_id ${owner} to create the workspace there, or choose a template of organization ${org} (coder_list_templates)`,
    );
  }
}

export const createWorkspaceBuild = defineTool({
  name: 'coder_create_workspace_build',
  description: 'Create a new build of an existing workspace: use it to start, stop or delete the workspace.',
  annotations: 'destructive',
  input: () =>
    z.object({
      workspace_id: z.string().describe('ID of the workspace.'),
      transition: z.enum(['start', 'stop', 'delete']).describe('The transition to perform: start, stop or delete.'),
      template_version_id: z
        .string()
        .optional()
        .describe('(Optional) Template version to build with. The previously built version is used when left out.'),
      template_version_preset_id: z
        .string()
        .optional()
        .describe('(Optional) Preset to apply. Only with transition "start".'),
      rich_parameters: richParameters
        .optional()
        .describe('(Optional) Parameter values to change. Only with transition "start".'),
    }),
  output: () => buildSchema,
  handler: async (args, { coder }) => {
    const workspaceId = requireUuid('workspace_id', args.workspace_id);
    const misuse: string[] = [];
    if (args.transition !== 'start' && args.template_version_preset_id) {
      misuse.push('template_version_preset_id can only be used with the start transition');
    }
    if (args.transition !== 'start' && args.rich_parameters && Object.keys(args.rich_parameters).length > 0) {
      misuse.push('rich_parameters can only be used with the start transition');
    }
    if (misuse.length > 0) throw new InvalidArgumentError(misuse.join('\n'));
    const body = {
      transition: args.transition,
      template_version_id: args.template_version_id
        ? requireUuid('template_version_id', args.template_version_id)
        : undefined,
      template_version_preset_id: args.template_version_preset_id
        ? requireUuid('template_version_preset_id', args.template_version_preset_id)
        : undefined,
      rich_parameter_values: args.rich_parameters ? toParameterValues(args.rich_parameters) : undefined,
    };
    return coder.request('POST', `/api/v2/workspaces/${workspaceId}/builds`, { json: body, schema: buildSchema });
  },
});
