/**
 * The simulator's data: users and tokens, templates and versions, workspaces with their builds,
 * agents and provisioner jobs, uploaded files. Plain objects that the route modules read and change.
 */
import { randomUUID } from 'node:crypto';

export type Role = 'owner' | 'member';
export type JobStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'canceled';

export interface SimUser {
  id: string;
  username: string;
  email: string;
  roles: Role;
  token: string;
  organization_id: string;
}

export interface JobLog {
  id: number;
  created_at: string;
  log_source: 'provisioner' | 'provisioner_daemon';
  log_level: 'info' | 'error';
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

export interface SimAgent {
  id: string;
  name: string;
  resource_id: string;
  created_at: string;
  status: string;
  lifecycle_state: string;
  apps: SimApp[];
  logs: { id: number; created_at: string; output: string; level: string; source_id: string }[];
}

export interface SimBuild {
  id: string;
  workspace_id: string;
  build_number: number;
  transition: 'start' | 'stop' | 'delete';
  template_version_id: string;
  initiator_id: string;
  created_at: string;
  job: SimJob;
  agent: SimAgent;
  preset_id: string | null;
}

export interface SimWorkspace {
  id: string;
  name: string;
  owner_id: string;
  template_id: string;
  created_at: string;
  builds: SimBuild[];
  deleted: boolean;
}

export interface SimParameter {
  name: string;
  type: 'string' | 'number' | 'bool';
  default_value: string;
  description: string;
  options: { name: string; value: string; description: string; icon: string }[];
  mutable: boolean;
  required: boolean;
}

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
  created_at: string;
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
  created_by: string;
  deleted: boolean;
}

export interface SimFile {
  id: string;
  content_type: string;
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
  readonly users = new Map<string, SimUser>();
  /** Token id (the part before the dash) → token state. */
  readonly keys = new Map<string, { secret: string; userId: string; expiredAt: string | null }>();
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

  userByName(name: string): SimUser | undefined {
    for (const u of this.users.values()) if (u.username === name) return u;
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

  findAgent(id: string): { ws: SimWorkspace; build: SimBuild; agent: SimAgent } | undefined {
    for (const ws of this.workspaces.values()) {
      if (ws.deleted) continue;
      const build = this.latestBuild(ws);
      if (build.agent.id === id) return { ws, build, agent: build.agent };
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

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomAlnum(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[Math.floor(Math.random() * ALNUM.length)];
  return s;
}

/** A new user with a valid token in coderd's `<10-char id>-<22-char secret>` format. */
export function createUser(model: SimModel, username: string, role: Role): SimUser {
  const keyId = randomAlnum(10);
  const secret = randomAlnum(22);
  const user: SimUser = {
    id: randomUUID(),
    username,
    email: `${username}@example.com`,
    roles: role,
    token: `${keyId}-${secret}`,
    organization_id: model.org.id,
  };
  model.users.set(user.id, user);
  model.keys.set(keyId, { secret, userId: user.id, expiredAt: null });
  return user;
}
