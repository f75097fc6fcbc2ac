/** Templates, template versions (import jobs, parameters, presets, logs) and file uploads. */
import { randomUUID } from 'node:crypto';
import { extract } from 'tar-stream';
import { z } from 'zod';
import { parseQuery } from '../filters';
import { badRequest, forbidden, HttpError, notFound, ok, readJson, uuidParam, type RouteContext, type Router } from '../http';
import type { JobRunner } from '../jobs';
import { now, randomAlnum, type SimModel, type SimTemplate, type SimVersion } from '../model';
import { parameterJson, templateJson, versionJson } from '../render';
import { streamJobLogs } from './logstream';

const MAX_FILE = 10 * 1024 * 1024;
const TEMPLATE_KEYS = ['name', 'exact_name', 'deprecated', 'has-ai-task', 'author', 'organization'] as const;

const versionBody = z.object({
  name: z.string().optional(),
  message: z.string().optional(),
  template_id: z.string().optional(),
  storage_method: z.literal('file'),
  file_id: z.string(),
  provisioner: z.literal('terraform'),
  tags: z.record(z.string(), z.string()).optional(),
});
const templateBody = z.object({
  name: z.string(),
  display_name: z.string().optional(),
  description: z.string().optional(),
  icon: z.string().optional(),
  template_version_id: z.string(),
});

function requireOwner(ctx: RouteContext): void {
  if (ctx.user.roles !== 'owner') throw forbidden();
}

function liveTemplate(model: SimModel, id: string): SimTemplate {
  const t = model.templates.get(id);
  if (!t || t.deleted) throw notFound();
  return t;
}

function version(model: SimModel, id: string): SimVersion {
  const v = model.versions.get(id);
  if (!v) throw notFound();
  return v;
}

