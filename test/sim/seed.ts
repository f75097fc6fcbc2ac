/**
 * Demo data: the organization `coder`, an owner `admin` and a member `alice` (passwords `admin-password`
 * and `alice-password`, emails `<name>@example.com`, for the login page of the OAuth2 flow), the `docker` template
 * (two rich parameters, one preset), a running workspace `dev` with a ready agent `main` and two
 * apps, and a stopped workspace `stopped-ws`.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_APPS, newAgent } from './builds';
import type { JobRunner, JobStep } from './jobs';
import {
  appendAgentLog,
  createUser,
  now,
  updateAgent,
  type SimBuild,
  type SimModel,
  type SimTemplate,
  type SimUser,
  type SimVersion,
  type SimWorkspace,
  type Transition,
} from './model';

export interface Demo {
  user: SimUser;
  member: SimUser;
  templateId: string;
  templateVersionId: string;
  workspaceId: string;
  workspaceName: string;
  agentId: string;
  agentName: string;
  stoppedWorkspaceId: string;
  stoppedWorkspaceName: string;
}

const IMPORT_LOGS: JobStep[] = [
  { stage: 'Setting up', output: '' },
  { stage: 'Parsing template parameters', output: 'Terraform 1.9.8' },
  { stage: 'Detecting persistent resources', output: 'Initializing the backend...' },
  { stage: 'Cleaning Up', output: '' },
];

function buildLogs(up: boolean): JobStep[] {
  return [
    { stage: 'Setting up', output: '' },
    { stage: 'Planning infrastructure', output: 'Terraform 1.9.8' },
    {
      stage: up ? 'Starting workspace' : 'Stopping workspace',
      output: `docker_container.workspace[0]: ${up ? 'Creation' : 'Destruction'} complete after 1s`,
    },
    { stage: 'Cleaning Up', output: '' },
  ];
}

function dockerVersion(model: SimModel, jobs: JobRunner, admin: SimUser, fileId: string): SimVersion {
  const id = randomUUID();
  return {
    id,
    template_id: null,
    organization_id: model.org.id,
    name: 'dazzling_lovelace',
    message: 'Initial version',
    readme: '# Docker\n\nDevelop in a Docker container.',
    created_at: now(),
    updated_at: now(),
    created_by: admin.id,
    job: jobs.finishedJob('template_version_import', fileId, admin.id, { template_version_id: id }, IMPORT_LOGS),
    parameters: [
      {
        name: 'region',
        display_name: 'Region',
        type: 'string',
        default_value: 'us-east',
        description: 'Where the workspace runs.',
        options: [
          { name: 'US East', value: 'us-east', description: '', icon: '' },
          { name: 'EU West', value: 'eu-west', description: '', icon: '' },
        ],
        mutable: false,
        required: false,
      },
      {
        name: 'cpu',
        display_name: 'CPU cores',
        type: 'number',
        default_value: '2',
        description: 'CPU cores.',
        options: [],
        mutable: true,
        required: false,
      },
    ],
    presets: [
      {
        ID: randomUUID(),
        Name: 'Small EU',
        Parameters: [
          { Name: 'region', Value: 'eu-west' },
          { Name: 'cpu', Value: '2' },
        ],
        Default: true,
        DesiredPrebuildInstances: null,
        Description: 'Two cores in Europe',
        Icon: '',
      },
    ],
  };
}

export function seed(model: SimModel, jobs: JobRunner): Demo {
  const user = createUser(model, 'admin', 'owner');
  const member = createUser(model, 'alice', 'member');
  const fileId = randomUUID();
  model.files.set(fileId, {
    id: fileId,
    hash: '',
    created_by: user.id,
    content_type: 'application/x-tar',
    names: ['main.tf'],
  });
  const version = dockerVersion(model, jobs, user, fileId);
  model.versions.set(version.id, version);
  const template: SimTemplate = {
    id: randomUUID(),
    organization_id: model.org.id,
    name: 'docker',
    display_name: 'Docker',
    description: 'Develop in a Docker container',
    icon: '/icon/docker.png',
    active_version_id: version.id,
    created_at: now(),
    updated_at: now(),
    created_by: user.id,
    deleted: false,
  };
  model.templates.set(template.id, template);
  version.template_id = template.id;

  const running = seedWorkspace(model, jobs, user, version, 'dev', 'start');
  const stopped = seedWorkspace(model, jobs, user, version, 'stopped-ws', 'stop');
  const agent = model.latestBuild(running).agent;
  return {
    user,
    member,
    templateId: template.id,
    templateVersionId: version.id,
    workspaceId: running.id,
    workspaceName: running.name,
    agentId: agent.id,
    agentName: agent.name,
    stoppedWorkspaceId: stopped.id,
    stoppedWorkspaceName: stopped.name,
  };
}

/** A workspace whose only build has already finished: running with a ready agent, or stopped. */
function seedWorkspace(
  model: SimModel,
  jobs: JobRunner,
  owner: SimUser,
  version: SimVersion,
  name: string,
  transition: Transition,
): SimWorkspace {
  const at = now();
  const ws: SimWorkspace = {
    id: randomUUID(),
    name,
    owner_id: owner.id,
    template_id: version.template_id ?? '',
    created_at: at,
    last_used_at: at,
    builds: [],
    deleted: false,
  };
  const up = transition === 'start';
  const id = randomUUID();
  const build: SimBuild = {
    id,
    workspace_id: ws.id,
    build_number: 1,
    transition,
    template_version_id: version.id,
    initiator_id: owner.id,
    created_at: at,
    job: jobs.finishedJob('workspace_build', version.job.file_id, owner.id, { workspace_build_id: id }, buildLogs(up)),
    agent: newAgent(undefined, up, DEFAULT_APPS),
    preset_id: null,
    parameters: [
      { name: 'region', value: 'us-east' },
      { name: 'cpu', value: '2' },
    ],
  };
  if (up) {
    updateAgent(build.agent, { status: 'connected', lifecycle_state: 'starting' });
    for (const line of ['Cloning dotfiles...', 'Installing code-server', 'startup script finished'])
      appendAgentLog(model, build.agent, line);
    updateAgent(build.agent, { lifecycle_state: 'ready' });
  }
  ws.builds.push(build);
  model.workspaces.set(ws.id, ws);
  return ws;
}
