/**
 * The REST API as synthesized: exactly which (method, path) pairs it exposes and how each is
 * authorised in both auth modes (caller mode with OAuth, on by default, and without), that every one
 * streams from the function, that each reaches a route lib/app.ts serves with the function's own
 * environment, and that its logs can never hold a token.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { handleRequest } from '../../lib/app';
import { parseConfig } from '../../lib/config';
import { apiMethods, synth } from './synth';

const MCP_METHODS = ['POST /mcp', 'GET /mcp', 'DELETE /mcp'];
const OPEN_ROUTES = [
  'OPTIONS /mcp',
  'GET /.well-known/oauth-protected-resource',
  'OPTIONS /.well-known/oauth-protected-resource',
  'GET /.well-known/oauth-protected-resource/mcp',
  'OPTIONS /.well-known/oauth-protected-resource/mcp',
  'GET /healthz',
];
/** The OAuth authorization server's routes (docs/oauth.md; oauth.test.ts checks them in detail). */
const OAUTH_ROUTES = [
  ...['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration', '/.well-known/jwks.json'].flatMap(
    (p) => [`GET ${p}`, `OPTIONS ${p}`],
  ),
  ...['/oauth/register', '/oauth/token', '/oauth/revoke'].flatMap((p) => [`POST ${p}`, `OPTIONS ${p}`]),
  'GET /oauth/authorize',
  'GET /oauth/callback',
];

/**
 * The function's environment from the template, as the lib's config reads it: with OAuth, the KMS key
 * (a token here, and a KMS call there) is replaced by a key given directly, so no route calls AWS.
 */
