/** The `?follow` log WebSocket of provisioner jobs: every log as one JSON text frame, closed when the job completes. */
import type { WebSocket } from 'ws';
import type { SimJob } from '../model';

export function streamJobLogs(job: SimJob, ws: WebSocket): void {
  for (const log of job.logs) ws.send(JSON.stringify(log));
  if (job.completed_at) {
    ws.close(1000);
    return;
  }
  const watcher = (log: SimJob['logs'][number] | null) => {
    if (log) ws.send(JSON.stringify(log));
    else ws.close(1000);
  };
  job.watchers.add(watcher);
  ws.on('close', () => job.watchers.delete(watcher));
}
