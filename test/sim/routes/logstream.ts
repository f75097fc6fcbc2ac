/**
 * Provisioner job logs as coderd serves them (coderd/provisionerjobs.go): a JSON array, or with
 * `?follow` a WebSocket sending every ProvisionerJobLog as one JSON text frame, first the existing
 * ones, then new ones as the job advances, closing normally when the job completes. `?after=<id>`
 * leaves out logs up to that id in both forms.
 */
import type { WebSocket } from 'ws';
import { afterParam, fail, ok, type RouteContext, type Router } from '../http';
import type { JobLog, SimJob } from '../model';

/** Registers `GET <path>` (JSON) and its `?follow` WebSocket for the job `find` resolves. */
export function jobLogRoutes(router: Router, path: string, find: (ctx: RouteContext) => SimJob): void {
  router.get(path, (ctx) => {
    const job = find(ctx);
    const after = afterParam(ctx);
    // coderd tries to accept a WebSocket for ?follow and fails on a plain request.
    if (ctx.query.has('follow')) {
      throw fail(400, 'Failed to accept websocket.', {
        detail: 'websocket protocol violation: Connection header "keep-alive" does not contain Upgrade',
      });
    }
    return ok(job.logs.filter((l) => l.id > after));
  });
  router.ws(path, (ctx) => {
    const job = find(ctx);
    const after = afterParam(ctx);
    if (!ctx.query.has('follow')) return ok(job.logs.filter((l) => l.id > after));
    return (ws) => streamJobLogs(job, after, ws);
  });
}

function streamJobLogs(job: SimJob, after: number, ws: WebSocket): void {
  const send = (log: JobLog) => {
    if (log.id > after && ws.readyState === ws.OPEN) ws.send(JSON.stringify(log));
  };
  for (const log of job.logs) send(log);
  if (job.completed_at) {
    ws.close(1000);
    return;
  }
  const watcher = (log: JobLog | null) => (log ? send(log) : ws.close(1000));
  job.watchers.add(watcher);
  ws.on('close', () => job.watchers.delete(watcher));
}
