/** Control-plane template tools: list, inspect, upload, create versions and templates, promote, delete. */
import * as z from 'zod';
import { organizationIdArgument, resolveOrganization } from '../coder/organizations';
import {
  anyJson,
  presetSchema,
  templateSchema,
  templateVersionParameterSchema,
  templateVersionSchema,
  uploadResponseSchema,
  ZERO_UUID,
  type Template,
} from '../coder/schemas';
import { buildTar } from '../coder/tar';
import { requireUuid } from '../coder/uuid';
import { ResourceError } from '../errors';
import { messageResult, minimalTemplate } from './results';
import { defineTool } from './types';
import { TEMPLATE_VERSION_PRIMER } from './primer';

function toMinimalTemplate(t: Template): z.output<typeof minimalTemplate> {
  return {
    display_name: t.display_name,
    id: t.id,
    name: t.name,
    organization_id: t.organization_id,
    description: t.description,
    active_version_id: t.active_version_id,
    active_user_count: t.active_user_count,
    ...(t.agents_allowed === undefined ? {} : { agents_allowed: t.agents_allowed }),
  };
}

/** coderd's whole answer, a JSON string (`as const`: it stays a literal when returned, as the output declares). */
const ACTIVE_VERSION_UPDATED = 'Successfully updated active version!' as const;

/** Rich parameters as Coder returns them (coderd passes Coder's answer on). */
const versionParameters = z.array(templateVersionParameterSchema).nullable();

const templateDetails = minimalTemplate.extend({
  parameters: z.array(templateVersionParameterSchema),
  presets: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        description: z.string().optional(),
        default: z.boolean(),
        desired_prebuild_instances: z.number().optional(),
        parameters: z.array(z.object({ name: z.string(), value: z.string() })),
      }),
    )
    .optional(),
});

export const listTemplates = defineTool({
  name: 'coder_list_templates',
  description: 'List the templates of an organization that the authenticated user can see.',
  annotations: 'read',
  input: () => z.object({ organization_id: organizationIdArgument }),
  output: () => z.array(minimalTemplate),
  handler: async (args, { coder }) => {
    const org = await resolveOrganization(coder, args.organization_id);
    // codersdk TemplateFilter{OrganizationID} sends exactly this search term (codersdk/templates.go).
    const templates = await coder.get('/api/v2/templates', z.array(templateSchema), {
      q: `organization:${JSON.stringify(org)}`,
    });
    return templates.map(toMinimalTemplate);
  },
});

export const getTemplate = defineTool({
  name: 'coder_get_template',
  description:
    "Get a template with its active version's parameters and presets. Use it before creating a workspace to know which parameters to ask the user for.",
  annotations: 'read',
  input: () => z.object({ template_id: z.string().describe('ID of the template.') }),
  output: () => templateDetails,
  handler: async ({ template_id }, { coder }) => {
    const id = requireUuid('template_id', template_id);
    const template = await coder.get(`/api/v2/templates/${id}`, templateSchema);
    if (template.active_version_id === ZERO_UUID) throw new ResourceError('template has no active version');
    const version = template.active_version_id;
    const [parameters, presets] = await Promise.all([
      coder.get(
        `/api/v2/templateversions/${version}/rich-parameters`,
        z.array(templateVersionParameterSchema).nullable(),
      ),
      coder.get(`/api/v2/templateversions/${version}/presets`, z.array(presetSchema).nullable()),
    ]);
    const mapped = (presets ?? []).map((p) => ({
      id: p.ID,
      name: p.Name,
      ...(p.Description ? { description: p.Description } : {}),
      default: p.Default,
      ...(p.DesiredPrebuildInstances == null ? {} : { desired_prebuild_instances: p.DesiredPrebuildInstances }),
      parameters: (p.Parameters ?? []).map((x) => ({ name: x.Name, value: x.Value })),
    }));
    return {
      ...toMinimalTemplate(template),
      parameters: parameters ?? [],
      ...(mapped.length > 0 ? { presets: mapped } : {}),
    };
  },
});

export const templateVersionParameters = defineTool({
  name: 'coder_template_version_parameters',
  description:
    'Get the rich parameters of a template version. Present them to the user as workspace parameters: they usually matter when creating a workspace.',
  annotations: 'read',
  input: () => z.object({ template_version_id: z.string().describe('ID of the template version.') }),
  output: () => versionParameters,
  handler: async ({ template_version_id }, { coder }) => {
    const id = requireUuid('template_version_id', template_version_id);
    return coder.get(`/api/v2/templateversions/${id}/rich-parameters`, versionParameters);
  },
});

