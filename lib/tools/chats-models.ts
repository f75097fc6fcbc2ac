/**
 * coder_list_chat_model_configs (codersdk/toolsdk/chats.go at coderd HEAD): the enabled chat models
 * (`GET /api/experimental/chats/model-configs`). An admin's list holds disabled configs and configs of
 * disabled providers too, so the providers are read (`GET /api/v2/ai/providers`) to drop the latter.
 * A 403 there is fine only if the caller cannot read the deployment config either (then the list was
 * the member's, already filtered by coderd); a deployment-config reader without provider access gets
 * an error rather than a list that may offer unusable models (coderd fails closed the same way).
 */
import * as z from 'zod';
import type { CoderClient } from '../coder/client';
import { aiProviderSchema, CHATS_PATH, chatModelConfigSchema } from '../coder/chats';
import { CoderApiError } from '../coder/errors';
import { PermissionError, prefixed, prefixError } from '../errors';

import { defineTool } from './types';

const isForbidden = (err: unknown) => err instanceof CoderApiError && err.status === 403;

/** Provider id → enabled, or undefined when the caller's list is already filtered server-side. */
async function providerStates(coder: CoderClient): Promise<Map<string, boolean> | undefined> {
  try {
    const providers = await coder.get('/api/v2/ai/providers', z.array(aiProviderSchema).nullable());
    return new Map((providers ?? []).map((p) => [p.id, p.enabled]));
  } catch (err) {
    if (!isForbidden(err)) throw prefixError('list AI providers', err);
  }
  try {
    await coder.get('/api/v2/deployment/config', z.unknown());
  } catch (err) {
    if (isForbidden(err)) return undefined;
    throw prefixError('verify deployment config access', err);
  }
  throw new PermissionError(
    'cannot verify provider availability for the admin model config list: missing AI provider read permission',
  );
}

export const listChatModelConfigs = defineTool({
  name: 'coder_list_chat_model_configs',
  description: `List the enabled chat models available for Coder Agents chats. Use a model config ID with coder_create_chat to pick a model.

Per-user provider credentials are validated when creating a chat, so coder_create_chat can still reject a listed model with an explanatory error.`,
  annotations: 'read',
  input: () => z.object({}),
  output: () =>
    z.object({
      model_configs: z.array(
        z.object({ id: z.string(), model: z.string(), display_name: z.string(), is_default: z.boolean() }),
      ),
    }),
  handler: async (_args, { coder }) => {
    const configs =
      (await prefixed(
        'list chat model configs',
        coder.get(`${CHATS_PATH}/model-configs`, z.array(chatModelConfigSchema).nullable()),
      )) ?? [];
    const enabled = await providerStates(coder);
    // A map is authoritative: a soft-deleted provider is missing from it while its configs stay in the admin list.
    const usable = configs.filter(
      (c) => c.enabled && (enabled === undefined || enabled.get(c.ai_provider_id ?? '') === true),
    );
    return {
      model_configs: usable.map((c) => ({
        id: c.id,
        model: c.model,
        display_name: c.display_name,
        is_default: c.is_default,
      })),
    };
  },
});
