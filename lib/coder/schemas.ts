/**
 * zod schemas for the parts of coderd's responses this server relies on. They are loose
 * (`z.looseObject`): unknown fields pass through untouched, because several tools return Coder's
 * objects whole and newer coderd versions add fields.
 */
import * as z from 'zod';

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Any JSON value: for endpoints whose answer is returned to the model as is. */
export const anyJson: z.ZodType<unknown> = z.unknown();

export const userSchema = z.looseObject({
  id: z.string(),
  username: z.string(),
  organization_ids: z.array(z.string()).nullish(),
});
export type User = z.infer<typeof userSchema>;

export const appSchema = z.looseObject({
  slug: z.string(),
  display_name: z.string().nullish(),
  url: z.string().nullish(),
});

export const agentSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  lifecycle_state: z.string(),
  apps: z.array(appSchema).nullish(),
});
export type WorkspaceAgent = z.infer<typeof agentSchema>;

export const jobSchema = z.looseObject({
  status: z.string(),
  error: z.string().nullish(),
  completed_at: z.string().nullish(),
});

export const buildSchema = z.looseObject({
  id: z.string(),
  transition: z.string(),
  status: z.string(),
  job: jobSchema,
  resources: z.array(z.looseObject({ agents: z.array(agentSchema).nullish() })).nullish(),
});
export type WorkspaceBuild = z.infer<typeof buildSchema>;

export const workspaceSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  owner_name: z.string(),
  owner_id: z.string().optional(),
  organization_id: z.string(),
  template_id: z.string(),
  template_name: z.string(),
  template_display_name: z.string(),
  template_icon: z.string(),
  template_active_version_id: z.string(),
  outdated: z.boolean(),
  latest_build: buildSchema,
});
export type Workspace = z.infer<typeof workspaceSchema>;

export const workspacesResponseSchema = z.looseObject({
  workspaces: z.array(workspaceSchema).nullish(),
  count: z.number().optional(),
});

export const templateSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  display_name: z.string(),
  description: z.string(),
  active_version_id: z.string(),
  active_user_count: z.number(),
  organization_id: z.string(),
  organization_name: z.string().optional(),
  agents_allowed: z.boolean().optional(),
});
export type Template = z.infer<typeof templateSchema>;

export const presetSchema = z.looseObject({
  ID: z.string(),
  Name: z.string(),
  Parameters: z.array(z.object({ Name: z.string(), Value: z.string() })).nullish(),
  Default: z.boolean(),
  DesiredPrebuildInstances: z.number().nullish(),
  Description: z.string().nullish(),
});

/** codersdk.ProvisionerJobLog (and WorkspaceAgentLog): the tools return `output`; `stage` labels progress. */
export const logSchema = z.looseObject({ output: z.string(), stage: z.string().optional() });
export const agentLogBatchSchema = z.array(logSchema);

export const uploadResponseSchema = z.looseObject({ hash: z.string() });
export const appHostSchema = z.looseObject({ host: z.string() });
export const authcheckResponseSchema = z.record(z.string(), z.boolean());

/** codersdk.TemplateVersion: returned whole by coder_create_template_version. */
export const templateVersionSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  organization_id: z.string(),
  job: jobSchema,
});

/** codersdk.TemplateVersionParameter: returned whole by coder_template_version_parameters and coder_get_template. */
export const templateVersionParameterSchema = z.looseObject({ name: z.string(), type: z.string() });
