/** Demo data: an owner and a member, the `docker` template, a running workspace `dev` and a stopped one. */
import { randomUUID } from 'node:crypto';
import type { JobRunner } from './jobs';
import { createUser, now, type SimBuild, type SimModel, type SimUser, type SimVersion, type SimWorkspace } from './model';

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

export function seed(model: SimModel, jobs: JobRunner): Demo {
  const user = createUser(model, 'admin', 'owner');
  const member = createUser(model, 'alice', 'member');
  const fileId = randomUUID();
  model.files.set(fileId, { id: fileId, content_type: 'application/x-tar', names: ['main.tf'] });

  const version: SimVersion = {
    id: randomUUID(),
    template_id: null,
    organization_id: model.org.id,
    name: 'sim_initial',
    message: 'Initial version',
    created_at: now(),
    created_by: user.id,
    job: jobs.finishedJob('template_version_import', fileId, ['Initializing the backend...', 'Terraform plan']),
    parameters: [
      {
        name: 'region',
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
      { name: 'cpu', type: 'number', default_value: '2', description: 'CPU cores.', options: [], mutable: true, required: false },
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
  model.versions.set(version.id, version);
  const template = {
    id: randomUUID(),
    organization_id: model.org.id,
    name: 'docker',
    display_name: 'Docker',
    description: 'Develop in a Docker container',
    icon: '/icon/docker.png',
    active_version_id: version.id,
    created_at: now(),
    created_by: user.id,
    deleted: false,
  };
  model.templates.set(template.id, template);
  version.template_id = template.id;

  const running = workspace(model, jobs, user, template.id, version.id, 'dev', 'start');
  const stopped = workspace(model, jobs, user, template.id, version.id, 'stopped-ws', 'stop');
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

function workspace(model: SimModel, jobs: JobRunner, owner: SimUser, templateId: string, versionId: string, name: string, transition: 'start' | 'stop'): SimWorkspace {
  const ws: SimWorkspace = { id: randomUUID(), name, owner_id: owner.id, template_id: templateId, created_at: now(), builds: [], deleted: false };
  const up = transition === 'start';
  const build: SimBuild = {
    id: randomUUID(),
    workspace_id: ws.id,
    build_number: 1,
    transition,
    template_version_id: versionId,
    initiator_id: owner.id,
    created_at: now(),
    job: jobs.finishedJob('workspace_build', randomUUID(), ['Terraform apply', 'docker_container.workspace: Creation complete']),
    agent: {
      id: randomUUID(),
      name: 'main',
      resource_id: randomUUID(),
      created_at: now(),
      status: up ? 'connected' : 'disconnected',
      lifecycle_state: up ? 'ready' : 'off',
      apps: [
        { id: randomUUID(), slug: 'code-server', display_name: 'VS Code Web', url: 'http://localhost:13337' },
        { id: randomUUID(), slug: 'jupyter', display_name: '', url: 'http://localhost:8888' },
      ],
      logs: up
        ? ['Cloning dotfiles...', 'Installing code-server', 'startup script finished'].map((output) => ({
            id: model.nextLogId(),
            created_at: now(),
            output,
            level: 'info',
            source_id: '00000000-0000-0000-0000-000000000000',
          }))
        : [],
    },
    preset_id: null,
  };
  ws.builds.push(build);
  model.workspaces.set(ws.id, ws);
  return ws;
}
