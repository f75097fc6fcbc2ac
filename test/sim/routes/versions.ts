/**
 * Template versions (coderd/templateversions.go): get, rich parameters, presets, import logs, and
 * creation from an uploaded file, whose import job succeeds when the archive holds Terraform files
 * and fails (with an error log line and job.error) when it does not.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Checks, goUuid, isZero, readJson, ZERO_UUID } from '../body';
import { badRequest, fail, notFound, ok, uuidParam, type RouteContext, type Router } from '../http';
import type { JobRunner } from '../jobs';
import { now, type SimModel, type SimVersion } from '../model';
import { randomVersionName, versionNameValid } from '../names';
import { parameterJson, versionJson } from '../render/templates';
import { callerOrg, canReachOrg, canSeeTemplate } from '../org-scope';
import { hasTerraform } from '../tar';
import { requireOwner } from './access';
import { jobLogRoutes } from './logstream';

const versionBody = z.object({
  name: z.string().default(''),
  message: z.string().default(''),
  template_id: goUuid.optional(),
  storage_method: z.string().default(''),
  file_id: goUuid.optional(),
  example_id: z.string().default(''),
  provisioner: z.string().default(''),
  tags: z.record(z.string(), z.string()).nullish(),
});

const IMPORT_STEPS = [
  { stage: 'Parsing template parameters', output: 'Terraform 1.9.8' },
  { stage: 'Detecting persistent resources', output: 'Initializing the backend...' },
  { stage: 'Detecting ephemeral resources', output: 'Terraform has been successfully initialized!' },
];

/** httpmw.ExtractTemplateVersionParam: a version of an organization the caller cannot reach is not found. */
function versionParam(model: SimModel, ctx: RouteContext): SimVersion {
  const v = model.versions.get(uuidParam(ctx, 'id'));
  if (!v || !canReachOrg(model, ctx.user, v.organization_id)) throw notFound();
  return v;
}

export function versionRoutes(router: Router, model: SimModel, jobs: JobRunner): void {
  router.get('/api/v2/templateversions/:id', (ctx) => ok(versionJson(model, versionParam(model, ctx))));
  router.get('/api/v2/templateversions/:id/rich-parameters', (ctx) => {
    const v = versionParam(model, ctx);
    if (!v.job.completed_at) throw fail(403, "Job hasn't completed!");
    return ok(v.parameters.map(parameterJson));
  });
  router.get('/api/v2/templateversions/:id/presets', (ctx) => ok(versionParam(model, ctx).presets));
  jobLogRoutes(router, '/api/v2/templateversions/:id/logs', (ctx) => versionParam(model, ctx).job);
  router.post('/api/v2/organizations/:org/templateversions', (ctx) => createVersion(ctx, model, jobs));
}

function createVersion(ctx: RouteContext, model: SimModel, jobs: JobRunner) {
  const org = callerOrg(model, ctx);
  const body = readJson(ctx, versionBody, 'codersdk.CreateTemplateVersionRequest');
  const fileId = body.file_id ?? ZERO_UUID;
  const hasSource = !isZero(fileId) || body.example_id !== '';
  new Checks()
    .expect(body.name === '' || versionNameValid(body.name), 'name', 'template_version_name', body.name)
    .oneOf('storage_method', body.storage_method, ['file'])
    .expect(hasSource, 'file_id', 'required_without', fileId)
    .expect(hasSource, 'example_id', 'required_without', body.example_id)
    .oneOf('provisioner', body.provisioner, ['terraform', 'echo'])
    .done();
  const templateId = isZero(body.template_id) ? null : (body.template_id ?? null);
  const template = templateId ? model.templates.get(templateId) : undefined;
  if (templateId && (!template || !canSeeTemplate(model, ctx.user, template)))
    throw fail(404, 'Template does not exist.');
  if (body.example_id && !isZero(fileId)) throw badRequest('You cannot specify both an example_id and a file_id.');
  if (body.example_id)
    throw badRequest('Example not found.', undefined, `example with id "${body.example_id}" not found`);
  const file = model.files.get(fileId);
  if (!file) throw fail(404, 'File not found.');
  requireOwner(ctx);
  const taken = (name: string) =>
    [...model.versions.values()].some((v) => templateId !== null && v.template_id === templateId && v.name === name);
  if (body.name && taken(body.name)) {
    throw fail(409, `A template version with name "${body.name}" already exists for this template.`, {
      validations: [{ field: 'name', detail: 'This value is already in use and should be unique.' }],
    });
  }
  const id = randomUUID();
  const at = now();
  const v: SimVersion = {
    id,
    template_id: templateId,
    organization_id: org.id,
    name: body.name || randomVersionName(taken),
    message: body.message,
    readme: '',
    created_at: at,
    updated_at: at,
    created_by: ctx.user.id,
    job: jobs.newJob('template_version_import', file.id, ctx.user.id, { template_version_id: id }),
    parameters: [],
    presets: [],
  };
  model.versions.set(v.id, v);
  jobs.run(v.job, {
    steps: IMPORT_STEPS,
    ...(hasTerraform(file.names)
      ? {}
      : { failWith: 'Error: No configuration files: the uploaded archive holds no Terraform (*.tf) files' }),
  });
  return ok(versionJson(model, v), 201);
}
