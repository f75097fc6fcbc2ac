/**
 * Provisioner jobs that move pending → running → succeeded (or failed) on timers, one step every
 * `buildStepMs`, appending logs with coderd's stage names and telling watchers (the follow
 * WebSockets) about each line and about completion. Every timer is tracked so close() stops them all.
 */
import { randomUUID } from 'node:crypto';
import { now, type JobLog, type SimJob, type SimModel } from './model';

export interface JobStep {
  stage: string;
  output: string;
}

export interface JobPlan {
  steps: JobStep[];
  /** When set, the job fails with this error after its steps. */
  failWith?: string;
  /** Runs when the job starts (pending → running). */
  onRunning?: () => void;
  /** Runs once the job has completed, before watchers hear of it. */
  onDone?: (job: SimJob) => void;
}

export class JobRunner {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly model: SimModel,
    readonly stepMs: number,
  ) {}

  newJob(type: SimJob['type'], fileId: string, initiatorId: string, input: SimJob['input']): SimJob {
    return {
      id: randomUUID(),
      type,
      created_at: now(),
      started_at: null,
      completed_at: null,
      status: 'pending',
      error: '',
      file_id: fileId,
      initiator_id: initiatorId,
      input,
      logs: [],
      watchers: new Set(),
    };
  }

  /** A job that has already succeeded, for seed data. */
  finishedJob(
    type: SimJob['type'],
    fileId: string,
    initiatorId: string,
    input: SimJob['input'],
    steps: JobStep[],
  ): SimJob {
    const job = this.newJob(type, fileId, initiatorId, input);
    job.started_at = job.created_at;
    job.completed_at = job.created_at;
    job.status = 'succeeded';
    for (const s of steps) job.logs.push(this.log(s, 'info', s.output ? 'provisioner' : 'provisioner_daemon'));
    return job;
  }

  /** Schedules the job: running after one step, one log line per step, then completion. */
  run(job: SimJob, plan: JobPlan): void {
    const steps: (() => void)[] = [
      () => {
        job.status = 'running';
        job.started_at = now();
        plan.onRunning?.();
        // provisionerd marks each stage with an empty line from the daemon.
        this.append(job, { stage: 'Setting up', output: '' }, 'info', 'provisioner_daemon');
      },
      ...plan.steps.map((s) => () => this.append(job, s, 'info')),
      () => this.complete(job, plan),
    ];
    for (const [i, step] of steps.entries()) this.later((i + 1) * this.stepMs, step);
  }

  /** Runs `fn` after `ms` unless the simulator closes first. */
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

  private complete(job: SimJob, plan: JobPlan): void {
    if (plan.failWith) {
      this.append(
        job,
        { stage: plan.steps[plan.steps.length - 1]?.stage ?? 'Setting up', output: plan.failWith },
        'error',
      );
      job.error = plan.failWith;
      job.status = 'failed';
    } else {
      this.append(job, { stage: 'Cleaning Up', output: '' }, 'info', 'provisioner_daemon');
      job.status = 'succeeded';
    }
    job.completed_at = now();
    plan.onDone?.(job);
    for (const w of [...job.watchers]) w(null);
    job.watchers.clear();
  }

  private append(
    job: SimJob,
    step: JobStep,
    level: JobLog['log_level'],
    source: JobLog['log_source'] = 'provisioner',
  ): void {
    const log = this.log(step, level, source);
    job.logs.push(log);
    for (const w of [...job.watchers]) w(log);
  }

  private log(step: JobStep, level: JobLog['log_level'], source: JobLog['log_source'] = 'provisioner'): JobLog {
    return {
      id: this.model.nextLogId(),
      created_at: now(),
      log_source: source,
      log_level: level,
      stage: step.stage,
      output: step.output,
    };
  }
}
