/**
 * The stack side of OAuth (docs/oauth.md): on by default in caller mode, refused in service mode; a KMS
 * HMAC key (HMAC_256, GENERATE_VERIFY_MAC, retained) that the function's role may use for GenerateMac
 * with HMAC_SHA_256 and nothing else; the function's OAuth environment per setting (names and ids, never
 * a secret), which the function's own config reads as meant; the authorization server's routes, open,
 * each acknowledged for cdk-nag on its own; the MCP and OAuth callback URLs as outputs; and the
 * settings' one-line errors. With OAuth off: no key, no variable, no route, no callback output.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { parseConfig } from '../../lib/config';
import { parseSettings, SettingsError, settingsErrorLine, type SettingsInput } from '../../infra/lib/settings';
import { apiMethods, synth } from './synth';

const BASE = { coderUrl: 'https://coder.example.com' };
const SERVICE = { ...BASE, authMode: 'service', serviceTokenParameterName: '/coder-mcp/service-token' } as const;
const UPSTREAM_ID = '0d1c7e0b-2f0a-4c7e-8a1b-2c3d4e5f6a7b';
const SECRET_PARAMETER = '/coder-mcp/oauth-client-secret';
const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0d1c7e0b-2f0a-4c7e-8a1b-2c3d4e5f6a7b';

/** docs/oauth.md "Endpoints", with a CORS preflight where browser-based clients call from a page (not authorize and callback: browser navigations). */
const OAUTH_ROUTES = [
  'GET /.well-known/oauth-authorization-server',
  'OPTIONS /.well-known/oauth-authorization-server',
  'GET /.well-known/openid-configuration',
  'OPTIONS /.well-known/openid-configuration',
  'GET /.well-known/jwks.json',
  'OPTIONS /.well-known/jwks.json',
  'POST /oauth/register',
  'OPTIONS /oauth/register',
  'GET /oauth/authorize',
  'GET /oauth/callback',
  'POST /oauth/token',
  'OPTIONS /oauth/token',
  'POST /oauth/revoke',
  'OPTIONS /oauth/revoke',
];
/** What every mode keeps. */
const BASE_ROUTES = [
  'POST /mcp',
  'GET /mcp',
  'DELETE /mcp',
  'OPTIONS /mcp',
  'GET /.well-known/oauth-protected-resource',
  'OPTIONS /.well-known/oauth-protected-resource',
  'GET /.well-known/oauth-protected-resource/mcp',
  'OPTIONS /.well-known/oauth-protected-resource/mcp',
  'GET /healthz',
];
const OAUTH_VARIABLE = /^MCP_OAUTH|^MCP_ACCEPT_CODER_TOKENS$/;

const WRITE_LOGS = {
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: { 'Fn::GetAtt': [expect.stringMatching(/^FunctionLogs/), 'Arn'] },
};

function functionOf(template: Template) {
  const [fn] = Object.values(
    template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.streamHandler' } }),
  );
  return fn as {
    Properties: { Role: { 'Fn::GetAtt': [string, string] }; Environment: { Variables: Record<string, unknown> } };
  };
}

/** The function role's statements: it has exactly one policy (stack.test.ts checks there is nothing else on the role). */
function roleStatements(template: Template): unknown[] {
  const roleId = functionOf(template).Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
  );
  expect(policies).toHaveLength(1);
  return policies[0]?.Properties.PolicyDocument.Statement as unknown[];
}

/** The one KMS key's logical id. */
function oauthKeyId(template: Template): string {
  const keys = Object.keys(template.findResources('AWS::KMS::Key'));
  expect(keys).toHaveLength(1);
  return keys[0] ?? '';
}

const generateMac = (keyId: string) => ({
  Effect: 'Allow',
  Action: 'kms:GenerateMac',
  Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
  Condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } },
});

