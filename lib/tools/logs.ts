/** Log tools: agent startup logs (REST) and provisioner job logs (coderd's follow WebSocket, read to the end). */
import * as z from 'zod';
import { agentLogBatchSchema, logSchema } from '../coder/schemas';
import { requireUuid } from '../coder/uuid';
import { logLines } from './results';
import { defineTool } from './types';
import type { Progress } from '../progress';

/** coderd's tools return the output lines, or null when there are none (a nil Go slice). */
function outputs(logs: { output: string }[]): string[] | null {
  return logs.length > 0 ? logs.map((l) => l.output) : null;
}

/** A client watching a build or import sees each log line as it is written. */
function asProgress(progress: Progress): (log: { stage?: string | undefined; output: string }) => void {
  return (log) => progress.report([log.stage, log.output].filter(Boolean).join(': '));
}

export const getWorkspaceAgentLogs = defineTool({
  name: 'coder_get_workspace_agent_logs',
  description:
    "Get the startup logs of a workspace agent (its startup script's output). Useful when an agent fails to become ready.",
  annotations: 'read',
  input: () => z.object({ workspace_agent_id: z.string().describe('ID of the workspace agent.') }),
  output: () => logLines,
  handler: async ({ workspace_agent_id }, { coder }) => {
    const id = requireUuid('workspace_agent_id', workspace_agent_id);
    return outputs(await coder.get(`/api/v2/workspaceagents/${id}/logs`, agentLogBatchSchema));
  },
});

export const getWorkspaceBuildLogs = defineTool({
  name: 'coder_get_workspace_build_logs',
  description:
    'Get the logs of a workspace build. Waits until the build finishes, so it is the way to watch a start, stop or delete to its end.',
  annotations: 'read',
  input: () => z.object({ workspace_build_id: z.string().describe('ID of the workspace build.') }),
  output: () => logLines,
  handler: async ({ workspace_build_id }, { coder, progress }) => {
    const id = requireUuid('workspace_build_id', workspace_build_id);
    return outputs(
      await coder.readJsonStream(
        `/api/v2/workspacebuilds/${id}/logs`,
        { follow: 'true' },
        logSchema,
        asProgress(progress),
      ),
    );
  },
});

export const getTemplateVersionLogs = defineTool({
  name: 'coder_get_template_version_logs',
  description: 'Get the import logs of a template version. Waits until the import finishes.',
  annotations: 'read',
  input: () => z.object({ template_version_id: z.string().describe('ID of the template version.') }),
  output: () => logLines,
  handler: async ({ template_version_id }, { coder, progress }) => {
    const id = requireUuid('template_version_id', template_version_id);
    return outputs(
      await coder.readJsonStream(
        `/api/v2/templateversions/${id}/logs`,
        { follow: 'true' },
        logSchema,
        asProgress(progress),
      ),
    );
  },
});
