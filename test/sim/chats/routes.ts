/**
 * `/api/experimental/chats`: list, create, get and patch (coderd/exp_chats.go `listChats`, `postChats`,
 * `getChat`, `patchChat`), with coderd's status codes and error bodies. The messages, interrupt, files,
 * model configs and watch routes live beside this file.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { goUuid, isZero, readJson } from '../body';
import { parseChatQuery, type ChatFilter } from '../filters';
import {
  badRequest,
  fail,
  notFound,
  ok,
  uuidParam,
  type Reply,
  type RouteContext,
  type Router,
  type Validation,
} from '../http';
import { now, type SimModel, type SimUser } from '../model';
import { isMember } from '../orgs';
import type { ChatAgent } from './agent';
import type { ChatsGate } from './gate';
import { chatJson } from './render';
import type { ChatPart, ChatStore, SimChat, SimModelConfig } from './store';

export interface ChatDeps {
  store: ChatStore;
  agent: ChatAgent;
  model: SimModel;
  gate: ChatsGate;
}

export const BASE = '/api/experimental/chats';

/** codersdk.ChatInputPart, decoded as Go does (unknown fields ignored, absent ones zero). */
export const inputPart = z.object({
  type: z.string().default(''),
  text: z.string().default(''),
  file_id: goUuid.optional(),
});
export type InputPart = z.infer<typeof inputPart>;

const createChatBody = z.object({
  organization_id: goUuid.optional(),
  content: z.array(inputPart).nullish(),
  model_config_id: goUuid.nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
});

const patchChatBody = z.object({
  archived: z.boolean().nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
});

/** 204 No Content. */
export const NO_CONTENT: Reply = { status: 204, body: null, raw: { contentType: '', text: '' } };

/** httpmw.ChatParam: 400 for a malformed id, 404 for a chat that is missing or not the caller's. */
export function chatParam(ctx: RouteContext, store: ChatStore): SimChat {
  const id = uuidParam(ctx, 'chat');
  const chat = store.chats.get(id);
  if (!chat || !canSee(ctx.user, chat)) throw notFound();
  return chat;
}

function canSee(user: SimUser, chat: SimChat): boolean {
  return chat.owner_id === user.id || user.roles === 'owner';
}

/** GET and POST /chats. */
export function chatCollectionRoutes(router: Router, deps: ChatDeps): void {
  const { gate, store } = deps;
  router.get(
    BASE,
    gate.http((ctx) => listChats(ctx, store)),
    { auth: false },
  );
  router.post(
    BASE,
    gate.http((ctx) => createChat(ctx, deps)),
    { auth: false },
  );
}

/** GET and PATCH /chats/{chat}: registered after the static /chats/<word> routes (watch, model-configs), which the pattern also matches. */
export function chatItemRoutes(router: Router, deps: ChatDeps): void {
  const { gate, store } = deps;
  router.get(
    `${BASE}/:chat`,
    gate.http((ctx) => ok(chatJson(store, chatParam(ctx, store), { files: true }))),
    { auth: false },
  );
  router.patch(
    `${BASE}/:chat`,
    gate.http((ctx) => patchChat(ctx, deps)),
    { auth: false },
  );
}

/** GET /chats: the caller's own chats, most recently updated first; `q`, repeated `label=k:v`, `limit`, `offset`. */
function listChats(ctx: RouteContext, store: ChatStore): Reply {
  const { filter, errors } = parseChatQuery(ctx.query.get('q') ?? '');
  if (errors.length > 0) throw badRequest('Invalid chat search query.', errors);
  const labels = new Map<string, string>();
  for (const raw of ctx.query.getAll('label')) {
    const at = raw.indexOf(':');
    const key = at < 0 ? '' : raw.slice(0, at);
    const value = at < 0 ? '' : raw.slice(at + 1);
    if (!key || !value)
      throw badRequest(
        `Invalid label filter: ${JSON.stringify(raw)} (expected format key:value, both must be non-empty)`,
      );
    labels.set(key, value);
  }
  const limit = pagination(ctx, 'limit');
  const offset = pagination(ctx, 'offset');
  const chats = [...store.chats.values()]
    .filter((c) => c.owner_id === ctx.user.id && matches(c, filter) && [...labels].every(([k, v]) => c.labels[k] === v))
    .sort((a, b) => (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0));
  const page = chats.slice(offset, limit > 0 ? offset + limit : undefined);
  return ok(page.map((c) => chatJson(store, c, { files: false })));
}

function matches(chat: SimChat, f: ChatFilter): boolean {
  if (chat.archived !== (f.archived ?? false)) return false;
  if (f.status && chat.status !== f.status) return false;
  if (f.title && !chat.title.toLowerCase().includes(f.title)) return false;
  if (f.search) {
    const text = [
      chat.title,
      ...chat.messages.flatMap((m) => m.content.flatMap((p) => (p.type === 'text' ? [p.text] : []))),
    ]
      .join('\n')
      .toLowerCase();
    if (!text.includes(f.search)) return false;
  }
  return true;
}

/** coderd's ParsePagination: a non-negative integer or 400 with a validation naming the parameter. */
function pagination(ctx: RouteContext, name: 'limit' | 'offset'): number {
  const raw = ctx.query.get(name) ?? '';
  if (raw === '') return 0;
  if (!/^\d+$/.test(raw)) {
    throw badRequest('Query parameters have invalid values.', [
      { field: name, detail: `Query param "${name}" must be a valid non-negative integer` },
    ]);
  }
  return Number(raw);
}

