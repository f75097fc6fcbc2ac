/**
 * MCP progress (spec: basic/utilities/progress): a request that carries `_meta.progressToken` may get
 * `notifications/progress` while it runs. Those reach a client only over SSE, so the endpoint answers
 * such a tool call as an event stream when the entry point streams; tools report through a `Progress`.
 */
import type { Notification } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { NO_PROGRESS, type Progress } from '../progress';

const progressCall = z.looseObject({
  method: z.literal('tools/call'),
  params: z.looseObject({ _meta: z.looseObject({ progressToken: z.union([z.string(), z.number()]) }) }),
});

/** Whether the POSTed JSON-RPC message (or batch), already parsed, is a tool call that asks for progress. */
export function asksForProgress(body: unknown): boolean {
  return (Array.isArray(body) ? body : [body]).some((message) => progressCall.safeParse(message).success);
}

export function progressReporter(
  token: string | number | undefined,
  send: (notification: Notification) => Promise<void>,
  intervalMs: number,
): Progress {
  if (token === undefined) return NO_PROGRESS;
  let progress = 0;
  const report = (message: string) => {
    progress += 1;
    send({ method: 'notifications/progress', params: { progressToken: token, progress, message } }).catch(
      () => undefined,
    );
  };
  return {
    report,
    keepAlive: (what) => {
      const started = Date.now();
      const timer = setInterval(
        () => report(`${what}: still running after ${Math.round((Date.now() - started) / 1000)} s`),
        intervalMs,
      );
      return () => clearInterval(timer);
    },
  };
}
