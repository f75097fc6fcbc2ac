/** Users: `GET /users/me` and `GET /users/{username|id}`. */
import { ok, type Router } from '../http';
import type { SimModel } from '../model';
import { userJson } from '../render/common';
import { resolveUser } from './access';

export { resolveUser } from './access';

export function userRoutes(router: Router, model: SimModel): void {
  router.get('/api/v2/users/:user', (ctx) => ok(userJson(model, resolveUser(model, ctx.user, ctx.params.user ?? ''))));
}
