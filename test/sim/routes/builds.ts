/**
 * Workspace builds: `POST /workspaces/{id}/builds` (start, stop, delete), `GET /workspacebuilds/{id}`
 * and its logs (JSON or the `?follow` WebSocket), as coderd/workspacebuilds.go serves them.
 */
import { z } from 'zod';
import { checkNoActiveBuild, checkVersion, type Builds } from '../builds';
import { Checks, goUuid, isZero, readJson } from '../body';
import { notFound, ok, uuidParam, type RouteContext, type Router } from '../http';
import type { SimBuild, SimModel, Transition } from '../model';
import { buildJson } from '../render/workspaces';
import { canSee } from './access';
import { jobLogRoutes } from './logstream';
import { visibleWorkspace } from './workspaces';

const TRANSITIONS = ['start', 'stop', 'delete'] as const;

const buildBody = z.object({
  transition: z.string().default(''),
  template_version_id: goUuid.optional(),
  template_version_preset_id: goUuid.optional(),
  rich_parameter_values: z.array(z.object({ name: z.string(), value: z.string() })).nullish(),
  dry_run: z.boolean().optional(),
  orphan: z.boolean().optional(),
  log_level: z.string().optional(),
  reason: z.string().optional(),
});

function isTransition(t: string): t is Transition {
  return (TRANSITIONS as readonly string[]).includes(t);
}

function visibleBuild(model: SimModel, ctx: RouteContext): SimBuild {
  const build = model.findBuild(uuidParam(ctx, 'id'));
  const ws = build ? model.workspaces.get(build.workspace_id) : undefined;
  if (!build || !ws || !canSee(ctx.user, ws)) throw notFound();
  return build;
}

export function buildRoutes(router: Router, model: SimModel, builds: Builds): void {
  router.post('/api/v2/workspaces/:id/builds', (ctx) => {
    const ws = visibleWorkspace(model, ctx);
    const body = readJson(ctx, buildBody, 'codersdk.CreateWorkspaceBuildRequest');
    new Checks().oneOf('transition', body.transition, TRANSITIONS).done();
    const template = model.templates.get(ws.template_id);
    if (!isTransition(body.transition) || !template) throw notFound();
    // Without a version the build reuses the last build's one (wsbuilder's zero versionTarget).
    const versionId = isZero(body.template_version_id)
      ? model.latestBuild(ws).template_version_id
      : (body.template_version_id ?? '');
    checkVersion(template, model.versions.get(versionId));
    checkNoActiveBuild(ws);
    const build = builds.create(ws, ctx.user, {
      transition: body.transition,
      versionId,
      presetId: isZero(body.template_version_preset_id) ? null : (body.template_version_preset_id ?? null),
      parameters: body.rich_parameter_values ?? [],
    });
    return ok(buildJson(model, build), 201);
  });
  router.get('/api/v2/workspacebuilds/:id', (ctx) => ok(buildJson(model, visibleBuild(model, ctx))));
  jobLogRoutes(router, '/api/v2/workspacebuilds/:id/logs', (ctx) => visibleBuild(model, ctx).job);
}
