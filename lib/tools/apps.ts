/** Workspace tools that need no agent contact: the port-forward URL and the agent's apps. */
import * as z from 'zod';
import { appHostSchema } from '../coder/schemas';
import { findWorkspaceAndAgent } from '../coder/workspaces';
import { ResourceError } from '../errors';
import { defineTool } from './types';
import { workspaceArg } from './workspace-args';

export const workspacePortForward = defineTool({
  name: 'coder_workspace_port_forward',
  description:
    "Get a URL that forwards to a port inside a workspace, through Coder's wildcard app host. Use it to let the user open a web server running in the workspace.",
  // coderd classes it as mutating: finding the agent starts a stopped workspace.
  annotations: 'mutation',
  startsWorkspace: true,
  input: () =>
    z.object({
      workspace: workspaceArg,
      // coderd declares the port as a JSON "number"; a fractional value is refused like Go's int unmarshalling does.
      port: z
        .number()
        .min(1)
        .max(65535)
        .refine(Number.isInteger, 'must be a whole number')
        .describe('The port inside the workspace.'),
    }),
  output: () => z.object({ url: z.string() }),
  handler: async ({ workspace, port }, { coder, progress, autoStart }) => {
    const found = await findWorkspaceAndAgent(coder, workspace, progress, autoStart);
    const { host } = await coder.get('/api/v2/applications/host', appHostSchema);
    if (!host) throw new ResourceError('no app host for forwarding has been configured');
    const label = `${port}--${found.agent.name}--${found.workspace.name}--${found.workspace.owner_name}`;
    const scheme = coder.baseUrl.protocol.replace(':', '');
    return { url: `${scheme}://${host.replace('*', label)}` };
  },
});

export const workspaceListApps = defineTool({
  name: 'coder_workspace_list_apps',
  description: "List the apps (coder_app) of a workspace's agent, with their URLs.",
  annotations: 'mutation',
  startsWorkspace: true,
  input: () => z.object({ workspace: workspaceArg }),
  // coderd sends `null` for an agent without apps (a nil Go slice).
  output: () => z.object({ apps: z.array(z.object({ name: z.string(), url: z.string() })).nullable() }),
  handler: async ({ workspace }, { coder, progress, autoStart }) => {
    const { agent } = await findWorkspaceAndAgent(coder, workspace, progress, autoStart);
    const apps = (agent.apps ?? []).map((a) => ({ name: a.display_name || a.slug, url: a.url ?? '' }));
    return { apps: apps.length > 0 ? apps : null };
  },
});
