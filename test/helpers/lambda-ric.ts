/**
 * AWS's own Lambda runtime interface client (aws-lambda-ric from npm, the code of the managed Node.js
 * runtime) started as a child process on the Node 22 that test/conformance brings, against a Runtime
 * API on loopback. What runs in it is the code a test puts in `taskRoot`, exactly as Lambda loads it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const CONFORMANCE = path.join(__dirname, '..', 'conformance', 'node_modules');
export const NODE22 = path.join(CONFORMANCE, '.bin', 'node');
/** The package's bin (`aws-lambda-ric`): reads _HANDLER, LAMBDA_TASK_ROOT and AWS_LAMBDA_RUNTIME_API. */
export const RIC = path.join(CONFORMANCE, 'aws-lambda-ric', 'index.mjs');

export interface RicOptions {
  runtimeApi: string;
  taskRoot: string;
  /** module.export, e.g. `handler.streamHandler`. */
  handler: string;
  /** The function's own environment (its configuration). */
  env: Record<string, string>;
}

export interface Ric {
  /** Everything the function and the runtime wrote, stdout and stderr apart. */
  stdout(): string;
  stderr(): string;
  /** Settles when the process exits (it never does on its own while the Runtime API answers). */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function startRic(opts: RicOptions): Ric {
  const child = spawn(NODE22, [RIC], {
    cwd: opts.taskRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      TZ: 'UTC',
      // What the Lambda service sets for every function; the runtime client refuses to run without them.
      AWS_LAMBDA_RUNTIME_API: opts.runtimeApi,
      LAMBDA_TASK_ROOT: opts.taskRoot,
      _HANDLER: opts.handler,
      AWS_LAMBDA_FUNCTION_NAME: 'coder-mcp',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/coder-mcp',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef',
      AWS_REGION: 'eu-west-1',
      ...opts.env,
    },
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  return {
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // The runtime may be blocked in its native client; do not wait on it for long.
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
