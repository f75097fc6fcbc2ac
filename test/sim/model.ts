/**
 * The simulator's data: users and tokens, templates and versions, workspaces with their builds,
 * agents and provisioner jobs, uploaded files. Plain records that the route modules read and change;
 * the few state changes other parts listen to (job logs, agent state) go through small functions here.
 */
import { randomUUID } from 'node:crypto';

export type Role = 'owner' | 'member';
export type JobStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'canceling' | 'canceled';
export type Transition = 'start' | 'stop' | 'delete';

export interface SimUser {
  id: string;
  username: string;
  email: string;
  roles: Role;
  token: string;
  organization_id: string;
  /** For `POST /api/v2/users/login` (with `email`) and the simulator's `/login` page. Default `<username>-password`. */
  password: string;
}

/**
 * An API key. Session tokens from a password login have login type `password`; a key coderd's OAuth2
 * provider issued has `oauth2_provider_app`, the app it was issued to, and the `audience` (RFC 8707
 * resource) the client asked for ('' when none was given). Keys made by createUser have no login type.
 */
export interface SimKey {
  secret: string;
  userId: string;
  expiresAt: Date;
  loginType?: 'password' | 'oauth2_provider_app';
  audience?: string;
  /** The OAuth2 app (client id) an `oauth2_provider_app` key was issued to. */
  appId?: string;
}

/** codersdk.ProvisionerJobLog. */
export interface JobLog {
  id: number;
  created_at: string;
  log_source: 'provisioner' | 'provisioner_daemon';
  log_level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  stage: string;
  output: string;
}

export interface SimJob {
  id: string;
  type: 'workspace_build' | 'template_version_import';
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  status: JobStatus;
  error: string;
  file_id: string;
  initiator_id: string;
  /** The build or version the job belongs to (codersdk.ProvisionerJobInput). */
  input: { workspace_build_id?: string; template_version_id?: string };
  logs: JobLog[];
  /** Called with each new log, and with null when the job completes. */
  watchers: Set<(log: JobLog | null) => void>;
}

export interface SimApp {
  id: string;
  slug: string;
  display_name: string;
  url: string;
}

/** codersdk.WorkspaceAgentLog. */
export interface AgentLog {
  id: number;
  created_at: string;
  output: string;
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  source_id: string;
}

export interface SimAgent {
  id: string;
  name: string;
  resource_id: string;
  created_at: string;
  updated_at: string;
  status: string;
  lifecycle_state: string;
  first_connected_at: string | null;
  last_connected_at: string | null;
  disconnected_at: string | null;
  started_at: string | null;
  ready_at: string | null;
  apps: SimApp[];
  logs: AgentLog[];
  /** Told about every new log and state change (the follow WebSocket of the startup logs). */
  watchers: Set<() => void>;
}

export interface SimBuild {
  id: string;
  workspace_id: string;
  build_number: number;
  transition: Transition;
  template_version_id: string;
  initiator_id: string;
  created_at: string;
  job: SimJob;
  agent: SimAgent;
  preset_id: string | null;
  parameters: { name: string; value: string }[];
}

export interface SimWorkspace {
  id: string;
  name: string;
  owner_id: string;
  template_id: string;
  created_at: string;
  last_used_at: string;
  builds: SimBuild[];
  /** Set once a delete build has succeeded: gone from lists and name lookups, 410 by id. */
  deleted: boolean;
}

export interface SimParameter {
  name: string;
  display_name: string;
  type: 'string' | 'number' | 'bool';
  default_value: string;
  description: string;
  options: { name: string; value: string; description: string; icon: string }[];
  mutable: boolean;
  required: boolean;
}

/** codersdk.Preset: its JSON keys are the Go field names (the struct has no json tags). */
export interface SimPreset {
  ID: string;
  Name: string;
  Parameters: { Name: string; Value: string }[];
  Default: boolean;
  DesiredPrebuildInstances: number | null;
  Description: string;
  Icon: string;
}

export interface SimVersion {
  id: string;
  template_id: string | null;
  organization_id: string;
  name: string;
  message: string;
  readme: string;
  created_at: string;
  updated_at: string;
  created_by: string;
  job: SimJob;
  parameters: SimParameter[];
  presets: SimPreset[];
}

export interface SimTemplate {
  id: string;
  organization_id: string;
  name: string;
  display_name: string;
  description: string;
  icon: string;
  active_version_id: string;
  created_at: string;
  updated_at: string;
  created_by: string;
  deleted: boolean;
}

export interface SimFile {
  id: string;
  /** SHA-256 of the content: coderd answers a repeated upload by the same user with the same id. */
  hash: string;
  created_by: string;
  content_type: string;
  /** Entry names of the archive (for the import's "*.tf" check). */
  names: string[];
}

export interface Organization {
  id: string;
  name: string;
  display_name: string;
}

export interface Fault {
  method?: string;
  pathPrefix: string;
  status: number;
  body: unknown;
  times: number;
}

