/**
 * Workspace builds (coderd/wsbuilder): the checks a new build must pass, and the build itself, whose
 * provisioner job drives the agents. A start brings up a new agent (connecting → connected and
 * starting, with startup logs → ready one step later); a stop or delete shuts the previous one down
 * (shutting_down → off, disconnected); a finished delete removes the workspace from lists and lookups.
 */
import { randomUUID } from 'node:crypto';
import { ZERO_UUID } from './body';
import { fail } from './http';
import type { JobRunner } from './jobs';
import {
  appendAgentLog,
  now,
  updateAgent,
  type SimAgent,
  type SimApp,
  type SimBuild,
  type SimModel,
  type SimTemplate,
  type SimUser,
  type SimVersion,
  type SimWorkspace,
  type Transition,
} from './model';

/** wsbuilder.BuildError as coderd writes it: the message doubles as the detail. */
function buildError(status: number, message: string, detail = message) {
  return fail(status, message, { detail });
}

/** checkTemplateVersionMatchesTemplate and checkTemplateJobStatus, in wsbuilder's order. */
export function checkVersion(template: SimTemplate, version: SimVersion | undefined): SimVersion {
  if (!version) throw buildError(400, 'template version does not exist', 'sql: no rows in result set');
  if (version.template_id !== template.id) {
    throw buildError(
      400,
      "template version doesn't match template",
      `templateVersion.TemplateID = {UUID:${version.template_id ?? ZERO_UUID} Valid:${version.template_id !== null}}, template.ID = ${template.id}`,
    );
  }
  const { status, error } = version.job;
  if (status === 'pending' || status === 'running') {
    throw buildError(406, `The provided template version is ${status}. Wait for it to complete importing!`);
  }
  if (status === 'failed' || status === 'canceled') {
    throw buildError(
      400,
      `The provided template version "${version.name}" has failed to import: "${error}". You cannot build workspaces with it!`,
    );
  }
  return version;
}

/** checkRunningBuild. */
export function checkNoActiveBuild(ws: SimWorkspace): void {
  const latest = ws.builds[ws.builds.length - 1];
  if (latest && latest.job.completed_at === null) throw buildError(409, 'A workspace build is already active.');
}

const STEPS: Record<Transition, { stage: string; output: string }[]> = {
  start: [
    { stage: 'Planning infrastructure', output: 'Terraform 1.9.8' },
    { stage: 'Starting workspace', output: 'docker_container.workspace[0]: Creation complete after 1s' },
  ],
  stop: [
    { stage: 'Planning infrastructure', output: 'Terraform 1.9.8' },
    { stage: 'Stopping workspace', output: 'docker_container.workspace[0]: Destruction complete after 1s' },
  ],
  delete: [
    { stage: 'Planning infrastructure', output: 'Terraform 1.9.8' },
    { stage: 'Destroying workspace', output: 'docker_volume.home_volume: Destruction complete after 0s' },
  ],
};

export interface BuildSpec {
  transition: Transition;
  versionId: string;
  presetId: string | null;
  parameters: { name: string; value: string }[];
}

export class Builds {
  /** Errors the next builds fail with, one per build (a test's injected provisioner failure). */
  readonly failNext: string[] = [];

  constructor(
    private readonly model: SimModel,
    private readonly jobs: JobRunner,
  ) {}

  /** Appends a build to the workspace and runs its job. */
  create(ws: SimWorkspace, initiator: SimUser, spec: BuildSpec): SimBuild {
    const previous = ws.builds[ws.builds.length - 1];
    const id = randomUUID();
    const up = spec.transition === 'start';
    const build: SimBuild = {
      id,
      workspace_id: ws.id,
      build_number: (previous?.build_number ?? 0) + 1,
      transition: spec.transition,
      template_version_id: spec.versionId,
      initiator_id: initiator.id,
      created_at: now(),
      job: this.jobs.newJob(
        'workspace_build',
        this.model.versions.get(spec.versionId)?.job.file_id ?? ZERO_UUID,
        initiator.id,
        { workspace_build_id: id },
      ),
      agent: newAgent(previous?.agent, up),
      preset_id: spec.presetId,
      parameters: spec.parameters.length > 0 ? spec.parameters : (previous?.parameters ?? []),
    };
    ws.builds.push(build);
    ws.last_used_at = build.created_at;
    const old = previous?.agent;
    const failWith = this.failNext.shift();
    this.jobs.run(build.job, {
      steps: STEPS[spec.transition],
      ...(failWith ? { failWith } : {}),
      onRunning: () => {
        if (!up && old && old.lifecycle_state !== 'off') updateAgent(old, { lifecycle_state: 'shutting_down' });
      },
      onDone: (job) => {
        if (job.status !== 'succeeded') return;
        if (old && old.lifecycle_state !== 'off') updateAgent(old, { status: 'disconnected', lifecycle_state: 'off' });
        if (up) this.bootAgent(build.agent);
        if (spec.transition === 'delete') ws.deleted = true;
      },
    });
    return build;
  }

  /** The agent dials in and runs its startup script for one step, then is ready. */
  private bootAgent(agent: SimAgent): void {
    updateAgent(agent, { status: 'connected', lifecycle_state: 'starting' });
    appendAgentLog(this.model, agent, 'Cloning dotfiles...');
    this.jobs.later(this.jobs.stepMs, () => {
      appendAgentLog(this.model, agent, 'startup script finished');
      updateAgent(agent, { lifecycle_state: 'ready' });
    });
  }
}

/** The apps of the demo template's agent: one with a display name, one with only a slug. */
export const DEFAULT_APPS: SimApp[] = [
  { id: '', slug: 'code-server', display_name: 'VS Code Web', url: 'http://localhost:13337' },
  { id: '', slug: 'jupyter', display_name: '', url: 'http://localhost:8080' },
];

/** The agent row of a new build: same name and apps as before, fresh ids. */
export function newAgent(
  previous: SimAgent | undefined,
  up: boolean,
  apps: SimApp[] = previous?.apps ?? DEFAULT_APPS,
): SimAgent {
  const at = now();
  return {
    id: randomUUID(),
    name: previous?.name ?? 'main',
    resource_id: randomUUID(),
    created_at: at,
    updated_at: at,
    status: up ? 'connecting' : 'disconnected',
    lifecycle_state: up ? 'created' : 'off',
    first_connected_at: null,
    last_connected_at: null,
    disconnected_at: up ? null : at,
    started_at: null,
    ready_at: null,
    apps: apps.map((a) => ({ ...a, id: randomUUID() })),
    logs: [],
    watchers: new Set(),
  };
}
