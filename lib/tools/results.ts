/**
 * Result shapes shared by several tools (their outputSchema, see output.ts). The shapes of coderd's own
 * result types: codersdk/toolsdk/toolsdk.go `MinimalWorkspace`, `MinimalTemplate`, `codersdk.Response`
 * and `WorkspaceEditFilesResponse`. Objects are closed in the outputSchema (a field we add or drop shows
 * up as a failing contract test); the Coder objects returned whole are loose (lib/coder/schemas.ts).
 */
import * as z from 'zod';
import { workspaceSchema } from '../coder/schemas';

/** codersdk.Response as the tools use it: a sentence. */
export const messageResult = z.object({ message: z.string() });

/** `organization_id` since coderd #29141, so that a model can pass it on to organization-scoped tools. */
export const minimalWorkspace = z.object(
  workspaceSchema.pick({
    id: true,
    name: true,
    organization_id: true,
    template_id: true,
    template_name: true,
    template_display_name: true,
    template_icon: true,
    template_active_version_id: true,
    outdated: true,
  }).shape,
);

export const minimalTemplate = z.object({
  display_name: z.string(),
  id: z.string(),
  name: z.string(),
  organization_id: z.string(),
  description: z.string(),
  active_version_id: z.string(),
  active_user_count: z.number(),
  agents_allowed: z.boolean().optional(),
});

/** `files` is left out when empty (Go `omitempty`). */
export const editResult = z.object({
  message: z.string(),
  files: z.array(z.object({ path: z.string(), diff: z.string() })).optional(),
});

/** Log lines, or `null` when there are none (a nil Go slice). */
export const logLines = z.array(z.string()).nullable();
