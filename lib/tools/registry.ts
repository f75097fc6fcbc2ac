/** The toolsets coderd offers: `standard` (the default) and `chatgpt` (search and fetch only). */
import { workspaceListApps, workspacePortForward } from './apps';
import { fetchObject, search } from './chatgpt';
import { getTemplateVersionLogs, getWorkspaceAgentLogs, getWorkspaceBuildLogs } from './logs';
import {
  createTemplate,
  createTemplateVersion,
  deleteTemplate,
  getTemplate,
  listTemplates,
  templateVersionParameters,
  updateTemplateActiveVersion,
  uploadTarFile,
} from './templates';
import type { Tool } from './types';
import { getAuthenticatedUser } from './users';
import { workspaceBash } from './workspace-bash';
import { workspaceEditFile, workspaceEditFiles } from './workspace-edit';
import { workspaceLs, workspaceReadFile, workspaceWriteFile } from './workspace-files';
import { createWorkspace, createWorkspaceBuild, getWorkspace, listWorkspaces } from './workspaces';

export const TOOLSETS = ['standard', 'chatgpt'] as const;
export type Toolset = (typeof TOOLSETS)[number];

export function isToolset(value: string): value is Toolset {
  return (TOOLSETS as readonly string[]).includes(value);
}

/** Sorted by name, as both of coderd's MCP libraries list them. */
const byName = (a: Tool, b: Tool) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const STANDARD: readonly Tool[] = [
  getAuthenticatedUser,
  listWorkspaces,
  getWorkspace,
  createWorkspace,
  createWorkspaceBuild,
  listTemplates,
  getTemplate,
  templateVersionParameters,
  createTemplateVersion,
  uploadTarFile,
  createTemplate,
  updateTemplateActiveVersion,
  deleteTemplate,
  getWorkspaceAgentLogs,
  getWorkspaceBuildLogs,
  getTemplateVersionLogs,
  workspacePortForward,
  workspaceListApps,
  workspaceBash,
  workspaceLs,
  workspaceReadFile,
  workspaceWriteFile,
  workspaceEditFile,
  workspaceEditFiles,
].sort(byName);

const CHATGPT: readonly Tool[] = [search, fetchObject].sort(byName);

export function toolsFor(toolset: Toolset): readonly Tool[] {
  return toolset === 'chatgpt' ? CHATGPT : STANDARD;
}

/** Every tool name this server has, and each toolset's, for tool filters (lib/mcp/tool-surface.ts). */
export const CATALOG = {
  names: [...new Set([...STANDARD, ...CHATGPT].map((t) => t.name))].sort(),
  groups: { standard: STANDARD.map((t) => t.name), chatgpt: CHATGPT.map((t) => t.name) },
} as const;
