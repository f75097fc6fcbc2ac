/** Workspaces and their builds: list with q= filters, lookups, create, start/stop/delete, build logs. */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseQuery } from '../filters';
import { badRequest, forbidden, HttpError, notFound, ok, readJson, uuidParam, type RouteContext, type Router } from '../http';
import type { JobRunner } from '../jobs';
import { now, type SimBuild, type SimModel, type SimUser, type SimWorkspace } from '../model';
import { buildJson, buildStatus, workspaceJson } from '../render';
import { streamJobLogs } from './logstream';
import { resolveUser } from './users';

const NAME_RE = /^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/;
const WORKSPACE_KEYS = ['owner', 'name', 'template', 'status', 'has-agent', 'outdated'] as const;

const parameterValues = z.array(z.object({ name: z.string(), value: z.string() })).nullish();
const createBody = z.object({
  name: z.string(),
  template_id: z.string().optional(),
  template_version_id: z.string().optional(),
  template_version_preset_id: z.string().optional(),
  rich_parameter_values: parameterValues,
});
const buildBody = z.object({
  transition: z.enum(['start', 'stop', 'delete']),
  template_version_id: z.string().optional(),
  template_version_preset_id: z.string().optional(),
  rich_parameter_values: parameterValues,
});

const ZERO = '00000000-0000-0000-0000-000000000000';

export function canSee(user: SimUser, ws: SimWorkspace): boolean {
  return user.roles === 'owner' || ws.owner_id === user.id;
}

export function visibleWorkspace(model: SimModel, user: SimUser, id: string): SimWorkspace {
  const ws = model.workspaces.get(id);
  if (!ws || ws.deleted || !canSee(user, ws)) throw notFound();
  return ws;
}

export class Builds {
  constructor(
    private readonly model: SimModel,
    private readonly jobs: JobRunner,
  ) {}

  /** Appends a build and runs its job; the agent comes up when a start succeeds and goes away on stop. */
  create(ws: SimWorkspace, user: SimUser, transition: SimBuild['transition'], versionId: string, presetId: string | null): SimBuild {
    const previous = ws.builds[ws.builds.length - 1];
    const agentName = previous?.agent.name ?? 'main';
    const build: SimBuild = {
      id: randomUUID(),
      workspace_id: ws.id,
      build_number: (previous?.build_number ?? 0) + 1,
      transition,
      template_version_id: versionId,
      initiator_id: user.id,
      created_at: now(),
      job: this.jobs.newJob('workspace_build', randomUUID()),
      agent: {
        id: randomUUID(),
        name: agentName,
        resource_id: randomUUID(),
        created_at: now(),
        status: transition === 'start' ? 'connecting' : 'disconnected',
        lifecycle_state: transition === 'start' ? 'created' : 'off',
        apps: previous?.agent.apps.map((a) => ({ ...a, id: randomUUID() })) ?? [],
        logs: [],
      },
      preset_id: presetId,
    };
    ws.builds.push(build);
    this.jobs.run(build.job, {
      outputs: [`Terraform ${transition === 'delete' ? 'destroy' : 'apply'}`, `${transition}: docker_container.workspace`],
      onDone: () => {
        if (transition === 'start') {
          build.agent.status = 'connected';
          build.agent.lifecycle_state = 'ready';
          build.agent.logs.push({ id: this.model.nextLogId(), created_at: now(), output: 'startup script finished', level: 'info', source_id: ZERO });
        }
        if (transition === 'delete') ws.deleted = true;
      },
    });
    return build;
  }
}

