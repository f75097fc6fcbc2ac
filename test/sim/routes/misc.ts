/** `POST /authcheck` (coderd/authorize.go, codersdk/authorization.go), the app host, and build info. */
import { z } from 'zod';
import { readJson } from '../body';
import { badRequest, isUuid, ok, uuidError, type Router } from '../http';
import type { SimModel, SimUser } from '../model';

const checkSchema = z.object({
  object: z.object({
    resource_type: z.string().default(''),
    resource_id: z.string().default(''),
    owner_id: z.string().default(''),
    organization_id: z.string().default(''),
    any_org: z.boolean().optional(),
  }),
  action: z.string().default(''),
});
const authcheckBody = z.object({ checks: z.record(z.string(), checkSchema).nullish() });

type Check = z.infer<typeof checkSchema>;

/** Resources a member may read without owning them. */
const READABLE = new Set(['template', 'user', 'organization', 'organization_member', 'file']);
/** Types a check may name by `resource_id`. */
const BY_ID = new Set(['workspace', 'template', 'user', 'group', 'workspace_execution']);

export function miscRoutes(router: Router, model: SimModel, baseUrl: () => string): void {
  router.post('/api/v2/authcheck', (ctx) => {
    const { checks } = readJson(ctx, authcheckBody, 'codersdk.AuthorizationRequest');
    const answers: Record<string, boolean> = {};
    for (const [key, check] of Object.entries(checks ?? {})) answers[key] = allowed(model, ctx.user, key, check);
    return ok(answers);
  });
  router.get('/api/v2/applications/host', () => ok({ host: model.appHost }));
  router.get(
    '/api/v2/buildinfo',
    () =>
      ok({
        external_url: 'https://github.com/coder/coder',
        version: 'v2.99.0-sim',
        agent_api_version: '2.0',
        provisioner_api_version: '1.0',
        upgrade_message: '',
        deployment_id: model.org.id,
        dashboard_url: baseUrl(),
        workspace_proxy: false,
        telemetry: false,
        webpush_public_key: '',
      }),
    { auth: false },
  );
}

/** checkAuthorization for one check, with the simulator's two roles and the ssh deny switch. */
function allowed(model: SimModel, user: SimUser, key: string, check: Check): boolean {
  const { object, action } = check;
  if (!object.resource_type) throw badRequest(`Object's "resource_type" field must be defined for key "${key}".`);
  let owner = object.owner_id === 'me' ? user.id : object.owner_id;
  if (object.resource_id) {
    if (!isUuid(object.resource_id)) {
      throw badRequest(`Object "${object.resource_id}" id is not a valid uuid.`, [
        { field: 'resource_id', detail: uuidError(object.resource_id) },
      ]);
    }
    if (!BY_ID.has(object.resource_type)) {
      const msg = `Object type "${object.resource_type}" does not support "resource_id" field.`;
      throw badRequest(msg, [{ field: 'resource_type', detail: msg }]);
    }
    // A resource that does not exist (or is not visible) is simply not allowed.
    const found = lookupOwner(model, object.resource_type, object.resource_id.toLowerCase());
    if (found === undefined) return false;
    owner = found;
  }
  if (action === 'ssh' && model.sshDenied.has(user.username)) return false;
  if (user.roles === 'owner') return true;
  if (object.resource_type === 'workspace' || object.resource_type === 'workspace_execution') return owner === user.id;
  if (object.resource_type === 'user' && owner === user.id) return true;
  return action === 'read' && READABLE.has(object.resource_type);
}

/** The owner of a resource named by id ('' for unowned ones), or undefined when it does not exist. */
function lookupOwner(model: SimModel, type: string, id: string): string | undefined {
  if (type === 'workspace' || type === 'workspace_execution') {
    const ws = model.workspaces.get(id);
    return ws && !ws.deleted ? ws.owner_id : undefined;
  }
  if (type === 'template') return model.templates.get(id)?.deleted === false ? '' : undefined;
  if (type === 'user') return model.users.has(id) ? id : undefined;
  return undefined;
}
