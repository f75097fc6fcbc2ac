/**
 * What the authorization server keeps to itself, end to end: across a whole sign-in (register,
 * authorize, Coder's sign-in and consent, callback, token), tool calls, failed attempts, a refresh and a
 * revocation, with logs at debug on both streams, no Coder token, Coder key id, Coder code, Coder app
 * secret, nor any code, token, state or secret of ours reaches the logs; and no answer our server gives
 * the client carries anything of Coder's (above all the Coder key id: sim.oauth2Keys).
 */
import { accessSchema, clientSchema, codeSchema, refreshSchema, stateSchema } from '../../lib/oauth/grants';
import { Browser } from '../helpers/browser';
import { captureOutput } from '../helpers/capture-output';
import { bearer, newKeys, OAuthFlow, pkce, toolCallBody, unseal } from '../helpers/oauth-flow';
import { postMcp, startStack, type Stack } from '../helpers/stack';
import { logLevel, setLogLevel } from '../../lib/log';

const KEYS = newKeys();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ env: { MCP_OAUTH: 'true', MCP_OAUTH_KEYS: KEYS } });
});
afterAll(() => stack.close());

/** `text` as it would show inside a longer base64 buffer, one core per byte alignment (see log-secrecy.test.ts). */
function base64Forms(text: string): string[] {
  return [0, 1, 2].map((shift) =>
    Buffer.concat([Buffer.alloc(shift), Buffer.from(text)])
      .toString('base64')
      .slice(4, -4),
  );
}

