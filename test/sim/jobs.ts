/**
 * Provisioner jobs that move pending → running → succeeded (or failed) on timers, appending logs and
 * telling watchers (the follow WebSockets) about each line and about completion.
 */
import { randomUUID } from 'node:crypto';
import { now, type JobLog, type SimJob, type SimModel } from './model';

export interface JobPlan {
  outputs: string[];
  /** When set, the job fails with this error after its outputs. */
  failWith?: string;
  onDone?: (job: SimJob) => void;
}

export class JobRunner {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly model: SimModel,
    private readonly stepMs: number,
  ) {}

  newJob(type: SimJob['type'], fileId: string): SimJob {
    return { id: randomUUID(), type, created_at: now(), started_at: null, completed_at: null, status: 'pending', error: '', file_id: fileId, logs: [], watchers: new Set() };
  }

  /** A job that is already finished, for seed data. */
  finishedJob(type: SimJob['type'], fileId: string, outputs: string[]): SimJob {
    const job = this.newJob(type, fileId);
    job.started_at = job.created_at;
    job.completed_at = job.created_at;
    job.status = 'succeeded';
    for (const output of outputs) job.logs.push(this.log(output, 'info'));
    return job;
  }

  run(job: SimJob, plan: JobPlan): void {
    const steps: (() => void)[] = [
      () => {
        job.status = 'running';
        job.started_at = now();
        this.append(job, 'Setting up', 'info');
      },
      ...plan.outputs.map((o) => () => this.append(job, o, 'info')),
      () => {
        if (plan.failWith) {
          this.append(job, plan.failWith, 'error');
          job.error = plan.failWith;
          job.status = 'failed';
        } else {
          this.append(job, 'Cleaning Up', 'info');
          job.status = 'succeeded';
        }
        job.completed_at = now();
        plan.onDone?.(job);
        for (const w of job.watchers) w(null);
        job.watchers.clear();
      },
    ];
    steps.forEach((step, i) => this.later((i + 1) * this.stepMs, step));
  }

  isDone(job: SimJob): boolean {
    return job.completed_at !== null;
  }

  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private append(job: SimJob, output: string, level: JobLog['log_level']): void {
    const log = this.log(output, level);
    job.logs.push(log);
    for (const w of job.watchers) w(log);
  }

  private log(output: string, level: JobLog['log_level']): JobLog {
    return { id: this.model.nextLogId(), created_at: now(), log_source: 'provisioner', log_level: level, stage: 'Planning infrastructure', output };
  }
}
