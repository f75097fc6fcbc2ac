/** `GET /users/{user}/organizations` (coderd/organizations.go `organizationsByUser`): the user's memberships. */
import { forbidden, ok, type Router } from '../http';
import type { SimModel } from '../model';
import { organizationJson, organizationsOf } from '../orgs';
import { resolveUser } from './access';

export function organizationRoutes(router: Router, model: SimModel): void {
  router.get('/api/v2/users/:user/organizations', (ctx) => {
    const user = resolveUser(model, ctx.user, ctx.params.user ?? '');
    if (user.id !== ctx.user.id && ctx.user.roles !== 'owner') throw forbidden();
    return ok(organizationsOf(model, user.id).map((o) => organizationJson(model, o)));
  });
}
