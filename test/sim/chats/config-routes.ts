/**
 * What coder_list_chat_model_configs reads (codersdk/toolsdk/chats.go at coderd HEAD): the chat model
 * configs (coderd/exp_chats.go `listChatModelConfigs`: an admin sees all of them, disabled ones too;
 * anyone else only the usable ones), the AI providers (`GET /api/v2/ai/providers`, admins only) and the
 * deployment config (`GET /api/v2/deployment/config`, admins only), which the tool asks for when the
 * providers are refused. Also `GET /api/v2/experiments`, whose list has `agents` while the chats API is on.
 */
import { forbidden, ok, type Router } from '../http';
import type { SimModel } from '../model';
import { modelConfigJson, providerJson } from './render';
import { BASE, type ChatDeps } from './routes';

export function chatConfigRoutes(router: Router, deps: ChatDeps, baseUrl: () => string): void {
  const { gate, store, model } = deps;
  router.get(
    `${BASE}/model-configs`,
    gate.http((ctx) => {
      const visible =
        ctx.user.roles === 'owner' ? store.modelConfigs : store.modelConfigs.filter((c) => store.usable(c));
      return ok(visible.map((c) => modelConfigJson(c, model.startedAt)));
    }),
    { auth: false },
  );
  router.get('/api/v2/ai/providers', (ctx) => {
    if (ctx.user.roles !== 'owner') throw forbidden();
    return ok(store.providers.map((p) => providerJson(p, model.startedAt)));
  });
  router.get('/api/v2/deployment/config', (ctx) => {
    if (ctx.user.roles !== 'owner') throw forbidden();
    return ok(deploymentConfig(model, baseUrl()));
  });
  router.get('/api/v2/experiments', () => ok(store.mode === 'on' ? ['agents'] : []));
}

/** codersdk.DeploymentConfig, the few values a client might look at. */
function deploymentConfig(model: SimModel, accessUrl: string) {
  return {
    config: { access_url: model.accessUrl ?? accessUrl, experiments: [], wildcard_access_url: model.appHost },
    options: [],
  };
}