export class SimModel {
  readonly org: Organization = { id: randomUUID(), name: 'coder', display_name: 'Coder' };
  /** Organizations besides the default one (which every user belongs to), by id, and their members' user ids. */
  readonly extraOrgs = new Map<string, Organization>();
  readonly orgMembers = new Map<string, Set<string>>();
  readonly startedAt = now();
  readonly users = new Map<string, SimUser>();
  /** Token id (the part before the dash) → token state. */
  readonly keys = new Map<string, SimKey>();
  /** coderd's configured access URL, which OAuth2 token audiences must match; unset = the simulator's own URL. */
  accessUrl: string | undefined;
  readonly templates = new Map<string, SimTemplate>();
  readonly versions = new Map<string, SimVersion>();
  readonly workspaces = new Map<string, SimWorkspace>();
  readonly files = new Map<string, SimFile>();
  readonly sshDenied = new Set<string>();
  readonly faults: Fault[] = [];
  readonly requests: string[] = [];
  appHost = '*.apps.sim.local';
  private logSeq = 0;

  nextLogId(): number {
    this.logSeq += 1;
    return this.logSeq;
  }

  /** coderd matches usernames case-insensitively. */
  userByName(name: string): SimUser | undefined {
    const lower = name.toLowerCase();
    for (const u of this.users.values()) if (u.username.toLowerCase() === lower) return u;
    return undefined;
  }

  latestBuild(ws: SimWorkspace): SimBuild {
    const build = ws.builds[ws.builds.length - 1];
    if (!build) throw new Error(`workspace ${ws.name} has no builds`);
    return build;
  }

  findBuild(id: string): SimBuild | undefined {
    for (const ws of this.workspaces.values()) for (const b of ws.builds) if (b.id === id) return b;
    return undefined;
  }

  /** Any build's agent (coderd keeps the agent rows of older builds), latest builds first. */
  findAgent(id: string): { ws: SimWorkspace; build: SimBuild; agent: SimAgent } | undefined {
    for (const ws of this.workspaces.values()) {
      for (let i = ws.builds.length - 1; i >= 0; i--) {
        const build = ws.builds[i];
        if (build?.agent.id === id) return { ws, build, agent: build.agent };
      }
    }
    return undefined;
  }

  liveWorkspaces(): SimWorkspace[] {
    return [...this.workspaces.values()].filter((w) => !w.deleted);
  }
}

export function now(): string {
  return new Date().toISOString();
}

/** Changes an agent's status or lifecycle, stamping the timestamps coderd keeps, and tells watchers. */
export function updateAgent(agent: SimAgent, patch: { status?: string; lifecycle_state?: string }): void {
  const at = now();
  if (patch.status && patch.status !== agent.status) {
    if (patch.status === 'connected') {
      agent.first_connected_at ??= at;
      agent.last_connected_at = at;
    }
    if (patch.status === 'disconnected') agent.disconnected_at = at;
    agent.status = patch.status;
  }
  if (patch.lifecycle_state && patch.lifecycle_state !== agent.lifecycle_state) {
    if (patch.lifecycle_state === 'starting') agent.started_at = at;
    if (patch.lifecycle_state === 'ready') {
      agent.started_at ??= at;
      agent.ready_at = at;
    }
    agent.lifecycle_state = patch.lifecycle_state;
  }
  agent.updated_at = at;
  for (const w of [...agent.watchers]) w();
}

/** The log source id of the startup script. */
export const STARTUP_SCRIPT_SOURCE = '0d0d0d0d-0000-4000-8000-000000000001';

export function appendAgentLog(
  model: SimModel,
  agent: SimAgent,
  output: string,
  level: AgentLog['level'] = 'info',
): void {
  agent.logs.push({ id: model.nextLogId(), created_at: now(), output, level, source_id: STARTUP_SCRIPT_SOURCE });
  for (const w of [...agent.watchers]) w();
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomAlnum(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[Math.floor(Math.random() * ALNUM.length)];
  return s;
}

/** API keys live for a week, as coderd's default session lifetime. */
const KEY_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/** A new user with a valid token in coderd's `<10-char id>-<22-char secret>` format. */
export function createUser(model: SimModel, username: string, role: Role, password = `${username}-password`): SimUser {
  const keyId = randomAlnum(10);
  const secret = randomAlnum(22);
  const user: SimUser = {
    id: randomUUID(),
    username,
    email: `${username}@example.com`,
    roles: role,
    token: `${keyId}-${secret}`,
    organization_id: model.org.id,
    password,
  };
  model.users.set(user.id, user);
  model.keys.set(keyId, { secret, userId: user.id, expiresAt: new Date(Date.now() + KEY_LIFETIME_MS) });
  return user;
}

/** A new key for an existing user, as coderd's OAuth2 provider issues it at the token endpoint, bound to `audience`. */
export function mintOAuth2Key(model: SimModel, user: SimUser, audience: string): string {
  return mintKey(model, {
    userId: user.id,
    expiresAt: new Date(Date.now() + KEY_LIFETIME_MS),
    loginType: 'oauth2_provider_app',
    audience,
  });
}

/** Stores a new key with a fresh id and secret; returns the token, `<key id>-<secret>`. */
export function mintKey(model: SimModel, key: Omit<SimKey, 'secret'>): string {
  const keyId = randomAlnum(10);
  const secret = randomAlnum(22);
  model.keys.set(keyId, { ...key, secret });
  return `${keyId}-${secret}`;
}