/** Methods carrying an acknowledgement of this cdk-nag rule, as `METHOD /path`, with its reason. */
function acknowledged(out: ReturnType<typeof synth>, rule: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of out.stack.api.methods) {
    for (const entry of m.node.metadata.filter((e) => e.type === 'aws:cdk:acknowledged-rules')) {
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        if (id.endsWith(`AwsSolutions-${rule}`)) found.set(`${m.httpMethod} ${m.resource.path}`, reason);
      }
    }
  }
  return found;
}

/**
 * The function's environment as the lib's config reads it in Lambda: the key's ARN (a token in the
 * template) as the concrete ARN CloudFormation resolves it to.
 */
function deployedEnvironment(template: Template, keyArn: string): Record<string, string> {
  const variables = functionOf(template).Properties.Environment.Variables;
  return Object.fromEntries(
    Object.entries(variables).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : k === 'MCP_OAUTH_KMS_KEY_ID' ? keyArn : JSON.stringify(v),
    ]),
  );
}
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('caller mode: OAuth on by default', () => {
  const out = synth(BASE);
  afterAll(() => out.cleanup());

  it('creates one KMS HMAC key for GenerateMac/VerifyMac, retained on delete and replace, described', () => {
    const id = oauthKeyId(out.template);
    out.template.hasResource('AWS::KMS::Key', {
      Properties: {
        KeySpec: 'HMAC_256',
        KeyUsage: 'GENERATE_VERIFY_MAC',
        Description: Match.stringLikeRegexp(
          '^coder-mcp OAuth \\(stack CoderMcp\\): HMAC key .*sealing its OAuth client ids, codes and tokens; deleting it signs every user out$',
        ),
        // KMS has no automatic rotation for HMAC keys (CloudFormation refuses it): the key versions rotate.
        EnableKeyRotation: Match.absent(),
        PendingWindowInDays: Match.absent(),
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(id).toMatch(/^OAuthKey/);
  });

  it('lets the role call kms:GenerateMac on that key only, with HMAC_SHA_256 only, and nothing else of KMS', () => {
    const key = oauthKeyId(out.template);
    expect(roleStatements(out.template)).toEqual([WRITE_LOGS, generateMac(key)]);
    // No other IAM policy in the stack names a KMS action.
    const kmsActions = Object.values(out.template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
        .flatMap((st) => [st.Action].flat())
        .filter((a) => a.startsWith('kms:')),
    );
    expect(kmsActions).toEqual(['kms:GenerateMac']);
    expect(out.raw).not.toMatch(/ssm:GetParameter|kms:Decrypt|kms:VerifyMac/);
  });

  it('gives the function OAuth on, the key ARN, key version 1 and Coder tokens accepted; no redirect list (built-in) and no upstream app', () => {
    const variables = functionOf(out.template).Properties.Environment.Variables;
    const oauth = Object.fromEntries(Object.entries(variables).filter(([k]) => OAUTH_VARIABLE.test(k)));
    expect(oauth).toEqual({
      MCP_OAUTH: 'true',
      MCP_OAUTH_KMS_KEY_ID: { 'Fn::GetAtt': [oauthKeyId(out.template), 'Arn'] },
      MCP_OAUTH_KEY_VERSIONS: '1',
      MCP_ACCEPT_CODER_TOKENS: 'true',
    });
  });

  it("reads as the function's config expects: KMS-derived key ring, version 1, built-in redirect URIs, Coder tokens accepted", () => {
    const config = parseConfig(deployedEnvironment(out.template, KEY_ARN));
    expect(config.oauth?.keys).toEqual({ kind: 'kms', keyId: KEY_ARN, versions: [1] });
    expect(config.oauth?.upstreamApp).toBeUndefined();
    expect(config.oauth?.redirectUriPatterns.length).toBeGreaterThan(0);
    expect(config.acceptCoderTokens).toBe(true);
  });

  it('exposes the OAuth routes, open, besides the routes every mode has', () => {
    const methods = apiMethods(out.template);
    expect([...methods.keys()].sort()).toEqual([...BASE_ROUTES, ...OAUTH_ROUTES].sort());
    for (const route of OAUTH_ROUTES)
      expect([route, methods.get(route)?.Properties.AuthorizationType]).toEqual([route, 'NONE']);
  });

  it('acknowledges APIG4 and COG4 on each OAuth method by itself, with a reason, and never on the API or a resource', () => {
    for (const rule of ['APIG4', 'COG4']) {
      const acks = acknowledged(out, rule);
      for (const route of OAUTH_ROUTES)
        expect([route, acks.get(route)]).toEqual([route, expect.stringMatching(/\w{5,}.{30,}/)]);
      // Preflights say they are preflights; the others say why that endpoint must be reachable without a token.
      for (const route of OAUTH_ROUTES)
        expect([route, /CORS preflight/.test(acks.get(route) ?? '')]).toEqual([route, route.startsWith('OPTIONS ')]);
    }
    const onResources = out.stack.api.root.node
      .findAll()
      .filter((c) => c instanceof apigw.Resource || c === out.stack.api)
      .flatMap((c) =>
        c.node.metadata.filter((e) => e.type === 'aws:cdk:acknowledged-rules').map((e) => JSON.stringify(e.data)),
      );
    expect(onResources.join()).not.toMatch(/APIG4|COG4/);
  });

  it('outputs the MCP URL and the OAuth callback URL on the stage, with plain descriptions', () => {
    const [api] = Object.keys(out.template.findResources('AWS::ApiGateway::RestApi'));
    const [stage] = Object.keys(out.template.findResources('AWS::ApiGateway::Stage'));
    const stageUrl = (path: string) => ({
      'Fn::Join': [
        '',
        ['https://', { Ref: api }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: stage }, path],
      ],
    });
    out.template.hasOutput('McpUrl', { Value: stageUrl('/mcp'), Description: Match.stringLikeRegexp('MCP endpoint') });
    out.template.hasOutput('OAuthCallbackUrl', {
      Value: stageUrl('/oauth/callback'),
      Description: Match.stringLikeRegexp('Redirect URI to register in Coder'),
    });
    // Without a custom domain the function takes its public URL from each request, as the outputs do from the stage.
    expect(functionOf(out.template).Properties.Environment.Variables.MCP_PUBLIC_URL).toBeUndefined();
  });

  it('passes cdk-nag with no KMS finding to acknowledge: KMS5 (rotation) applies to symmetric encryption keys, not HMAC keys', () => {
    expect(out.report.pluginReports).toEqual([]);
    const acks = out.stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata.filter((e) => e.type === 'aws:cdk:acknowledged-rules').map((e) => JSON.stringify(e.data)),
      );
    expect(acks.join()).not.toMatch(/KMS/);
  });
});

describe("OAuth with the operator's Coder app, redirect URIs, key versions 2,1, Coder tokens refused, behind a custom domain", () => {
  const settings: SettingsInput = {
    ...BASE,
    oauth: 'true',
    oauthKeyVersions: '2,1',
    oauthRedirectUris: 'https://claude.ai/api/mcp/auth_callback, http://localhost:*',
    oauthUpstreamClientId: UPSTREAM_ID,
    oauthUpstreamClientSecretParameterName: SECRET_PARAMETER,
    acceptCoderTokens: 'false',
    domainName: 'mcp.example.com',
    certificateArn: CERTIFICATE,
  };
  // A deployer's shell may hold the secrets of a local run: they must not reach the assembly.
  const planted = {
    MCP_OAUTH_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64url')}`,
    MCP_OAUTH_UPSTREAM_CLIENT_SECRET: `planted-${randomUUID()}`,
  };
  const saved = Object.fromEntries(Object.keys(planted).map((k) => [k, process.env[k]]));
  Object.assign(process.env, planted);
  let out: ReturnType<typeof synth>;
  try {
    out = synth(settings);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  afterAll(() => out.cleanup());

  it('gives the function every OAuth variable: versions 2,1, the redirect patterns, the app id and its secret parameter name, Coder tokens refused', () => {
    const variables = functionOf(out.template).Properties.Environment.Variables;
    const oauth = Object.fromEntries(Object.entries(variables).filter(([k]) => OAUTH_VARIABLE.test(k)));
    expect(oauth).toEqual({
      MCP_OAUTH: 'true',
      MCP_OAUTH_KMS_KEY_ID: { 'Fn::GetAtt': [oauthKeyId(out.template), 'Arn'] },
      MCP_OAUTH_KEY_VERSIONS: '2,1',
      MCP_OAUTH_REDIRECT_URIS: 'https://claude.ai/api/mcp/auth_callback,http://localhost:*',
      MCP_OAUTH_UPSTREAM_CLIENT_ID: UPSTREAM_ID,
      MCP_OAUTH_UPSTREAM_CLIENT_SECRET_PARAMETER: SECRET_PARAMETER,
      MCP_ACCEPT_CODER_TOKENS: 'false',
    });
  });

  it("reads as the function's config expects", () => {
    const config = parseConfig(deployedEnvironment(out.template, KEY_ARN));
    expect(config.oauth).toMatchObject({
      keys: { kind: 'kms', keyId: KEY_ARN, versions: [2, 1] },
      redirectUriPatterns: ['https://claude.ai/api/mcp/auth_callback', 'http://localhost:*'],
      upstreamApp: { clientId: UPSTREAM_ID, clientSecretParameter: SECRET_PARAMETER },
    });
    expect(config.oauth?.upstreamApp?.clientSecret).toBeUndefined();
    expect(config.acceptCoderTokens).toBe(false);
  });

  it('lets the role GenerateMac on the key and read exactly the secret parameter (aws/ssm: no KMS statement), nothing more', () => {
    expect(roleStatements(out.template)).toEqual([
      WRITE_LOGS,
      generateMac(oauthKeyId(out.template)),
      {
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/coder-mcp/oauth-client-secret',
      },
    ]);
    expect(out.raw).not.toMatch(/kms:Decrypt|alias\/aws\/ssm|parameter\/\*/);
  });

  it('outputs the URLs on the custom domain, the same base the function is told (MCP_PUBLIC_URL)', () => {
    const publicUrl = functionOf(out.template).Properties.Environment.Variables.MCP_PUBLIC_URL;
    expect(publicUrl).toBe('https://mcp.example.com');
    out.template.hasOutput('McpUrl', { Value: `${String(publicUrl)}/mcp` });
    out.template.hasOutput('OAuthCallbackUrl', { Value: `${String(publicUrl)}/oauth/callback` });
  });

  it('writes none of the secrets of the shell that ran synth anywhere in the cloud assembly', () => {
    const files = readdirSync(out.directory, { recursive: true, encoding: 'utf8' })
      .map((f) => path.join(out.directory, f))
      .filter((f) => statSync(f).isFile());
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [name, value] of Object.entries(planted))
        expect([file, name, text.includes(value)]).toEqual([file, name, false]);
    }
  });

  it('passes cdk-nag AwsSolutions', () => {
    expect(out.report.pluginReports).toEqual([]);
  });
});

