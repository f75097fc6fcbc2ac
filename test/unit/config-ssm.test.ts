/** The service token from SSM Parameter Store: decrypted, cached across invocations, refreshed after the TTL (keeping the last good one when a refresh fails), clear errors. */
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type * as ConfigModule from '../../lib/config';
import { getConfig, loadConfig, parseConfig, resetConfig, resetSsmClient } from '../../lib/config';
import { captureOutput } from '../helpers/capture-output';
import { setLogLevel } from '../../lib/log';

const ssm = mockClient(SSMClient);
const saved = { ...process.env };

beforeEach(() => {
  ssm.reset();
  resetConfig();
  resetSsmClient();
  process.env = {
    ...saved,
    CODER_URL: 'https://coder.example.com',
    CODER_SESSION_TOKEN_PARAMETER: '/coder-mcp/service-token',
    MCP_CONFIG_TTL_MS: '60000',
  };
  delete process.env.CODER_SESSION_TOKEN;
});
afterAll(() => {
  process.env = saved;
  resetConfig();
});

it('reads the SecureString with decryption once, and again after the TTL', async () => {
  ssm.on(GetParameterCommand).resolves({
    Parameter: { Name: '/coder-mcp/service-token', Value: 'abcdefghij-0123456789abcdefghijkl', Type: 'SecureString' },
  });
  const first = await getConfig(1_000);
  expect(first.serviceToken).toBe('abcdefghij-0123456789abcdefghijkl');
  await getConfig(30_000);
  await getConfig(60_999);
  expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
    Name: '/coder-mcp/service-token',
    WithDecryption: true,
  });
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'rotated000-0123456789abcdefghijkl' } });
  expect((await getConfig(61_001)).serviceToken).toBe('rotated000-0123456789abcdefghijkl');
  expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
});

it('names a missing parameter, and does not cache the failure', async () => {
  ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
  await expect(getConfig(1_000)).rejects.toThrow(
    'CODER_SESSION_TOKEN_PARAMETER: SSM parameter /coder-mcp/service-token: it does not exist in this account and region (ParameterNotFound)',
  );
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'abcdefghij-0123456789abcdefghijkl' } });
  expect((await getConfig(2_000)).serviceToken).toBe('abcdefghij-0123456789abcdefghijkl');
});

it('keeps serving the last good configuration when a refresh fails, warns without the token, and asks SSM again after a growing pause', async () => {
  const TOKEN = 'abcdefghij-0123456789abcdefghijkl';
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: TOKEN } });
  expect((await getConfig(1_000)).serviceToken).toBe(TOKEN);

  ssm.on(GetParameterCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  setLogLevel('WARN');
  const output = captureOutput();
  const asked = () => ssm.commandCalls(GetParameterCommand).length;
  try {
    expect((await getConfig(61_001)).serviceToken).toBe(TOKEN);
    expect(asked()).toBe(2);
    // Throttled: the next second's invocations are served without asking SSM, then 2 s, then 4 s.
    expect((await getConfig(61_900)).serviceToken).toBe(TOKEN);
    expect(asked()).toBe(2);
    await getConfig(62_002);
    expect(asked()).toBe(3);
    await getConfig(63_900);
    expect(asked()).toBe(3);
    await getConfig(64_003);
    expect(asked()).toBe(4);
    await getConfig(67_900);
    expect(asked()).toBe(4);
  } finally {
    output.restore();
  }
  const warnings = output.all.filter((l) => l.includes('configuration refresh failed'));
  expect(warnings).toHaveLength(3);
  expect(warnings[0]).toContain('/coder-mcp/service-token');
  expect(warnings[0]).toContain('ThrottlingException');
  expect(warnings.map((w) => (JSON.parse(w) as { retryInMs: number }).retryInMs)).toEqual([1_000, 2_000, 4_000]);
  expect(output.all.join('')).not.toContain(TOKEN);

  // Once SSM answers, the rotated token is served, the pause is forgotten and the TTL applies again.
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'rotated000-0123456789abcdefghijkl' } });
  expect((await getConfig(68_004)).serviceToken).toBe('rotated000-0123456789abcdefghijkl');
  await getConfig(100_000);
  expect(asked()).toBe(5);
  ssm.on(GetParameterCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  await getConfig(128_005);
  await getConfig(129_006);
  expect(asked()).toBe(7);
});

