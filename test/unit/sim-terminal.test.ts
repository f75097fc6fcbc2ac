/** The simulator's reconnecting-PTY endpoint keeps coderd's rules: binary frames, streamed JSON input, replay on re-attach, close on exit, orphan timeout. */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../sim';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ orphanTimeoutMs: 300 });
});
afterEach(() => sim.close());

function open(reconnect: string, command = '', token = sim.demo.user.token) {
  const url = new URL(`${sim.url.replace('http', 'ws')}/api/v2/workspaceagents/${sim.demo.agentId}/pty`);
  url.searchParams.set('reconnect', reconnect);
  if (command) url.searchParams.set('command', command);
  const ws = new WebSocket(url, { headers: { 'Coder-Session-Token': token } });
  let output = '';
  ws.on('message', (d: Buffer) => (output += d.toString()));
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const until = async (pattern: RegExp, ms = 5000) => {
    const end = Date.now() + ms;
    while (!pattern.test(output)) {
      if (Date.now() > end) throw new Error(`no ${pattern} in ${JSON.stringify(output)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const type = (data: string) => ws.send(Buffer.from(JSON.stringify({ data })), { binary: true });
  return { ws, opened, closed, until, type, output: () => output };
}

it('runs input through a real shell, with JSON objects split across and packed into frames', async () => {
  const t = open(randomUUID());
  await t.opened;
  const obj = JSON.stringify({ data: 'echo $((40+2))\n' });
  t.ws.send(Buffer.from(obj.slice(0, 7)), { binary: true });
  t.ws.send(Buffer.from(obj.slice(7) + JSON.stringify({ data: 'echo two\n' })), { binary: true });
  await t.until(/42[\s\S]*two/);
  t.ws.close();
});

it('replays history to a re-attached client and keeps the same shell; a text frame closes only the socket', async () => {
  const id = randomUUID();
  const a = open(id);
  await a.opened;
  a.type('echo "pid=$$"\n');
  await a.until(/pid=\d+/);
  const pid = a.output().match(/pid=(\d+)/)?.[1];
  a.ws.send('not binary');
  expect(await a.closed).toBe(1003);
  const b = open(id);
  await b.opened;
  await b.until(/pid=\d+/);
  b.type('echo "again=$$"\n');
  await b.until(/again=\d+/);
  expect(b.output().match(/again=(\d+)/)?.[1]).toBe(pid);
  expect(sim.pty.dials()).toBe(2);
  expect(sim.pty.sessions()).toHaveLength(1);
  b.ws.close();
});

it('closes normally when the command exits, and kills an orphan after the timeout', async () => {
  const done = open(randomUUID(), 'echo bye');
  await done.until(/bye/);
  expect(await done.closed).toBe(1000);
  const orphan = open(randomUUID(), 'sleep 30');
  await orphan.opened;
  expect(sim.pty.sessions()).toHaveLength(1);
  orphan.ws.close();
  await orphan.closed;
  await new Promise((r) => setTimeout(r, 500));
  expect(sim.pty.sessions()).toHaveLength(0);
});

it('answers bad queries and missing permission before the upgrade', async () => {
  const bad = open('nope');
  const body = await new Promise<string>((resolve) => {
    bad.ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(`${res.statusCode} ${text}`));
    });
  });
  expect(body).toMatch(/^400 /);
  expect(JSON.parse(body.slice(4))).toMatchObject({
    message: 'Invalid query parameters.',
    validations: [{ field: 'reconnect' }],
  });
  sim.denySsh(sim.demo.user.username, true);
  const denied = open(randomUUID());
  await expect(denied.opened).rejects.toThrow(/403/);
});
