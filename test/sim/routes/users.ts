/** Users and authorization checks: /users/me, /users/{user}, /authcheck. */
import { z } from 'zod';
import { notFound, ok, readJson, type Router } from '../http';
import type { SimModel, SimUser } from '../model';
import { userJson } from '../render';

export function resolveUser(model: SimModel, caller: SimUser, ref: string): SimUser {
  if (ref === 'me' || ref === '') return caller;
  const user = model.userByName(ref) ?? model.users.get(ref);
  if (!user) throw notFound();
  return user;
}

const authcheckBody = z.object({
  checks: z.record(
    z.string(),
    z.object({
      object: z.object({
        resource_type: z.string(),
        resource_id: z.string().optional(),
        owner_id: z.string().optional(),
        organization_id: z.string().optional(),
      }),
      action: z.string(),
    }),
  ),
});

export function userRoutes(router: Router, model: SimModel): void {
  router.get('/api/v2/users/:user', (ctx) => ok(userJson(model, resolveUser(model, ctx.user, ctx.params.user ?? ''))));

  router.post('/api/v2/authcheck', (ctx) => {
    const { checks } = readJson(ctx, authcheckBody);
    const answers: Record<string, boolean> = {};
    for (const [key, check] of Object.entries(checks)) {
      answers[key] = allowed(model, ctx.user, check.object, check.action);
    }
    return ok(answers);
  });
}

function allowed(model: SimModel, user: SimUser, object: { resource_type: string; resource_id?: string; owner_id?: string }, action: string): boolean {
  if (action === 'ssh' && model.sshDenied.has(user.username)) return false;
  if (user.roles === 'owner') return true;
  if (object.resource_type !== 'workspace') return action === 'read';
  const ws = object.resource_id ? model.workspaces.get(object.resource_id) : undefined;
  const ownerId = ws?.owner_id ?? object.owner_id;
  return ownerId === user.id;
}