export function workspaceRoutes(router: Router, model: SimModel, builds: Builds, jobs: JobRunner): void {
  router.get('/api/v2/workspaces', (ctx) => {
    const { terms, words } = parseQuery(ctx.query.get('q') ?? '', WORKSPACE_KEYS, 'workspace');
    let list = model.liveWorkspaces().filter((w) => canSee(ctx.user, w));
    const owner = terms.get('owner');
    if (owner) {
      const ownerUser = owner === 'me' ? ctx.user : model.userByName(owner);
      list = list.filter((w) => w.owner_id === ownerUser?.id);
    }
    const name = terms.get('name') ?? words.join(' ');
    if (name) list = list.filter((w) => w.name.includes(name));
    const template = terms.get('template');
    if (template) list = list.filter((w) => model.templates.get(w.template_id)?.name === template);
    const status = terms.get('status');
    if (status) list = list.filter((w) => buildStatus(model.latestBuild(w)) === status);
    const rendered = list.map((w) => workspaceJson(model, w));
    return ok({ workspaces: rendered, count: rendered.length });
  });

  router.get('/api/v2/workspaces/:id', (ctx) => ok(workspaceJson(model, visibleWorkspace(model, ctx.user, uuidParam(ctx, 'id')))));

  router.get('/api/v2/users/:user/workspace/:name', (ctx) => {
    const owner = resolveUser(model, ctx.user, ctx.params.user ?? '');
    const ws = model.liveWorkspaces().find((w) => w.owner_id === owner.id && w.name === ctx.params.name);
    if (!ws || !canSee(ctx.user, ws)) throw notFound();
    return ok(workspaceJson(model, ws));
  });

  router.post('/api/v2/users/:user/workspaces', (ctx) => createWorkspace(ctx, model, builds));
  router.post('/api/v2/organizations/:org/members/:user/workspaces', (ctx) => createWorkspace(ctx, model, builds));

  router.post('/api/v2/workspaces/:id/builds', (ctx) => {
    const ws = visibleWorkspace(model, ctx.user, uuidParam(ctx, 'id'));
    const body = readJson(ctx, buildBody);
    const latest = model.latestBuild(ws);
    if (!jobs.isDone(latest.job)) throw new HttpError(409, { message: 'A workspace build is already active.' });
    const versionId = body.template_version_id || latest.template_version_id;
    if (!model.versions.has(versionId)) throw badRequest('Template version not found.');
    const build = builds.create(ws, ctx.user, body.transition, versionId, body.template_version_preset_id ?? null);
    return ok(buildJson(model, build), 201);
  });

  router.get('/api/v2/workspacebuilds/:id', (ctx) => ok(buildJson(model, visibleBuild(model, ctx, uuidParam(ctx, 'id')))));
  router.get('/api/v2/workspacebuilds/:id/logs', (ctx) => ok(visibleBuild(model, ctx, uuidParam(ctx, 'id')).job.logs));
  router.ws('/api/v2/workspacebuilds/:id/logs', (ctx) => {
    const { job } = visibleBuild(model, ctx, uuidParam(ctx, 'id'));
    return (ws) => streamJobLogs(job, ws);
  });
}

function visibleBuild(model: SimModel, ctx: RouteContext, id: string): SimBuild {
  const build = model.findBuild(id);
  const ws = build ? model.workspaces.get(build.workspace_id) : undefined;
  if (!build || !ws || !canSee(ctx.user, ws)) throw notFound();
  return build;
}

function createWorkspace(ctx: RouteContext, model: SimModel, builds: Builds) {
  const owner = resolveUser(model, ctx.user, ctx.params.user ?? '');
  if (owner.id !== ctx.user.id && ctx.user.roles !== 'owner') throw forbidden();
  const body = readJson(ctx, createBody);
  if (!NAME_RE.test(body.name) || body.name.length > 32) {
    throw badRequest('Validation failed.', [{ field: 'name', detail: 'Must be alphanumeric with hyphens and at most 32 characters.' }]);
  }
  const templateId = body.template_id && body.template_id !== ZERO ? body.template_id : undefined;
  const versionId = body.template_version_id && body.template_version_id !== ZERO ? body.template_version_id : undefined;
  if (!templateId && !versionId) throw badRequest('Either template_id or template_version_id must be set.');
  const version = versionId ? model.versions.get(versionId) : undefined;
  const template = model.templates.get(templateId ?? version?.template_id ?? '');
  if (!template || template.deleted) {
    throw badRequest(`Template by ID "${templateId ?? versionId}" not found.`, [{ field: templateId ? 'template_id' : 'template_version_id', detail: 'template not found' }]);
  }
  if (model.liveWorkspaces().some((w) => w.owner_id === owner.id && w.name === body.name)) {
    throw new HttpError(409, { message: `Workspace "${body.name}" already exists.`, validations: [{ field: 'name', detail: 'This value is already in use and should be unique.' }] });
  }
  const ws: SimWorkspace = { id: randomUUID(), name: body.name, owner_id: owner.id, template_id: template.id, created_at: now(), builds: [], deleted: false };
  model.workspaces.set(ws.id, ws);
  builds.create(ws, ctx.user, 'start', versionId ?? template.active_version_id, body.template_version_preset_id ?? null);
  return ok(workspaceJson(model, ws), 201);
}
