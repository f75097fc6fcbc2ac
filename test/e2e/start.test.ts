/**
 * `npm start` as a newcomer runs it: a child process with no Coder configured starts the simulator,
 * prints where it listens, and an MCP client lists the tools and calls coder_list_workspaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const ROOT = path.join(__dirname, '..', '..');
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});

function waitForLine(proc: ChildProcess, pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${ms} ms; output:\n${seen}`)), ms);
    proc.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = seen.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    proc.once('exit', (code) => reject(new Error(`npm start exited with ${code}; output:\n${seen}`)));
  });
}

it('starts against the simulator and serves an MCP client without further setup', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
  delete env.CODER_URL;
  delete env.CODER_SESSION_TOKEN;
  child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  const [, url] = await waitForLine(child, /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/, 20_000);
  const client = new Client({ name: 'start-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url ?? '')));
  try {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('coder_list_workspaces');
    const res = await client.callTool({ name: 'coder_list_workspaces', arguments: {} });
    expect(res.isError).toBeFalsy();
    const content = res.content as { type: string; text: string }[];
    const list = JSON.parse(content[0]?.text ?? '[]') as { name: string }[];
    expect(list.map((w) => w.name)).toContain('dev');
    // It said it uses the simulator, and printed pasteable configurations: Cursor's key is mcpServers, VS Code's is
    // servers; against the simulator no token header is needed.
    expect(printed).toMatch(/using the local Coder simulator/);
    expect(printed).toMatch(/"mcpServers"/);
    expect(printed).toMatch(/"servers"/);
    expect(printed).not.toMatch(/"headers"|--header/);
  } finally {
    await client.close();
  }
}, 40_000);
