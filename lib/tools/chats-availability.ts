/**
 * Whether the Coder deployment serves the chats API, found out once per container and cached per
 * CODER_URL, so the chat tools and prompts are listed only where they can work.
 *
 * How: one `GET /api/experimental/chats/model-configs` (a cheap read every signed-in user may make).
 * 200: the API is there. 404: a coderd from before the chats API (chi's "Route not found."). 403 naming
 * an experiment: the API is mounted but its `agents` experiment is off (httpmw.RequireExperiment runs
 * after authentication). Build info cannot tell: it carries the version but not the experiments, and
 * chats need the experiment on (or a coderd where it was dropped).
 *
 * Why the caller's token: every chats route sits behind coderd's API key middleware, so without a token
 * a deployment with the API switched off answers 401 exactly like one with it on. The answer is a
 * property of the deployment (routes and experiments are deployment-wide), not of the caller, so one
 * caller's probe serves every caller of that Coder URL; a caller whom RBAC refuses chats still sees
 * the tools, and Coder's 403 in their results, as on coderd's own endpoint.
 *
 * Anything else (401, 5xx, timeout, unreachable) is inconclusive: the tools are offered (as coderd's own
 * endpoint always lists them) and the probe is retried after a short while. Concurrent requests share
 * one probe; a probe never sees or logs the token beyond sending it.
 */
import * as z from 'zod';
import { CoderClient } from '../coder/client';
import { CHATS_PATH } from '../coder/chats';
import { CoderApiError } from '../coder/errors';
import { log } from '../log';

/** A definite answer is kept this long (a deployment rarely gains or loses the API; a restart of it is when it would). */
export const DECIDED_TTL_MS = 10 * 60_000;
/** An inconclusive probe is retried after this long, not on every request. */
export const UNDECIDED_TTL_MS = 30_000;
const PROBE_TIMEOUT_MS = 5_000;

export type ChatsVerdict = 'available' | 'absent' | 'undecided';

interface Entry {
  verdict: ChatsVerdict;
  until: number;
}

const cache = new Map<string, Entry>();
const probing = new Map<string, Promise<ChatsVerdict>>();

/** What a probe's outcome says: the error it failed with, or undefined when it succeeded. */
export function verdictOf(error: unknown): ChatsVerdict {
  if (error === undefined) return 'available';
  if (!(error instanceof CoderApiError)) return 'undecided';
  if (error.status === 404) return 'absent';
  if (error.status === 403 && /experiment/i.test(error.coderMessage)) return 'absent';
  return 'undecided';
}

/** Whether to offer the chat tools: yes unless a probe said the API is not there. */
export async function chatsAvailable(coderUrl: string, token: string, now: () => number = Date.now): Promise<boolean> {
  const key = coderUrl.replace(/\/+$/, '');
  const cached = cache.get(key);
  if (cached && cached.until > now()) return cached.verdict !== 'absent';
  let running = probing.get(key);
  if (!running) {
    running = probe(key, token).then((verdict) => {
      cache.set(key, { verdict, until: now() + (verdict === 'undecided' ? UNDECIDED_TTL_MS : DECIDED_TTL_MS) });
      return verdict;
    });
    probing.set(key, running);
    void running.finally(() => probing.delete(key));
  }
  return (await running) !== 'absent';
}

async function probe(coderUrl: string, token: string): Promise<ChatsVerdict> {
  const started = Date.now();
  const coder = new CoderClient({ baseUrl: coderUrl, token, requestTimeoutMs: PROBE_TIMEOUT_MS });
  let error: unknown;
  try {
    await coder.get(`${CHATS_PATH}/model-configs`, z.unknown());
  } catch (err) {
    error = err;
  }
  const verdict = verdictOf(error);
  log('info', 'chats API detection', {
    verdict,
    status: error instanceof CoderApiError ? error.status : undefined,
    ms: Date.now() - started,
  });
  return verdict;
}

/** Forgets every answer (tests; a deployment that changed). */
export function clearChatsAvailability(): void {
  cache.clear();
  probing.clear();
}
