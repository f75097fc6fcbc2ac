/**
 * Lambda's freeze and thaw, for real: the local server runs in a child process that the test stops
 * with SIGSTOP (as Lambda freezes a container) while the simulator drops its idle WebSocket or ends
 * its PTY session, then resumes with SIGCONT. Also a socket dropped while a command runs. On this
 * machine's /bin/sh with GNU coreutils and on busybox ash with busybox applets only.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startSimulator, type Simulator } from '../sim';
import { busyboxImage } from '../helpers/busybox';
import { startChildServer, type ChildServer } from '../helpers/child-server';
import { callTool } from '../helpers/stack';
import { until } from '../helpers/until';
import type { AgentImage } from '../sim/terminal/sessions';

let sim: Simulator;
let server: ChildServer;
let client: Client;

/** Short enough that a test can outlast it; the re-attach tests come back well within it. */
const ORPHAN_TIMEOUT_MS = 1500;

const IMAGES: [string, (() => AgentImage) | undefined][] = [
  ['dash and GNU coreutils', undefined],
  ['busybox ash and applets', busyboxImage],
];

describe.each(IMAGES)('%s', (_name, image) => {
  beforeEach(async () => {
    sim = await startSimulator({ orphanTimeoutMs: ORPHAN_TIMEOUT_MS, agentImage: image?.() });
    server = await startChildServer({
      CODER_URL: sim.url,
      CODER_SESSION_TOKEN: sim.demo.user.token,
      LOG_LEVEL: 'SILENT',
    });
    client = new Client({ name: 'freeze-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  });

  afterEach(async () => {
    await client.close().catch(() => undefined);
    await server.stop();
    await sim.close();
  });

  const bash = async (command: string) => {
    const res = await callTool(client, 'coder_workspace_bash', { workspace: 'dev', command });
    expect(res.isError).toBe(false);
    return res.json() as { output: string; exit_code: number };
  };

  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('re-attaches to the same PTY session after a freeze during which the socket was dropped', async () => {
    await bash('echo warm');
    const [before] = sim.pty.sessions();
    expect(before).toBeDefined();
    server.freeze();
    // Frozen for real: the server process itself answers nothing (not merely a wrapper process around it).
    await expect(
      fetch(server.url.replace(/\/mcp$/, '/healthz'), { signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow();
    expect(sim.pty.dropSockets()).toBe(1);
    await pause(200);
    server.thaw();
    expect((await bash('echo thawed')).output).toBe('thawed');
    const after = sim.pty.sessions();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: before?.id, pid: before?.pid });
  });

  it('replaces a session that expired during the freeze, and the call succeeds', async () => {
    await bash('echo warm');
    const [before] = sim.pty.sessions();
    server.freeze();
    // The socket goes while the container is frozen; the orphaned session then times out on the agent, as coderd's does after 5 minutes.
    expect(sim.pty.dropSockets()).toBe(1);
    await until(
      () => sim.pty.sessions().length === 0,
      'the orphaned session to time out on the agent',
      ORPHAN_TIMEOUT_MS + 5_000,
    );
    server.thaw();
    expect((await bash('echo replaced')).output).toBe('replaced');
    const after = sim.pty.sessions();
    expect(after).toHaveLength(1);
    // The same reconnect id starts a new PTY on the agent, as coderd does for an id it no longer knows.
    expect(after[0]?.pid).not.toBe(before?.pid);
  });

  it('replaces a session killed during the freeze, and the call succeeds', async () => {
    await bash('echo warm');
    const [before] = sim.pty.sessions();
    server.freeze();
    expect(sim.pty.killSession(before?.id ?? '')).toBe(true);
    await pause(200);
    server.thaw();
    expect((await bash('echo replaced')).output).toBe('replaced');
    const after = sim.pty.sessions();
    expect(after).toHaveLength(1);
    expect(after[0]?.pid).not.toBe(before?.pid);
  });

  it('a socket dropped while a command runs yields its result exactly once', async () => {
    const home = sim.pty.workspaceHome(sim.demo.workspaceId);
    const file = path.join(home, 'appended.txt');
    const started = path.join(home, 'append-started');
    const running = bash(`touch '${started}'; sleep 1; echo line >> '${file}'; echo appended`);
    // The command is running on the agent: its socket goes now.
    await until(() => existsSync(started), 'the command to start');
    expect(sim.pty.dropSockets()).toBeGreaterThan(0);
    const res = await running;
    expect(res).toEqual({ output: 'appended', exit_code: 0 });
    expect(readFileSync(file, 'utf8')).toBe('line\n');
    expect(sim.pty.sessions()).toHaveLength(1);
  });
});
