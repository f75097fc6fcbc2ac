/**
 * A chat's messages and interrupt (coderd/exp_chats.go `getChatMessages`, `postChatMessages`,
 * `interruptChat`; codersdk/chats.go `ChatMessagesPaginationOptions`): pages newest first, or oldest
 * first after `after_id`; queued prompts on the first page only; sending to a busy chat queues the
 * prompt or, with busy_behavior "interrupt", stops the running turn and promotes it.
 */
import { z } from 'zod';
import { readJson } from '../body';
import { badRequest, fail, ok, type Reply, type RouteContext, type Router } from '../http';
import { now } from '../model';
import { textOf } from './agent';
import { chatJson, messageJson, queuedJson } from './render';
import { BASE, chatContent, chatParam, inputPart, type ChatDeps } from './routes';
import { MAX_QUEUE_SIZE, type SimChatMessage, type SimQueuedMessage } from './store';

const sendBody = z.object({
  content: z.array(inputPart).nullish(),
  busy_behavior: z.string().default(''),
});

export function chatMessageRoutes(router: Router, deps: ChatDeps): void {
  const { gate, store, agent } = deps;
  router.get(
    `${BASE}/:chat/messages`,
    gate.http((ctx) => listMessages(ctx, deps)),
    { auth: false },
  );
  router.post(
    `${BASE}/:chat/messages`,
    gate.http((ctx) => sendMessage(ctx, deps)),
    { auth: false },
  );
  router.post(
    `${BASE}/:chat/interrupt`,
    gate.http((ctx) => {
      const chat = chatParam(ctx, store);
      agent.interrupt(chat);
      return ok(chatJson(store, chat, { files: false }));
    }),
    { auth: false },
  );
}

/** httpapi.QueryParamParser.PositiveInt64/32: absent is the default; anything but a positive integer is a validation. */
function positiveParam(
  ctx: RouteContext,
  name: string,
  fallback: number,
  problems: { field: string; detail: string }[],
): number {
  const raw = ctx.query.get(name) ?? '';
  if (raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    problems.push({ field: name, detail: `Query param ${JSON.stringify(name)} must be a valid positive integer` });
    return fallback;
  }
  return Number(raw);
}

function listMessages(ctx: RouteContext, deps: ChatDeps): Reply {
  const chat = chatParam(ctx, deps.store);
  const problems: { field: string; detail: string }[] = [];
  const beforeId = positiveParam(ctx, 'before_id', 0, problems);
  const afterId = positiveParam(ctx, 'after_id', 0, problems);
  const limit = positiveParam(ctx, 'limit', 50, problems);
  if (problems.length > 0) throw badRequest('Query parameters have invalid values.', problems);
  if (limit < 1 || limit > 200) throw badRequest('Invalid limit parameter (1-200).');
  const inRange = chat.messages.filter(
    (m) => m.role !== 'system' && (beforeId === 0 || m.id < beforeId) && m.id > afterId,
  );
  // After a cursor alone the page runs forward (ascending ids, so a poller can advance without gaps); otherwise newest first.
  const ordered: SimChatMessage[] = afterId > 0 && beforeId === 0 ? inRange : [...inRange].reverse();
  const page = ordered.slice(0, limit);
  const first = beforeId === 0 && afterId === 0;
  return ok({
    messages: page.map(messageJson),
    queued_messages: first ? chat.queue.map(queuedJson) : [],
    has_more: ordered.length > limit,
  });
}

function sendMessage(ctx: RouteContext, deps: ChatDeps): Reply {
  const { store, agent } = deps;
  const chat = chatParam(ctx, store);
  const body = readJson(ctx, sendBody, 'codersdk.CreateChatMessageRequest');
  const content = chatContent(body.content ?? []);
  if (!['', 'queue', 'interrupt'].includes(body.busy_behavior)) {
    throw badRequest('Invalid busy_behavior value.', undefined, 'Must be "queue" or "interrupt".');
  }
  if (!agent.isRunning(chat.id)) {
    const message = agent.addUserMessage(chat, content, ctx.user.id);
    agent.start(chat, textOf(content));
    return ok({ message: messageJson(message), queued: false });
  }
  if (chat.queue.length >= MAX_QUEUE_SIZE)
    throw fail(429, 'Message queue is full.', { detail: `Maximum ${MAX_QUEUE_SIZE} messages can be queued.` });
  const queued: SimQueuedMessage = { id: store.nextMessageId(), chat_id: chat.id, content, created_at: now() };
  chat.queue.push(queued);
  if (body.busy_behavior === 'interrupt') {
    // The partial reply is kept before the queued prompt is promoted, so the history stays in order.
    agent.interrupt(chat);
    agent.promoteQueued(chat);
  }
  return ok({ queued_message: queuedJson(queued), queued: true });
}