it('does not touch SSM without a parameter, and refuses both a token and a parameter', async () => {
  const plain = await loadConfig({
    CODER_URL: 'https://coder.example.com',
    CODER_SESSION_TOKEN: 'abcdefghij-0123456789abcdefghijkl',
  });
  expect(plain.serviceToken).toBe('abcdefghij-0123456789abcdefghijkl');
  expect(ssm.calls()).toHaveLength(0);
  expect(() =>
    parseConfig({ CODER_URL: 'https://x.example', CODER_SESSION_TOKEN: 't', CODER_SESSION_TOKEN_PARAMETER: '/p' }),
  ).toThrow(/not both/);
  expect(() => parseConfig({ CODER_URL: 'https://x.example', CODER_SESSION_TOKEN_PARAMETER: 'bad name!' })).toThrow(
    /CODER_SESSION_TOKEN_PARAMETER/,
  );
});

it('does not even load the SSM client module unless a parameter is used', async () => {
  let loads = 0;
  const fake = {
    SSMClient: class {
      send(): Promise<unknown> {
        return Promise.resolve({ Parameter: { Value: 'abcdefghij-0123456789abcdefghijkl' } });
      }
    },
    GetParameterCommand: class {},
  };
  let config: typeof ConfigModule | undefined;
  jest.isolateModules(() => {
    // Counts every load of the SDK module by this fresh copy of lib/config (an eager import would count at require time).
    jest.doMock('@aws-sdk/client-ssm', () => {
      loads += 1;
      return fake;
    });
    config = require('../../lib/config');
  });
  try {
    expect(loads).toBe(0);
    await config?.loadConfig({
      CODER_URL: 'https://coder.example.com',
      CODER_SESSION_TOKEN: 'abcdefghij-0123456789abcdefghijkl',
    });
    expect(loads).toBe(0);
    // Control: with a parameter the module is loaded, so the count above is meaningful.
    const withParameter = await config?.loadConfig({
      CODER_URL: 'https://coder.example.com',
      CODER_SESSION_TOKEN_PARAMETER: '/coder-mcp/service-token',
    });
    expect(withParameter?.serviceToken).toBe('abcdefghij-0123456789abcdefghijkl');
    expect(loads).toBe(1);
  } finally {
    jest.dontMock('@aws-sdk/client-ssm');
  }
});

describe("the operator's Coder app secret for sign-in (MCP_OAUTH_UPSTREAM_CLIENT_SECRET_PARAMETER)", () => {
  const env = {
    CODER_URL: 'https://coder.example.com',
    MCP_OAUTH: 'true',
    MCP_OAUTH_KEYS: `k1:${'A'.repeat(43)}`,
    MCP_OAUTH_UPSTREAM_CLIENT_ID: '4f7b3c2e-9a1d-4e5f-8b6a-1c2d3e4f5a6b',
    MCP_OAUTH_UPSTREAM_CLIENT_SECRET_PARAMETER: '/coder-mcp/oauth-client-secret',
  };

  it('is read from the SecureString, decrypted', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'coder_secret_abc' } });
    const config = await loadConfig(env);
    expect(config.oauth?.upstreamApp).toEqual({
      clientId: env.MCP_OAUTH_UPSTREAM_CLIENT_ID,
      clientSecret: 'coder_secret_abc',
      clientSecretParameter: '/coder-mcp/oauth-client-secret',
    });
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/coder-mcp/oauth-client-secret', WithDecryption: true },
    ]);
  });

  it('names its own setting when the parameter is missing', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    await expect(loadConfig(env)).rejects.toThrow(
      'MCP_OAUTH_UPSTREAM_CLIENT_SECRET_PARAMETER: SSM parameter /coder-mcp/oauth-client-secret: it does not exist in this account and region (ParameterNotFound)',
    );
  });
});
