/**
 * The OAuth2 provider's routes and the password login, registered on the simulator's router. Every
 * route CODER_OAUTH2_PROVIDER_ENABLE controls (the two .well-known documents and /oauth2/*) answers
 * coderd's 404 "Route not found." while the provider is off, the same body as a path that does not
 * exist (coderd/oauth2provider/provider_disabled_test.go). The login routes are always there.
 */
import { routeNotFound, type HttpHandler, type Router } from '../http';
import type { SimModel } from '../model';
import { processAuthorize, showAuthorize, type AuthorizeDeps } from './authorize';
import { postLogin, showLoginPage, submitLoginPage } from './login';
import { authorizationServerMetadata, protectedResourceMetadata } from './metadata';
import { clientConfiguration, register } from './registration';
import { revoke } from './revoke';
import type { OAuth2Store } from './store';
import { tokens } from './tokens';

export function oauth2Routes(router: Router, model: SimModel, store: OAuth2Store, baseUrl: () => string): void {
  const accessUrl = () => model.accessUrl ?? baseUrl();
  const deps: AuthorizeDeps = { model, store, baseUrl, accessUrl };
  const gated =
    (h: HttpHandler): HttpHandler =>
    (ctx) => {
      if (!store.switches.enabled) throw routeNotFound();
      return h(ctx);
    };
  const open = { auth: false };

  // coderd mounts each document with a `/*` suffix route too (path-suffixed discovery).
  for (const suffix of ['', '/:suffix']) {
    router.get(
      `/.well-known/oauth-authorization-server${suffix}`,
      gated(() => authorizationServerMetadata(store, accessUrl())),
      open,
    );
    router.get(
      `/.well-known/oauth-protected-resource${suffix}`,
      gated(() => protectedResourceMetadata(accessUrl())),
      open,
    );
  }
  router.get(
    '/oauth2/authorize',
    gated((ctx) => showAuthorize(deps, ctx)),
    open,
  );
  router.post(
    '/oauth2/authorize',
    gated((ctx) => processAuthorize(deps, ctx)),
    open,
  );
  router.post(
    '/oauth2/tokens',
    gated((ctx) => tokens(model, store, ctx)),
    open,
  );
  router.post(
    '/oauth2/revoke',
    gated((ctx) => revoke(model, store, ctx)),
    open,
  );
  router.post(
    '/oauth2/register',
    gated((ctx) => register(store, ctx, accessUrl())),
    open,
  );
  router.get(
    '/oauth2/clients/:client_id',
    gated((ctx) => clientConfiguration(store, ctx, accessUrl())),
    open,
  );

  router.post('/api/v2/users/login', (ctx) => postLogin(model, ctx), open);
  router.get('/login', showLoginPage, open);
  router.post('/login', (ctx) => submitLoginPage(model, ctx), open);
}