/** POST /chats: validates as postChats does, in its order, then starts the first turn. 201 with the chat. */
function createChat(ctx: RouteContext, deps: ChatDeps): Reply {
  const { store, agent, model } = deps;
  const body = readJson(ctx, createChatBody, 'codersdk.CreateChatRequest');
  if (isZero(body.organization_id)) throw badRequest('organization_id is required.');
  const orgId = body.organization_id ?? '';
  if (!isMember(model, ctx.user.id, orgId)) throw fail(403, 'You are not a member of the specified organization.');
  const content = chatContent(body.content ?? []);
  const config = modelConfig(store, body.model_config_id ?? undefined);
  const labels = body.labels ?? {};
  const invalid = labelProblems(labels);
  if (invalid.length > 0) throw badRequest('Invalid labels.', invalid);
  const at = now();
  const prompt = content.map((p) => (p.type === 'text' ? p.text : '')).join(' ');
  const chat: SimChat = {
    id: randomUUID(),
    organization_id: orgId,
    owner_id: ctx.user.id,
    title: chatTitle(prompt),
    status: 'running',
    last_error: undefined,
    last_turn_summary: null,
    last_model_config_id: config.id,
    labels,
    archived: false,
    created_at: at,
    updated_at: at,
    file_ids: [],
    messages: [],
    queue: [],
  };
  store.chats.set(chat.id, chat);
  agent.addUserMessage(chat, content, ctx.user.id);
  store.publish('created', chat);
  agent.start(chat, prompt);
  return ok(chatJson(store, chat, { files: true }), 201);
}

/** createChatInputFromParts: text parts only here (files are not uploaded through the simulator). */
export function chatContent(parts: InputPart[]): ChatPart[] {
  if (parts.length === 0) throw badRequest('Content is required.', undefined, 'Content cannot be empty.');
  return parts.map((part, i) => {
    const type = part.type.trim().toLowerCase();
    if (type === 'text') {
      const text = part.text.trim();
      if (!text) throw badRequest('Invalid input part.', undefined, `content[${i}].text cannot be empty.`);
      return { type: 'text', text };
    }
    if (type === 'file') {
      const detail = isZero(part.file_id)
        ? `content[${i}].file_id is required for file parts.`
        : `content[${i}].file_id references a file that does not exist.`;
      throw badRequest('Invalid input part.', undefined, detail);
    }
    throw badRequest(
      'Invalid input part.',
      undefined,
      `content[${i}].type ${JSON.stringify(part.type)} is not supported.`,
    );
  });
}

/** resolveCreateChatModelConfigID: the one asked for (a foreign key the insert checks), else the default. */
function modelConfig(store: ChatStore, id: string | undefined): SimModelConfig {
  if (id && !isZero(id)) {
    const found = store.modelConfigs.find((m) => m.id === id);
    if (!found)
      throw badRequest(
        'Invalid model config ID.',
        undefined,
        'insert chat: violates foreign key constraint "chats_last_model_config_id_fkey"',
      );
    return found;
  }
  const fallback = store.defaultModelConfig();
  if (!fallback) throw badRequest('No default chat model config is configured.');
  return fallback;
}

/** httpapi.ValidateChatLabels stand-in: at most 50 labels, keys of 1-64 safe characters, values up to 256. */
function labelProblems(labels: Record<string, string>): Validation[] {
  const problems: Validation[] = [];
  if (Object.keys(labels).length > 50) problems.push({ field: 'labels', detail: 'at most 50 labels are allowed' });
  for (const [key, value] of Object.entries(labels)) {
    if (!/^[A-Za-z0-9._/-]{1,64}$/.test(key))
      problems.push({
        field: `labels.${key}`,
        detail: 'key must be 1-64 characters of letters, digits, ".", "_", "/" or "-"',
      });
    if (value.length > 256) problems.push({ field: `labels.${key}`, detail: 'value must be at most 256 characters' });
  }
  return problems;
}

/** chatTitleFromMessage: the first six words (an ellipsis when cut), at most 80 characters; "New Chat" when empty. */
export function chatTitle(message: string): string {
  const words = message.split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'New Chat';
  const title = words.slice(0, 6).join(' ') + (words.length > 6 ? '…' : '');
  return Array.from(title).slice(0, 80).join('');
}

/** PATCH /chats/{chat}: labels and archiving here; archiving interrupts a running turn first (chatd.ArchiveChat). */
function patchChat(ctx: RouteContext, deps: ChatDeps): Reply {
  const chat = chatParam(ctx, deps.store);
  const body = readJson(ctx, patchChatBody, 'codersdk.UpdateChatRequest');
  if (body.labels) {
    const invalid = labelProblems(body.labels);
    if (invalid.length > 0) throw badRequest('Invalid labels.', invalid);
    chat.labels = body.labels;
  }
  if (body.archived !== undefined && body.archived !== null) {
    if (body.archived === chat.archived)
      throw badRequest(`Chat is already ${chat.archived ? 'archived' : 'not archived'}.`);
    if (body.archived && deps.agent.isRunning(chat.id)) deps.agent.interrupt(chat);
    chat.archived = body.archived;
    chat.updated_at = now();
  }
  return NO_CONTENT;
}