it('no secret of Coder or of ours reaches the logs, and nothing of Coder reaches the client', async () => {
  const user = stack.sim.addUser('secretive', 'member');
  const flow = new OAuthFlow(stack);
  const mcpAnswers: string[] = [];
  const mcp = async (body: string, token: string) => {
    const res = await postMcp(stack, body, bearer(token));
    const headers: string[] = [];
    res.headers.forEach((v, k) => {
      headers.push(`${k}: ${v}`);
    });
    mcpAnswers.push(`${res.status} ${headers.join('\n')} ${await res.text()}`);
    return res.status;
  };
  const secrets = new Map<string, string>();
  const keep = (what: string, value: string | undefined | null) => {
    if (!value) throw new Error(`no ${what}`);
    secrets.set(what, value);
  };
  const keyIds = new Set<string>();
  const seeKeys = () => {
    for (const k of stack.sim.oauth2Keys('secretive')) keyIds.add(k.keyId);
  };
  const statuses: number[] = [];

  const previous = logLevel();
  setLogLevel('DEBUG');
  const output = captureOutput();
  try {
    const client = await flow.register({ method: 'client_secret_basic', name: 'Secrecy' });
    keep('our client secret', client.clientSecret);
    keep("Coder app's secret", unseal(KEYS, 'client', client.clientId, clientSchema).u?.s);

    // The sign-in, step by step, so every value on the way is known.
    const browser = new Browser();
    const { verifier, challenge } = pkce();
    keep('client PKCE verifier', verifier);
    const started = await flow.authorize(browser, flow.authorizeUrl(client, {}, challenge));
    const coderLink = new URL(started.location ?? '');
    keep('our state', coderLink.searchParams.get('state'));
    keep(
      'our PKCE verifier for Coder',
      unseal(KEYS, 'state', coderLink.searchParams.get('state') ?? '', stateSchema).v,
    );
    keep('binding cookie', started.setCookie[0]?.split(';')[0]?.split('=')[1]);
    const callbackUrl = await flow.atCoder(browser, coderLink.href, user);
    keep("Coder's code", new URL(callbackUrl).searchParams.get('code'));
    const back = await flow.callback(browser, callbackUrl);
    const code = new URL(back.location ?? '').searchParams.get('code') ?? '';
    keep('our code', code);
    expect(unseal(KEYS, 'code', code, codeSchema).uc).toBe(secrets.get("Coder's code"));

    // A failed attempt first (wrong secret), then the redemption, then a replay (Coder's error path).
    statuses.push(
      (
        await flow.token(
          client,
          { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: client.redirectUri },
          { basic: Buffer.from(`${client.clientId}:nope`).toString('base64') },
        )
      ).status,
    );
    const redeemed = await flow.redeem(client, code, verifier);
    statuses.push(redeemed.status, (await flow.redeem(client, code, verifier)).status);
    const access = String(redeemed.json.access_token);
    const refresh = String(redeemed.json.refresh_token);
    keep('our access token', access);
    keep('our refresh token', refresh);
    keep('Coder access token', unseal(KEYS, 'access', access, accessSchema).ct);
    keep('Coder refresh token', unseal(KEYS, 'refresh', refresh, refreshSchema).rt);
    seeKeys();

    // Tool calls, one failing, and a tampered token.
    statuses.push(await mcp(toolCallBody('coder_get_authenticated_user'), access));
    statuses.push(await mcp(toolCallBody('coder_get_workspace', { workspace_id: 'no-such' }), access));
    statuses.push(
      await mcp(
        toolCallBody('coder_get_authenticated_user'),
        `${access.slice(0, -30)}${access.at(-30) === 'A' ? 'B' : 'A'}${access.slice(-29)}`,
      ),
    );

    const refreshed = await flow.refresh(client, refresh);
    statuses.push(refreshed.status, (await flow.refresh(client, refresh)).status);
    const access2 = String(refreshed.json.access_token);
    keep('our second access token', access2);
    keep('our second refresh token', String(refreshed.json.refresh_token));
    keep('second Coder access token', unseal(KEYS, 'access', access2, accessSchema).ct);
    keep('second Coder refresh token', unseal(KEYS, 'refresh', String(refreshed.json.refresh_token), refreshSchema).rt);
    seeKeys();
    statuses.push(await mcp(toolCallBody('coder_get_authenticated_user'), access2));

    statuses.push((await flow.revoke(client, access2)).status);
    statuses.push(await mcp(toolCallBody('coder_get_authenticated_user'), access2));
  } finally {
    output.restore();
    setLogLevel(previous);
  }

  // The run did what it says: failures failed, successes succeeded.
  expect(statuses).toEqual([401, 200, 400, 200, 200, 401, 200, 400, 200, 200, 401]);
  expect(keyIds.size).toBe(2);
  const coderKeyIdsFromTokens = [secrets.get('Coder access token'), secrets.get('second Coder access token')].map(
    (t) => t?.split('-')[0],
  );
  expect(new Set(coderKeyIdsFromTokens)).toEqual(keyIds);

  // Logging was on, and covered the OAuth routes.
  const logs = output.all.join('');
  expect(logs).toContain('"path":"/oauth/token"');
  expect(logs).toContain('"path":"/oauth/callback"');
  expect(logs).toContain('"message":"tool call"');
  for (const [what, secret] of secrets) {
    expect([what, logs.includes(secret)]).toEqual([what, false]);
    for (const form of base64Forms(secret))
      expect([what, 'base64', logs.includes(form)]).toEqual([what, 'base64', false]);
  }
  for (const keyId of keyIds) expect(['Coder key id', logs.includes(keyId)]).toEqual(['Coder key id', false]);

  // Nothing of Coder's in any answer our server gave the client: register, authorize, callback, token, refresh, revoke, /mcp.
  const answers = [...flow.answers.map((a) => `${a.status}\n${a.headerLines}\n${a.body}`), ...mcpAnswers];
  expect(flow.answers.map((a) => a.what)).toEqual([
    'register',
    'authorize',
    'callback',
    'token',
    'token',
    'token',
    'token',
    'token',
    'revoke',
  ]);
  const coderOnly = [...secrets].filter(([what]) => /Coder/.test(what));
  for (const answer of answers) {
    for (const keyId of keyIds) expect(answer).not.toContain(keyId);
    for (const [what, secret] of coderOnly) expect([what, answer.includes(secret)]).toEqual([what, false]);
  }
});