export function templateRoutes(router: Router, model: SimModel, jobs: JobRunner): void {
  router.get('/api/v2/templates', (ctx) => {
    const { terms, words } = parseQuery(ctx.query.get('q') ?? '', TEMPLATE_KEYS, 'template');
    let list = [...model.templates.values()].filter((t) => !t.deleted);
    const exact = terms.get('exact_name');
    if (exact) list = list.filter((t) => t.name === exact);
    const name = terms.get('name') ?? words.join(' ');
    if (name) list = list.filter((t) => t.name.includes(name) || t.display_name.toLowerCase().includes(name.toLowerCase()));
    return ok(list.map((t) => templateJson(model, t)));
  });
  router.get('/api/v2/templates/:id', (ctx) => ok(templateJson(model, liveTemplate(model, uuidParam(ctx, 'id')))));

  router.delete('/api/v2/templates/:id', (ctx) => {
    const t = liveTemplate(model, uuidParam(ctx, 'id'));
    requireOwner(ctx);
    if (model.liveWorkspaces().some((w) => w.template_id === t.id)) {
      throw badRequest('All workspaces must be deleted before a template can be removed.');
    }
    t.deleted = true;
    return ok({ message: 'Template has been deleted!' });
  });

  router.patch('/api/v2/templates/:id/versions', (ctx) => {
    const t = liveTemplate(model, uuidParam(ctx, 'id'));
    requireOwner(ctx);
    const { id } = readJson(ctx, z.object({ id: z.string() }));
    const v = model.versions.get(id);
    if (!v) throw notFound();
    if (v.template_id !== t.id) throw badRequest('The provided template version doesn\'t belong to the specified template.');
    if (v.job.status !== 'succeeded') throw badRequest('The provided template version has failed to import or has not finished importing.');
    t.active_version_id = v.id;
    return ok({ message: 'Updated the active template version!' });
  });

  router.get('/api/v2/templateversions/:id', (ctx) => ok(versionJson(model, version(model, uuidParam(ctx, 'id')))));
  router.get('/api/v2/templateversions/:id/rich-parameters', (ctx) => {
    const v = version(model, uuidParam(ctx, 'id'));
    if (v.job.status !== 'succeeded') throw badRequest('Template version job has not finished');
    return ok(v.parameters.map(parameterJson));
  });
  router.get('/api/v2/templateversions/:id/presets', (ctx) => ok(version(model, uuidParam(ctx, 'id')).presets));
  router.get('/api/v2/templateversions/:id/logs', (ctx) => ok(version(model, uuidParam(ctx, 'id')).job.logs));
  router.ws('/api/v2/templateversions/:id/logs', (ctx) => {
    const { job } = version(model, uuidParam(ctx, 'id'));
    return (ws) => streamJobLogs(job, ws);
  });

  router.post('/api/v2/organizations/:org/templateversions', (ctx) => {
    requireOwner(ctx);
    if (ctx.params.org !== model.org.id) throw notFound();
    const body = readJson(ctx, versionBody);
    const file = model.files.get(body.file_id);
    if (!file) throw badRequest('File not found.', [{ field: 'file_id', detail: 'file not found' }]);
    if (body.template_id) liveTemplate(model, body.template_id);
    const v: SimVersion = {
      id: randomUUID(),
      template_id: body.template_id ?? null,
      organization_id: model.org.id,
      name: body.name ?? `sim_${randomAlnum(8).toLowerCase()}`,
      message: body.message ?? '',
      created_at: now(),
      created_by: ctx.user.id,
      job: jobs.newJob('template_version_import', file.id),
      parameters: [],
      presets: [],
    };
    model.versions.set(v.id, v);
    const hasTerraform = file.names.some((n) => n.endsWith('.tf') || n.endsWith('.tf.json'));
    jobs.run(v.job, {
      outputs: ['Initializing the backend...', 'Terraform plan'],
      ...(hasTerraform ? {} : { failWith: 'No Terraform files (*.tf) found in the uploaded archive.' }),
    });
    return ok(versionJson(model, v), 201);
  });

  router.post('/api/v2/organizations/:org/templates', (ctx) => {
    requireOwner(ctx);
    if (ctx.params.org !== model.org.id) throw notFound();
    const body = readJson(ctx, templateBody);
    const v = model.versions.get(body.template_version_id);
    if (!v) throw notFound();
    if (v.job.status !== 'succeeded') throw badRequest('The provided template version has failed to import or has not finished importing.');
    if ([...model.templates.values()].some((t) => !t.deleted && t.name === body.name)) {
      throw new HttpError(409, { message: `Template with name "${body.name}" already exists.`, validations: [{ field: 'name', detail: 'This value is already in use and should be unique.' }] });
    }
    const t: SimTemplate = {
      id: randomUUID(),
      organization_id: model.org.id,
      name: body.name,
      display_name: body.display_name ?? '',
      description: body.description ?? '',
      icon: body.icon ?? '',
      active_version_id: v.id,
      created_at: now(),
      created_by: ctx.user.id,
      deleted: false,
    };
    model.templates.set(t.id, t);
    v.template_id = t.id;
    return ok(templateJson(model, t), 201);
  });

  router.post('/api/v2/files', async (ctx) => {
    if (ctx.contentType !== 'application/x-tar' && ctx.contentType !== 'application/zip') {
      throw badRequest(`Unsupported content type header "${ctx.contentType}".`);
    }
    if (ctx.body.length > MAX_FILE) throw new HttpError(413, { message: 'File is too large.' });
    const names = ctx.contentType === 'application/x-tar' ? await tarNames(ctx.body) : [];
    const id = randomUUID();
    model.files.set(id, { id, content_type: ctx.contentType, names });
    return ok({ hash: id }, 201);
  });
}

function tarNames(data: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const names: string[] = [];
    const ex = extract();
    ex.on('entry', (header, stream, next) => {
      names.push(header.name);
      stream.on('end', next);
      stream.resume();
    });
    ex.on('finish', () => resolve(names));
    ex.on('error', (err: Error) => reject(badRequest('Failed to read the uploaded tar file.', undefined, err.message)));
    ex.end(data);
  });
}
