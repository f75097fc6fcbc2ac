/**
 * A token Coder refuses for its audience (403 "Token audience validation failed", coder/httpmw/apikey.go)
 * is a sign-in problem: the answer is the 401 with `error="invalid_token"` and the resource metadata
 * that sends an OAuth client back to sign in, on the first check, on a tool's REST call and on the PTY
 * dial. A plain 403 (a permission) stays the tool's own error.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { connectClient, callTool, INIT_REQUEST, postMcp, startStack, type Stack } from '../helpers/stack';
import { until } from '../helpers/until';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const AUDIENCE_REFUSED = { message: 'Token audience validation failed' };

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** A tool call as a client sends it after initialize (stateless: no session to carry). */
function toolCall(name: string, args: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name, arguments: args } });
}

function expectSignInAgain(res: Response): void {
  expect(res.status).toBe(401);
  const challenge = res.headers.get('www-authenticate') ?? '';
  expect(challenge).toContain('error="invalid_token"');
  expect(challenge).toContain(`resource_metadata="${stack.server.url}/.well-known/oauth-protected-resource"`);
}

it('a token issued for this MCP server instead of Coder is refused with the 401 that sends the client to sign in', async () => {
  const own = stack.sim.mintOAuth2Token(stack.sim.demo.user.username, `${stack.sim.url}/`);
  expect((await postMcp(stack, JSON.stringify(INIT_REQUEST), bearer(own))).status).toBe(200);

  // What a client following RFC 8707 asks Coder for when it calls us: a token for our URL.
  const ours = stack.sim.mintOAuth2Token(stack.sim.demo.user.username, stack.mcpUrl);
  const res = await postMcp(stack, JSON.stringify(INIT_REQUEST), bearer(ours));
  expectSignInAgain(res);
  expect(res.headers.get('www-authenticate')).toContain('audience');
  const text = await res.text();
  expect(text).not.toContain(ours);
  expect(text).toMatch(/audience/);
});

it("a refusal on a tool's REST call within the token cache becomes the 401 as well", async () => {
  const token = stack.sim.mintOAuth2Token(stack.sim.demo.user.username, stack.sim.url);
  const client = await connectClient(stack, { token });
  expect((await callTool(client, 'coder_get_authenticated_user')).isError).toBe(false);
  await client.close();
  // Coder moves to a new domain: every token issued for the old URL is refused from now on, while our cache still trusts this one.
  stack.sim.setAccessUrl('https://coder.example.com');
  try {
    const res = await postMcp(stack, toolCall('coder_get_authenticated_user', {}), bearer(token));
    expectSignInAgain(res);
  } finally {
    stack.sim.setAccessUrl(undefined);
  }
});

describe('the PTY dial', () => {
  /**
   * coderd authenticates the upgrade with the same middleware as REST, and our permission check (a REST
   * authcheck) runs just before the dial, so a real coderd refuses the REST call first. To exercise the
   * dial's own handling, the simulator refuses the upgrade alone, with coderd's exact status and body.
   */
  const ptyPath = () => `/api/v2/workspaceagents/${stack.sim.demo.agentId}/pty`;
  const bash = (token: string) =>
    postMcp(
      stack,
      toolCall('coder_workspace_bash', { workspace: stack.sim.demo.workspaceName, command: 'echo hi' }),
      bearer(token),
    );

  it.each([
    ['an audience refusal', 403, AUDIENCE_REFUSED],
    [
      'a refused token',
      401,
      {
        message: 'You are signed out or your session has expired. Please sign in again to continue.',
        detail: 'API key is invalid.',
      },
    ],
  ])('%s becomes the 401, without a pointless second dial', async (_what, status, refusedBody) => {
    const token = stack.sim.mintOAuth2Token(stack.sim.demo.user.username, stack.sim.url);
    // A warm caller: the workspace is resolved and remembered, so the next failed dial would normally be retried once.
    const first = await bash(token);
    expect(first.status).toBe(200);
    expect(JSON.stringify(await first.json())).toContain('hi');
    for (const s of stack.sim.pty.sessions()) stack.sim.pty.killSession(s.id);

    stack.sim.failNext({ method: 'GET', pathPrefix: ptyPath() }, status, refusedBody);
    const dials = stack.sim.requestCount(ptyPath());
    const res = await bash(token);
    expectSignInAgain(res);
    expect(stack.sim.requestCount(ptyPath()) - dials).toBe(1);
  });

  it('a refusal of the re-attach while a command runs becomes the 401 as well', async () => {
    const token = stack.sim.mintOAuth2Token(stack.sim.demo.user.username, stack.sim.url);
    expect((await bash(token)).status).toBe(200);
    const started = path.join(stack.sim.pty.workspaceHome(stack.sim.demo.workspaceId), 'audience-started');
    const command = `touch '${started}'; sleep 0.5; echo late`;
    const running = postMcp(
      stack,
      toolCall('coder_workspace_bash', { workspace: stack.sim.demo.workspaceName, command }),
      bearer(token),
    );
    await until(() => existsSync(started), 'the command to start');
    // The socket goes mid-command and coderd refuses the token when the channel comes back for the answer.
    stack.sim.failNext({ method: 'GET', pathPrefix: ptyPath() }, 403, AUDIENCE_REFUSED);
    expect(stack.sim.pty.dropSockets()).toBeGreaterThan(0);
    expectSignInAgain(await running);
  });

  it("a plain 403 (no permission) stays the tool's error and does not send the client to sign in", async () => {
    const token = stack.sim.mintOAuth2Token(stack.sim.demo.user.username, stack.sim.url);
    stack.sim.failNext({ method: 'GET', pathPrefix: ptyPath() }, 403, { message: 'Forbidden.', detail: 'injected' });
    const res = await bash(token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result?: { isError?: boolean; content?: { text?: string }[] } };
    expect(body.result?.isError).toBe(true);
    expect(body.result?.content?.[0]?.text).toMatch(/403: Forbidden\./);
  });
});
