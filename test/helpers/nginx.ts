/**
 * A real nginx in front of a loopback upstream (the Coder simulator), configured as Coder's docs
 * configure one, with nginx's default buffer sizes: so a request line over 8 KB gets nginx's own
 * `414 Request-URI Too Large`, as in deployments behind a stock nginx (DESIGN.md, "Reverse proxies in
 * front of coderd"). The binary comes from the system or from test/nginx/, where `npm install` puts
 * Debian's (scripts/fetch-nginx.sh). Runs as any user: every path nginx writes is in a temp directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Proxy {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  /** Stops nginx (bounded) and removes its directory; a second call is a no-op. */
  close(): Promise<void>;
}

export interface NginxOptions {
  /** How long nginx may take to accept connections. Default 5000. */
  startTimeoutMs?: number;
}

export function findNginx(): string {
  const local = path.join(__dirname, '..', 'nginx', 'nginx');
  if (existsSync(local)) return local;
  // Debian installs nginx in /usr/sbin, which is not on a non-root user's PATH.
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin']) {
    const candidate = path.join(dir, 'nginx');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(
    'nginx is needed for this test: `npm install` fetches it into test/nginx/ (scripts/fetch-nginx.sh), or install the nginx package',
  );
}

/**
 * The `location` block is Coder's, from "How to use NGINX as a reverse-proxy with LetsEncrypt"
 * (https://coder.com/docs/tutorials/reverse-proxy-nginx, docs/tutorials/reverse-proxy-nginx.md in
 * coder/coder). Left out, because the test speaks plain HTTP on loopback: the TLS listeners, the
 * redirect to HTTPS and the HSTS header. Deliberately absent, because the docs do not set them:
 * large_client_header_buffers (default 4 8k: the 414 this proxy exists to reproduce),
 * client_max_body_size (default 1m) and proxy_read_timeout (default 60s, which closes an idle WebSocket).
 */
export function nginxConfig(dir: string, port: number, upstream: string): string {
  return `# Foreground and single-process: no master to switch workers to the 'user' (root would pick 'nobody').
master_process off;
daemon off;
pid ${dir}/nginx.pid;
lock_file ${dir}/nginx.lock;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  # The compiled-in temp paths (/var/lib/nginx/...) are created at startup and need root.
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass  ${upstream};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
    }
  }
}
`;
}

/** Starts nginx proxying to `upstreamUrl` (http, loopback, no path). */
export async function startNginx(upstreamUrl: string, opts: NginxOptions = {}): Promise<Proxy> {
  const upstream = loopbackOrigin(upstreamUrl);
  const binary = findNginx();
  // Another process may take the free port between our probe and nginx's bind: try a few ports.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(binary, upstream, opts.startTimeoutMs ?? 5000);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortTakenError)) throw err;
    }
  }
  throw lastError;
}

class PortTakenError extends Error {}

function loopbackOrigin(raw: string): string {
  const url = new URL(raw);
  if (
    url.protocol !== 'http:' ||
    url.hostname !== '127.0.0.1' ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search
  ) {
    throw new Error(`startNginx proxies to an http://127.0.0.1:<port> origin only, got ${raw}`);
  }
  return url.origin;
}

async function launch(binary: string, upstream: string, startTimeoutMs: number): Promise<Proxy> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nginx-'));
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, upstream));
  // -e: the error log before the config is read (nginx 1.19.5+); a build's compiled-in path may need root.
  const child = spawn(binary, ['-p', `${dir}/`, '-c', conf, '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stop = trackChild(child, dir);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  try {
    await waitForPort(child, port, startTimeoutMs, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, close: stop };
}

/** Processes started here and not yet stopped: killed when the test process exits, whatever the tests did. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The stop function of one nginx: SIGTERM (nginx's fast shutdown), SIGKILL after 2 s, then the directory goes. */
function trackChild(child: ChildProcess, dir: string): () => Promise<void> {
  running.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  void exited.then(() => running.delete(child));
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until nginx accepts a connection; fails at once if nginx exits, naming its own words. */
async function waitForPort(child: ChildProcess, port: number, timeoutMs: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  for (;;) {
    if (spawnError) throw new Error(`nginx could not be started: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      // 'exit' can come before the last of stderr: wait (bounded) for the streams to close.
      await new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(finish, 500);
        if (child.stderr?.closed) finish();
        else child.once('close', finish);
      });
      const said = stderr().trim();
      if (/Address already in use/.test(said)) throw new PortTakenError(`nginx: port ${port} taken`);
      throw new Error(
        `nginx exited (${child.exitCode ?? child.signalCode}) before accepting connections: ${said || 'no output'}`,
      );
    }
    if (await accepts(port)) return;
    if (Date.now() > deadline)
      throw new Error(
        `nginx did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms: ${stderr().trim() || 'no output'}`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