describe.each([
  ['caller mode with oauth=false', { ...BASE, oauth: false }],
  ['service mode', SERVICE],
] as [string, SettingsInput][])('OAuth off: %s', (_name, settings) => {
  const out = synth(settings);
  afterAll(() => out.cleanup());

  it('creates no KMS key and grants no kms:GenerateMac', () => {
    out.template.resourceCountIs('AWS::KMS::Key', 0);
    expect(out.raw).not.toMatch(/GenerateMac|MacAlgorithm/);
  });

  it('gives the function none of the OAuth variables', () => {
    expect(
      Object.keys(functionOf(out.template).Properties.Environment.Variables).filter((k) => OAUTH_VARIABLE.test(k)),
    ).toEqual([]);
  });

  it('exposes none of the OAuth routes, and keeps the protected-resource metadata', () => {
    expect([...apiMethods(out.template).keys()].sort()).toEqual([...BASE_ROUTES].sort());
  });

  it('outputs the MCP URL, and no OAuth callback URL', () => {
    expect(Object.keys(out.template.findOutputs('OAuthCallbackUrl'))).toEqual([]);
    expect(Object.keys(out.template.findOutputs('McpUrl'))).toEqual(['McpUrl']);
  });

  it('passes cdk-nag AwsSolutions', () => {
    expect(out.report.pluginReports).toEqual([]);
  });
});

