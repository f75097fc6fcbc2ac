/** The toolsets coderd offers: `standard` (the default) and `chatgpt` (search and fetch only). */
import { workspaceListApps, workspacePortForward } from './apps';
import { fetchObject, search } from './chatgpt';
import { archiveChat, createChat, getChatTool, interruptChat, listChats } from './chats';
import { awaitChatTool } from './chats-await';
import { downloadChatFile } from './chats-files';
import { getChatMessages, sendChatMessage } from './chats-messages';
import { listChatModelConfigs } from './chats-models';
import { getTemplateVersionLogs, getWorkspaceAgentLogs, getWorkspaceBuildLogs } from './logs';
import { listOrganizations } from './organizations';
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

/** coderd's ten Coder Agents chat tools: offered only where the deployment serves the chats API (chats-availability.ts). */
const CHATS: readonly Tool[] = [
  createChat,
  getChatTool,
  listChats,
  getChatMessages,
  sendChatMessage,
  interruptChat,
  archiveChat,
  awaitChatTool,
  downloadChatFile,
  listChatModelConfigs,
];

const STANDARD: readonly Tool[] = [
  getAuthenticatedUser,
  listOrganizations,
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
  ...CHATS,
].sort(byName);

const STANDARD_WITHOUT_CHATS: readonly Tool[] = STANDARD.filter((t) => !CHATS.includes(t));

/** Whether a tool needs the chats API (and so is withheld where Coder does not serve it). */
export function isChatTool(name: string): boolean {
  return CHATS.some((t) => t.name === name);
}

const CHATGPT: readonly Tool[] = [search, fetchObject].sort(byName);

/** A toolset's tools; the standard one without the chat tools for a deployment without the chats API. */
export function toolsFor(toolset: Toolset, deployment: { chats: boolean } = { chats: true }): readonly Tool[] {
  if (toolset === 'chatgpt') return CHATGPT;
  return deployment.chats ? STANDARD : STANDARD_WITHOUT_CHATS;
}

/** Every tool this server has, once each. */
export function allTools(): readonly Tool[] {
  return [...new Map([...STANDARD, ...CHATGPT].map((t) => [t.name, t])).values()];
}

/** Every tool name this server has, and each toolset's, for tool filters (lib/mcp/tool-surface.ts). */
export const CATALOG = {
  names: [...new Set([...STANDARD, ...CHATGPT].map((t) => t.name))].sort(),
  groups: { standard: STANDARD.map((t) => t.name), chatgpt: CHATGPT.map((t) => t.name) },
} as const;