export const uploadTarFile = defineTool({
  name: 'coder_upload_tar_file',
  description:
    'Create a tar archive from a map of file names to contents and upload it to Coder. Returns the file ID (field "hash") to pass to coder_create_template_version.',
  annotations: 'mutation',
  input: () =>
    z.object({
      files: z.record(z.string(), z.string()).describe('File name → file content. Every entry gets mode 0644.'),
    }),
  output: () => z.object({ hash: z.string() }),
  handler: async ({ files }, { coder }) => {
    const data = await buildTar(files);
    const res = await coder.request('POST', '/api/v2/files', {
      body: { data, contentType: 'application/x-tar' },
      schema: uploadResponseSchema,
    });
    return { hash: res.hash };
  },
});

export const createTemplateVersion = defineTool({
  name: 'coder_create_template_version',
  description: TEMPLATE_VERSION_PRIMER,
  annotations: 'mutation',
  input: () =>
    z.object({
      file_id: z.string().describe('ID of the uploaded tar file (from coder_upload_tar_file).'),
      template_id: z.string().optional().describe('(Optional) ID of the template the version belongs to.'),
      organization_id: organizationIdArgument,
    }),
  output: () => templateVersionSchema,
  handler: async ({ file_id, template_id, organization_id }, { coder }) => {
    const fileId = requireUuid('file_id', file_id);
    const templateId = template_id ? requireUuid('template_id', template_id) : undefined;
    const org = await resolveOrganization(coder, organization_id);
    return coder.request('POST', `/api/v2/organizations/${org}/templateversions`, {
      json: {
        message: 'Created by AI',
        storage_method: 'file',
        file_id: fileId,
        provisioner: 'terraform',
        template_id: templateId,
      },
      schema: templateVersionSchema,
    });
  },
});

export const createTemplate = defineTool({
  name: 'coder_create_template',
  description: 'Create a template from a template version whose import succeeded.',
  annotations: 'mutation',
  input: () =>
    z.object({
      name: z.string().describe('Name of the template (lowercase letters, digits and hyphens).'),
      display_name: z.string().describe('Name shown to people.'),
      description: z.string().describe('What the template provisions.'),
      icon: z
        .string()
        .optional()
        .describe('(Optional) An icon URL. Accepted for compatibility with coderd; like coderd, it is not sent.'),
      version_id: z.string().describe('ID of the template version to create the template from.'),
      organization_id: organizationIdArgument,
    }),
  output: () => templateSchema,
  handler: async (args, { coder }) => {
    const versionId = requireUuid('version_id', args.version_id);
    const org = await resolveOrganization(coder, args.organization_id);
    return coder.request('POST', `/api/v2/organizations/${org}/templates`, {
      json: {
        name: args.name,
        display_name: args.display_name,
        description: args.description,
        template_version_id: versionId,
      },
      schema: templateSchema,
    });
  },
});

export const updateTemplateActiveVersion = defineTool({
  name: 'coder_update_template_active_version',
  description: 'Make a template version the active version of its template: new workspaces are created from it.',
  annotations: 'mutation',
  input: () =>
    z.object({
      template_id: z.string().describe('ID of the template.'),
      template_version_id: z.string().describe('ID of the version to make active.'),
    }),
  output: () => z.literal(ACTIVE_VERSION_UPDATED),
  handler: async (args, { coder }) => {
    const templateId = requireUuid('template_id', args.template_id);
    const versionId = requireUuid('template_version_id', args.template_version_id);
    await coder.request('PATCH', `/api/v2/templates/${templateId}/versions`, {
      json: { id: versionId },
      schema: anyJson,
    });
    return ACTIVE_VERSION_UPDATED;
  },
});

export const deleteTemplate = defineTool({
  name: 'coder_delete_template',
  description: 'Delete a template. This cannot be undone, and fails while workspaces still use the template.',
  annotations: 'destructive',
  input: () => z.object({ template_id: z.string().describe('ID of the template.') }),
  output: () => messageResult,
  handler: async ({ template_id }, { coder }) => {
    const id = requireUuid('template_id', template_id);
    await coder.request('DELETE', `/api/v2/templates/${id}`, { schema: anyJson });
    return { message: 'Template deleted successfully.' };
  },
});
