/** The `chatgpt` toolset: OpenAI's search/fetch convention over templates and workspaces (contract §1.6). */
import * as z from 'zod';
import type { CoderClient } from '../coder/client';
import {
  templateSchema,
  workspaceSchema,
  workspacesResponseSchema,
  type Template,
  type Workspace,
} from '../coder/schemas';
import { isUuid } from '../coder/uuid';
import { InvalidArgumentError } from '../errors';
import { defineTool } from './types';

/** The deployment's URL without path or query, as links for people. */
function serverUrl(coder: CoderClient): string {
  return coder.baseUrl.origin;
}

function templateResult(coder: CoderClient, t: Template) {
  return {
    id: `template:${t.id}`,
    title: t.display_name || t.name,
    text: t.description,
    url: `${serverUrl(coder)}/templates/${t.organization_name ?? 'coder'}/${t.name}`,
  };
}

function workspaceResult(coder: CoderClient, w: Workspace) {
  return {
    id: `workspace:${w.id}`,
    title: w.name,
    text: `Owner: ${w.owner_name}\nTemplate: ${w.template_name}\nLatest transition: ${w.latest_build.transition}`,
    url: `${serverUrl(coder)}/${w.owner_name}/${w.name}`,
  };
}

/** `templates[/filter]` or `workspaces[/filter]`; anything else is an error the model can correct. */
export function parseSearchQuery(query: string): { kind: 'templates' | 'workspaces'; filter: string } {
  const slash = query.indexOf('/');
  const kind = slash === -1 ? query : query.slice(0, slash);
  const filter = slash === -1 ? '' : query.slice(slash + 1);
  if (kind === 'templates' || kind === 'workspaces') return { kind, filter };
  throw new InvalidArgumentError(
    `invalid query: ${JSON.stringify(query)}: it must start with "templates" or "workspaces", optionally followed by "/<filter>"`,
  );
}

const searchResult = z.object({ id: z.string(), title: z.string(), text: z.string(), url: z.string() });

export const search = defineTool({
  name: 'search',
  description: `Search Coder templates or workspaces.

Query format: "templates" or "workspaces", optionally followed by "/" and a Coder search filter.
Examples: "templates", "templates/docker", "workspaces" (your own), "workspaces/owner:alice",
"workspaces/status:running template:docker".`,
  annotations: 'read',
  input: () => z.object({ query: z.string().describe('The search query, e.g. "workspaces/owner:me".') }),
  output: () => z.object({ results: z.array(searchResult) }),
  // OpenAI's convention reads the JSON text; coderd sends search and fetch without structuredContent.
  structured: false,
  handler: async ({ query }, { coder }) => {
    const { kind, filter } = parseSearchQuery(query);
    if (kind === 'templates') {
      const templates = await coder.get('/api/v2/templates', z.array(templateSchema), { q: filter || undefined });
      return { results: templates.map((t) => templateResult(coder, t)) };
    }
    const res = await coder.get('/api/v2/workspaces', workspacesResponseSchema, { q: filter || 'owner:me' });
    return { results: (res.workspaces ?? []).map((w) => workspaceResult(coder, w)) };
  },
});

export const fetchObject = defineTool({
  name: 'fetch',
  description: 'Fetch a template or workspace in full, by an ID from search ("template:<uuid>" or "workspace:<uuid>").',
  annotations: 'read',
  input: () => z.object({ id: z.string().describe('The ID from a search result.') }),
  output: () => searchResult,
  structured: false,
  handler: async ({ id }, { coder }) => {
    const [kind, uuid = ''] = id.split(':', 2);
    if (!isUuid(uuid) || (kind !== 'template' && kind !== 'workspace')) {
      throw new InvalidArgumentError(
        `invalid ID ${JSON.stringify(id)}: expected "template:<uuid>" or "workspace:<uuid>"`,
      );
    }
    if (kind === 'template') {
      const t = await coder.get(`/api/v2/templates/${uuid}`, templateSchema);
      return { ...templateResult(coder, t), text: JSON.stringify(t) };
    }
    const w = await coder.get(`/api/v2/workspaces/${uuid}`, workspaceSchema);
    return { ...workspaceResult(coder, w), text: JSON.stringify(w) };
  },
});