function functionEnvironment(template: Template): Record<string, string> {
  const [fn] = Object.values(
    template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.streamHandler' } }),
  );
  const variables = Object.entries(fn?.Properties.Environment.Variables as Record<string, unknown>).filter(
    ([k]) => k !== 'MCP_OAUTH_KMS_KEY_ID',
  );
  const env = Object.fromEntries(variables.map(([k, v]) => [k, String(v)]));
  return env.MCP_OAUTH === 'true' ? { ...env, MCP_OAUTH_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64url')}` } : env;
}

/**
 * The whole format, field by field: the streaming integration's timings and errors (AWS's troubleshooting
 * fields for response streaming), no header, query string, body or authorizer value (they carry tokens).
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  integrationError: '$context.integration.error',
  responseTransferMode: '$context.integration.responseTransferMode',
  timeToAllHeaders: '$context.integration.timeToAllHeaders',
  timeToFirstContent: '$context.integration.timeToFirstContent',
};
/** In service mode, the IAM principal that signed the request: an ARN, never a credential. */
const SERVICE_FIELDS = { caller: '$context.identity.userArn' };
/** Variables that can hold a credential or a payload; the source IP (and the signer's ARN, in service mode) are the identity fields allowed. */
const TOKEN_CARRYING =
  /^\$(input|request|method|stageVariables|util)\.|^\$context\.(authorizer|requestOverride|responseOverride)\.|^\$context\.identity\.(?!sourceIp$|userArn$)/;

describe.each([
  {
    mode: 'caller mode (OAuth on by default)',
    authMode: 'caller' as const,
    oauth: true,
    mcpAuth: 'NONE',
    logFields: ACCESS_LOG_FIELDS,
  },
  {
    mode: 'caller mode without OAuth',
    authMode: 'caller' as const,
    oauth: false,
    mcpAuth: 'NONE',
    logFields: ACCESS_LOG_FIELDS,
  },
  {
    mode: 'service mode',
    authMode: 'service' as const,
    oauth: false,
    mcpAuth: 'AWS_IAM',
    logFields: { ...ACCESS_LOG_FIELDS, ...SERVICE_FIELDS },
  },
])('REST API in $mode', ({ authMode, oauth, mcpAuth, logFields }) => {
  const out = synth({
    coderUrl: 'https://coder.example.com',
    authMode,
    ...(authMode === 'service' ? { serviceTokenParameterName: '/coder-mcp/service-token' } : { oauth }),
  });
  afterAll(() => out.cleanup());
  const methods = apiMethods(out.template);
  const openRoutes = [...OPEN_ROUTES, ...(oauth ? OAUTH_ROUTES : [])];

  it(`exposes exactly the MCP methods (${mcpAuth}) and the open preflight, metadata and health routes${oauth ? ', and the OAuth routes' : ''}`, () => {
    const expected = Object.fromEntries([
      ...MCP_METHODS.map((r) => [r, mcpAuth]),
      ...openRoutes.map((r) => [r, 'NONE']),
    ]);
    expect(Object.fromEntries([...methods].map(([route, m]) => [route, m.Properties.AuthorizationType]))).toEqual(
      expected,
    );
  });

  it('integrates every method with the function through the response-streaming invocation URI', () => {
    const [fn] = Object.keys(
      out.template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.streamHandler' } }),
    );
    const uri = {
      'Fn::Join': [
        '',
        [
          'arn:aws:apigateway:eu-west-1:lambda:path/2021-11-15/functions/',
          { 'Fn::GetAtt': [fn, 'Arn'] },
          '/response-streaming-invocations',
        ],
      ],
    };
    for (const [route, m] of methods) {
      expect([route, m.Properties.Integration]).toEqual([
        route,
        {
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
          ResponseTransferMode: 'STREAM',
          TimeoutInMillis: 360_000,
          Uri: uri,
        },
      ]);
    }
  });

  it("sends every route to a handler lib/app.ts serves with the function's environment, never its 404", async () => {
    const config = parseConfig(functionEnvironment(out.template));
    expect(Boolean(config.oauth)).toBe(oauth);
    // Coder is not there: whatever a route would ask it fails at once (the OAuth metadata then still answers).
    const fetch = jest
      .spyOn(globalThis, 'fetch')
      .mockRejectedValue(new TypeError('fetch failed: no Coder in this test'));
    try {
      for (const route of methods.keys()) {
        const [method = '', path = ''] = route.split(' ');
        const res = await handleRequest(
          new Request(`https://api.example.com/prod${path}`, { method }),
          { basePath: '/prod', remainingMs: () => 60_000 },
          config,
        );
        expect([route, res.status]).not.toEqual([route, 404]);
      }
    } finally {
      fetch.mockRestore();
    }
  });

  it('writes JSON access logs with exactly the chosen fields, none of which can carry a token', () => {
    const [stage] = Object.values(out.template.findResources('AWS::ApiGateway::Stage'));
    const format = String(stage?.Properties.AccessLogSetting.Format);
    expect(JSON.parse(format)).toEqual(logFields);
    // Every variable the format references, keys included, not just the parsed values.
    const variables = format.match(/\$[\w.]+/g) ?? [];
    expect([...variables].sort()).toEqual(Object.values(logFields).sort());
    for (const v of variables) expect(v).not.toMatch(TOKEN_CARRYING);
    // What may name a forbidden word without carrying one: the signer's ARN field, and a timing (time to the integration's headers, not their values).
    const allowed = format.replace('"caller":"$context.identity.userArn"', '').replaceAll('timeToAllHeaders', '');
    expect(allowed).not.toMatch(/header|querystring|body|authori[sz]|token|caller|user|apikey|accesskey|cognito/i);
  });

  it('pins the REGIONAL endpoint: an edge-optimized one cuts a stream idle for 30 s', () => {
    out.template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
  });

  it('acknowledges unauthenticated-method findings on exactly the open methods, never the whole API', () => {
    const open = authMode === 'caller' ? [...MCP_METHODS, ...openRoutes] : openRoutes;
    const acked = (id: string) =>
      [...methods.keys()].filter((route) => {
        const [verb = '', path = ''] = route.split(' ');
        const method = out.stack.api.methods.find((m) => m.httpMethod === verb && m.resource.path === path);
        return method?.node.metadata.some(
          (e) => e.type === 'aws:cdk:acknowledged-rules' && JSON.stringify(e.data).includes(`AwsSolutions-${id}`),
        );
      });
    expect(acked('APIG4').sort()).toEqual([...open].sort());
    const apiAcks = out.stack.api.node.metadata
      .filter((e) => e.type === 'aws:cdk:acknowledged-rules')
      .map((e) => JSON.stringify(e.data));
    expect(apiAcks.join()).not.toMatch(/APIG4|COG4/);
  });

  it('keeps execution logging at ERROR with data tracing off, on the one stage, for every method', () => {
    out.template.resourceCountIs('AWS::ApiGateway::Stage', 1);
    const [stage] = Object.values(out.template.findResources('AWS::ApiGateway::Stage'));
    expect(stage?.Properties.MethodSettings).toEqual([
      {
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      },
    ]);
  });
});
