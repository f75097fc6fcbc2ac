/**
 * `npm start` as a newcomer runs it: a child process with no Coder configured starts the simulator and
 * prints where it listens and how to sign in; an MCP client signs in with Coder through the browser
 * (the SDK's own OAuth support, the person's part scripted with what was printed), lists the tools, and
 * calls a control-plane tool and a workspace tool.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Browser } from '../helpers/browser';
import { MemoryOAuthProvider, signInAndConnect } from '../helpers/oauth-client';

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
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} within ${ms} ms; output:\n${seen}`)),
      ms,
    );
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
  child = spawn(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'scripts', 'start.ts')],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  // The configurations come last: once the Inspector's line is out, everything before it is too.
  await waitForLine(child, /MCP Inspector: .*\n/, 20_000);
  const [, url] = printed.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/) ?? [];
  const [, email, password] = printed.match(/simulator sign-in: email (\S+), password (\S+)/) ?? [];
  expect(email).toBeDefined();
  const provider = new MemoryOAuthProvider('http://127.0.0.1:39123/callback');
  const browser = new Browser();
  const client = await signInAndConnect(url ?? '', provider, async (authorizationUrl, redirectUrl) => {
    const landing = await browser.visit(authorizationUrl, {
      stopAt: (u) => u.href.startsWith(redirectUrl),
      credentials: { email: email ?? '', password: password ?? '' },
      consent: 'approve',
    });
    return landing.url.href;
  });
  try {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('coder_list_workspaces');
    const res = await client.callTool({ name: 'coder_list_workspaces', arguments: {} });
    expect(res.isError).toBeFalsy();
    const content = res.content as { type: string; text: string }[];
    const list = JSON.parse(content[0]?.text ?? '[]') as { name: string }[];
    expect(list.map((w) => w.name)).toContain('dev');
    const ran = await client.callTool({
      name: 'coder_workspace_bash',
      arguments: { workspace: 'dev', command: 'echo from-$((6*7))' },
    });
    expect(JSON.stringify(ran.content)).toContain('from-42');
    // The MCP Inspector's page may call directly, as printed.
    const inspector = await fetch(url ?? '', {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST' },
    });
    expect([inspector.status, inspector.headers.get('access-control-allow-origin')]).toEqual([
      204,
      'http://localhost:6274',
    ]);
    // The browser went through our authorize, Coder's sign-in and consent, and our callback.
    expect(browser.visited.map((u) => new URL(u).pathname)).toEqual(
      expect.arrayContaining(['/oauth/authorize', '/login', '/oauth2/authorize', '/oauth/callback']),
    );
    // It said it uses the simulator, how to try it with the MCP Inspector, and printed pasteable configurations:
    // Cursor's key is mcpServers, VS Code's is servers; clients sign in, so no token header is needed.
    expect(printed).toMatch(/using the local Coder simulator/);
    expect(printed).toMatch(/MCP Inspector: npx @modelcontextprotocol\/inspector.*sign in with Coder/);
    expect(printed).toMatch(/"mcpServers"/);
    expect(printed).toMatch(/"servers"/);
    expect(printed).not.toMatch(/"headers"|--header/);
  } finally {
    await client.close();
  }
}, 60_000);
