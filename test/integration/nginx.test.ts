/**
 * The nginx in front of the simulator (test/helpers/nginx.ts) is a real one, configured as Coder's
 * docs configure it: REST and the PTY WebSocket upgrade pass through it, and its default buffers
 * answer 414 to a request line longer than 8 KB, before the simulator sees anything. The
 * workspace tools run through it in test/e2e/workspace-tools-nginx.test.ts and -busybox-nginx.test.ts.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import { AgentChannel } from '../../lib/tunnel/channel';
import { TunnelDialError } from '../../lib/tunnel/errors';
import { startNginx, type Proxy as NginxProxy } from '../helpers/nginx';
import { startSimulator, type Simulator } from '../sim';

let sim: Simulator;
let nginx: NginxProxy;
let seen: string[];

beforeAll(async () => {
  seen = [];
  sim = await startSimulator({ logger: (line) => seen.push(line) });
  nginx = await startNginx(sim.url);
});
afterAll(async () => {
  await nginx.close();
  await sim.close();
});
beforeEach(() => {
  seen.length = 0;
});

/** One request on a raw socket, so that the request line is exactly `line`; resolves to the status line. */
function rawStatus(line: string): Promise<string> {
  const { port } = new URL(nginx.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) }, () => {
      socket.write(
        `${line}\r\nHost: 127.0.0.1\r\nCoder-Session-Token: ${sim.demo.user.token}\r\nConnection: close\r\n\r\n`,
      );
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer from nginx within 5 s')));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
  });
}

/** A GET request line of exactly `length` bytes for the simulator's buildinfo, padded in the query. */
function requestLineOf(length: number): string {
  const head = 'GET /api/v2/buildinfo?pad=';
  const tail = ' HTTP/1.1';
  return `${head}${'a'.repeat(length - head.length - tail.length)}${tail}`;
}

function ptyUrl(command: string): URL {
  const url = new URL(`${nginx.url.replace('http', 'ws')}/api/v2/workspaceagents/${sim.demo.agentId}/pty`);
  url.searchParams.set('reconnect', randomUUID());
  if (command) url.searchParams.set('command', command);
  return url;
}

it('passes a REST call to the simulator and answers as nginx', async () => {
  const res = await fetch(`${nginx.url}/api/v2/users/me`, { headers: { 'Coder-Session-Token': sim.demo.user.token } });
  expect(res.status).toBe(200);
  // nginx hides the upstream's Server header and sends its own.
  expect(res.headers.get('server')).toMatch(/^nginx/);
  expect(await res.json()).toMatchObject({ username: sim.demo.user.username });
  expect(seen).toEqual([expect.stringMatching(/^GET \/api\/v2\/users\/me 200 /)]);
});

it('upgrades the PTY WebSocket through nginx, both ways', async () => {
  const dials = sim.pty.dials();
  const ws = new WebSocket(ptyUrl(''), {
    headers: { 'Coder-Session-Token': sim.demo.user.token },
    perMessageDeflate: false,
  });
  let server = '';
  ws.once('upgrade', (res: IncomingMessage) => (server = String(res.headers.server)));
  let output = '';
  ws.on('message', (d: Buffer) => (output += d.toString()));
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(server).toMatch(/^nginx/);
    ws.send(Buffer.from(JSON.stringify({ data: 'echo "through-$((20+22))"\n' })), { binary: true });
    const deadline = Date.now() + 5000;
    while (!/through-42/.test(output)) {
      if (Date.now() > deadline) throw new Error(`no answer through nginx: ${JSON.stringify(output)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(sim.pty.dials()).toBe(dials + 1);
  } finally {
    ws.close();
    await closed;
  }
});

it('accepts a request line of up to 8190 bytes and answers 414 itself beyond, as a stock nginx does', async () => {
  expect(await rawStatus(requestLineOf(3900))).toBe('HTTP/1.1 200 OK');
  // One 8 KB buffer holds the request line and its CRLF.
  expect(await rawStatus(requestLineOf(8190))).toBe('HTTP/1.1 200 OK');
  expect(seen).toHaveLength(2);
  expect(await rawStatus(requestLineOf(8191))).toBe('HTTP/1.1 414 Request-URI Too Large');
  expect(await rawStatus(requestLineOf(10_600))).toBe('HTTP/1.1 414 Request-URI Too Large');
  expect(seen).toHaveLength(2);
});

it('refuses a PTY dial with a 10 KB command with 414 before the upgrade reaches the simulator', async () => {
  const dials = sim.pty.dials();
  const ws = new WebSocket(ptyUrl(`: ${'x'.repeat(10_000)}`), {
    headers: { 'Coder-Session-Token': sim.demo.user.token },
  });
  const status = await new Promise<number>((resolve, reject) => {
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.once('open', () => reject(new Error('nginx passed a 10 KB request line')));
    ws.once('error', reject);
  });
  ws.terminate();
  expect(status).toBe(414);
  expect(sim.pty.dials()).toBe(dials);
  expect(seen).toEqual([]);
});

it('names what nginx refused in one line, and does not dial again for a 4xx', async () => {
  // A deployment path so long that even our short dial is too long: the refusal must read well and end at once.
  const channel = new AgentChannel({
    coderUrl: `${nginx.url}/${'p'.repeat(9000)}`,
    token: sim.demo.user.token,
    agentId: sim.demo.agentId,
  });
  const refused = channel.open(AbortSignal.timeout(10_000));
  await expect(refused).rejects.toThrow(
    new TunnelDialError('cannot open the workspace terminal: coderd answered 414: 414 Request-URI Too Large'),
  );
  await expect(refused).rejects.toMatchObject({ status: 414, retryable: false });
  channel.close();
});
