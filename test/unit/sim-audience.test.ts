/**
 * The simulator's OAuth2 audience rule, ported from coderd/httpmw/apikey.go: a token coderd's OAuth2
 * provider issued is accepted only when its audience, normalized, is coderd's access URL; an empty
 * audience is accepted; anything else gets 403 "Token audience validation failed" with an
 * insufficient_scope challenge, on REST and on the PTY upgrade alike.
 */
import WebSocket from 'ws';
import { audienceAccepted, normalizeAudience } from '../sim/auth';
import { startSimulator, type Simulator } from '../sim';

describe('the rule (normalizeAudienceURI + comparison)', () => {
  const access = 'https://coder.example.com';

  it.each([
    ['the same URL', 'https://coder.example.com'],
    ['a trailing slash', 'https://coder.example.com/'],
    ['the default port', 'https://coder.example.com:443/'],
    ['another case in scheme and host', 'HTTPS://Coder.Example.COM'],
    ['dot segments', 'https://coder.example.com/a/..'],
    ['a fragment', 'https://coder.example.com/#x'],
  ])('accepts %s', (_what, audience) => {
    expect(audienceAccepted(audience, access)).toBe(true);
  });

  it('accepts a token without an audience', () => {
    expect(audienceAccepted('', access)).toBe(true);
  });

  it.each([
    ['another path (an MCP server in front of Coder)', 'https://coder.example.com/mcp'],
    ['another host', 'https://mcp.example.com'],
    ['another port', 'https://coder.example.com:8443'],
    ['another scheme', 'http://coder.example.com'],
    ['a query', 'https://coder.example.com/?x=1'],
    ['a string that is not a URL', 'coder'],
  ])('refuses %s', (_what, audience) => {
    expect(audienceAccepted(audience, access)).toBe(false);
  });

  it('normalizes a path with a trailing slash and an access URL with a path', () => {
    expect(normalizeAudience('http://127.0.0.1:80/coder/')).toBe('http://127.0.0.1/coder');
    expect(audienceAccepted('https://example.com/coder/', 'https://example.com/coder')).toBe(true);
    expect(audienceAccepted('https://example.com/', 'https://example.com/coder')).toBe(false);
  });
});

describe('over HTTP', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ buildStepMs: 10 });
  });
  afterEach(() => sim.close());

  const me = (token: string) => fetch(`${sim.url}/api/v2/users/me`, { headers: { authorization: `Bearer ${token}` } });

  it('accepts a token for its own URL (with a trailing slash) or without an audience', async () => {
    expect((await me(sim.mintOAuth2Token(sim.demo.user.username, `${sim.url}/`))).status).toBe(200);
    expect((await me(sim.mintOAuth2Token(sim.demo.user.username, ''))).status).toBe(200);
  });

  it("refuses a token for another resource with 403 and coderd's body and challenge", async () => {
    const res = await me(sim.mintOAuth2Token(sim.demo.user.username, `${sim.url}/mcp`));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'Token audience validation failed' });
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="coder", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token", resource_metadata="${sim.url}/.well-known/oauth-protected-resource"`,
    );
  });

  it('refuses every token issued for the old URL once the access URL changes', async () => {
    const token = sim.mintOAuth2Token(sim.demo.user.username, sim.url);
    expect((await me(token)).status).toBe(200);
    sim.setAccessUrl('https://coder.example.com');
    expect((await me(token)).status).toBe(403);
    // A session token (password login) has no audience to check.
    expect((await me(sim.demo.user.token)).status).toBe(200);
  });

  it('refuses the PTY upgrade the same way', async () => {
    const token = sim.mintOAuth2Token(sim.demo.user.username, 'https://mcp.example.com/mcp');
    const url = `${sim.url.replace('http', 'ws')}/api/v2/workspaceagents/${sim.demo.agentId}/pty?reconnect=${crypto.randomUUID()}&width=80&height=24`;
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { 'Coder-Session-Token': token } });
      ws.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      ws.on('open', () => {
        ws.close();
        reject(new Error('the upgrade was accepted'));
      });
      ws.on('error', () => undefined);
    });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ message: 'Token audience validation failed' });
  });
});
