/**
 * The local MCP server (`scripts/start.ts`) in a child process, so a test can freeze and thaw it with
 * SIGSTOP and SIGCONT as Lambda freezes a container between invocations. Node runs the script itself
 * with tsx as an import hook: the `tsx` command would run it in a grandchild, and a SIGSTOP sent to the
 * wrapper would leave the server running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

export interface ChildServer {
  /** The MCP endpoint, e.g. http://127.0.0.1:41234/mcp. */
  readonly url: string;
  readonly process: ChildProcess;
  /** Whether the process is stopped right now. */
  readonly frozen: boolean;
  freeze(): void;
  thaw(): void;
  /** What the server wrote so far, stdout and stderr, for a failure message. */
  output(): string;
  /** Thaws if needed, asks it to stop and waits for it; idempotent. */
  stop(): Promise<void>;
}

export function startChildServer(env: Record<string, string>, startTimeoutMs = 20_000): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen = '';
  let frozen = false;
  child.stdout?.on('data', (c: Buffer) => (seen += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (seen += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    })();
    return stopped;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the server did not start:\n${seen}`));
    }, startTimeoutMs);
    const onData = () => {
      const m = seen.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/);
      if (!m?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      const url = m[1];
      resolve({
        url,
        process: child,
        get frozen() {
          return frozen;
        },
        freeze: () => {
          frozen = true;
          child.kill('SIGSTOP');
        },
        thaw: () => {
          frozen = false;
          child.kill('SIGCONT');
        },
        output: () => seen,
        stop,
      });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before listening:\n${seen}`));
    });
  });
}