it('fails cdk-nag for a method added later without an authorizer, beside or on the OAuth routes: each acknowledgement names one method', () => {
  expect(() =>
    synth(BASE, 'CoderMcpOAuthAdded', (stack) => {
      stack.api.root
        .resourceForPath('/oauth/userinfo')
        .addMethod(
          'GET',
          new apigw.LambdaIntegration(stack.fn, { responseTransferMode: apigw.ResponseTransferMode.STREAM }),
        );
    }),
  ).toThrow(/oauth\/userinfo\/GET\/Resource[\s\S]*AwsSolutions-APIG4/);
  expect(() =>
    synth(BASE, 'CoderMcpOAuthAddedVerb', (stack) => {
      stack.api.root
        .resourceForPath('/oauth/token')
        .addMethod(
          'DELETE',
          new apigw.LambdaIntegration(stack.fn, { responseTransferMode: apigw.ResponseTransferMode.STREAM }),
        );
    }),
  ).toThrow(/oauth\/token\/DELETE\/Resource[\s\S]*AwsSolutions-APIG4/);
}, 60_000);

describe('OAuth settings', () => {
  /** The one line `cdk synth` would print for these settings. */
  function errorLine(input: Record<string, unknown>): string {
    try {
      parseSettings(input);
    } catch (error) {
      if (error instanceof SettingsError) return settingsErrorLine(error);
      throw error;
    }
    throw new Error('settings were accepted');
  }

  it('defaults: on in caller mode with key version 1, built-in redirect URIs, Coder tokens accepted; off in service mode', () => {
    expect(parseSettings(BASE)).toMatchObject({
      oauth: true,
      oauthKeyVersions: [1],
      oauthRedirectUris: [],
      acceptCoderTokens: true,
    });
    expect(parseSettings(BASE).oauthUpstreamClientId).toBeUndefined();
    expect(parseSettings(SERVICE)).toMatchObject({ oauth: false });
    expect(parseSettings({ ...SERVICE, oauth: 'false' })).toMatchObject({ oauth: false });
  });

  it('reads -c strings and cdk.json values alike', () => {
    expect(parseSettings({ ...BASE, oauth: 'false' }).oauth).toBe(false);
    expect(parseSettings({ ...BASE, oauth: true }).oauth).toBe(true);
    expect(parseSettings({ ...BASE, oauthKeyVersions: ' 3, 2 ,1' }).oauthKeyVersions).toEqual([3, 2, 1]);
    expect(parseSettings({ ...BASE, oauthKeyVersions: [2, 1] }).oauthKeyVersions).toEqual([2, 1]);
    expect(parseSettings({ ...BASE, oauthKeyVersions: 4 }).oauthKeyVersions).toEqual([4]);
    expect(
      parseSettings({ ...BASE, oauthRedirectUris: ['https://a.example/cb', 'myapp://*'] }).oauthRedirectUris,
    ).toEqual(['https://a.example/cb', 'myapp://*']);
    expect(parseSettings({ ...BASE, acceptCoderTokens: 'false' }).acceptCoderTokens).toBe(false);
    expect(() => parseSettings({ ...BASE, oauth: 'yes' })).toThrow(/oauth: must be true or false/);
  });

  it('refuses oauth in service mode, in one line naming it and saying why', () => {
    const line = errorLine({ ...SERVICE, oauth: 'true' });
    expect(line).toMatch(
      /^invalid deployment settings: oauth: cannot be on in authMode "service": API Gateway authorises \/mcp with IAM .*; give it with -c oauth=false/,
    );
    expect(line).not.toContain('\n');
  });

  it('refuses half of an upstream app, naming the missing half', () => {
    expect(errorLine({ ...BASE, oauthUpstreamClientId: UPSTREAM_ID })).toMatch(
      /^invalid deployment settings: oauthUpstreamClientSecretParameterName: required with oauthUpstreamClientId: the Coder OAuth2 app is its id and its secret together; give it with -c oauthUpstreamClientSecretParameterName=\/coder-mcp\/oauth-client-secret/,
    );
    expect(errorLine({ ...BASE, oauthUpstreamClientSecretParameterName: SECRET_PARAMETER })).toMatch(
      /^invalid deployment settings: oauthUpstreamClientId: required with oauthUpstreamClientSecretParameterName/,
    );
    expect(
      errorLine({
        ...BASE,
        oauthUpstreamClientId: UPSTREAM_ID,
        oauthUpstreamClientSecretParameterName: 'oauth-client-secret',
      }),
    ).toMatch(/oauthUpstreamClientSecretParameterName: must be an SSM parameter name/);
  });

  it('refuses key versions that are not distinct whole numbers from 1 to 999999', () => {
    for (const bad of ['0', '-1', '1.5', 'a', '', '2,,1', '1,1', '1000000', [0], ['x']]) {
      expect([bad, errorLine({ ...BASE, oauthKeyVersions: bad })]).toEqual([
        bad,
        expect.stringMatching(
          /^invalid deployment settings: oauthKeyVersions: (must be whole numbers from 1 to 999999|names a version twice)/,
        ),
      ]);
    }
    expect(errorLine({ ...BASE, oauthKeyVersions: '2,1,2' })).toMatch(
      /oauthKeyVersions: names a version twice \(2,1,2\)/,
    );
  });

  it('refuses an upstream client id that is not a UUID', () => {
    for (const bad of ['coder-mcp', '0d1c7e0b2f0a4c7e8a1b2c3d4e5f6a7b', `${UPSTREAM_ID}x`]) {
      expect(
        errorLine({ ...BASE, oauthUpstreamClientId: bad, oauthUpstreamClientSecretParameterName: SECRET_PARAMETER }),
      ).toMatch(/^invalid deployment settings: oauthUpstreamClientId: must be the Coder OAuth2 app id, a UUID/);
    }
  });

  it('refuses redirect URI patterns without a literal scheme, or with spaces', () => {
    for (const bad of ['*', '*://evil.example/cb', 'claude.ai/api/mcp/auth_callback', 'https://a.example/c b']) {
      expect([bad, errorLine({ ...BASE, oauthRedirectUris: [bad] })]).toEqual([
        bad,
        expect.stringMatching(
          /^invalid deployment settings: oauthRedirectUris: must be redirect URI patterns with a scheme/,
        ),
      ]);
    }
  });

  it('refuses the OAuth-only settings while OAuth is off, naming each, so none is silently ignored', () => {
    const oauthOnly = {
      oauthRedirectUris: 'https://claude.ai/api/mcp/auth_callback',
      oauthKeyVersions: '2,1',
      oauthUpstreamClientId: UPSTREAM_ID,
      oauthUpstreamClientSecretParameterName: SECRET_PARAMETER,
      acceptCoderTokens: 'false',
    };
    for (const [key, value] of Object.entries(oauthOnly)) {
      expect(errorLine({ ...BASE, oauth: 'false', [key]: value })).toMatch(
        new RegExp(`^invalid deployment settings: ${key}: applies only with OAuth, and oauth is false`),
      );
      expect(errorLine({ ...SERVICE, [key]: value })).toMatch(
        new RegExp(
          `^invalid deployment settings: ${key}: applies only with OAuth, and authMode "service" has no OAuth`,
        ),
      );
    }
    // Accepting Coder tokens is what a deployment without OAuth does anyway.
    expect(parseSettings({ ...SERVICE, acceptCoderTokens: 'true' }).acceptCoderTokens).toBe(true);
  });
});
