/**
 * The REST API as synthesized: exactly which (method, path) pairs it exposes and how each is
 * authorised in both auth modes, that every one streams from the function, that each reaches a
 * route lib/app.ts serves, and that its logs can never hold a token.
 */
import { handleRequest } from '../../lib/app';
import { parseConfig } from '../../lib/config';
import { apiMethods, synth } from './synth';

const MCP_METHODS = ['POST /mcp', 'GET /mcp', 'DELETE /mcp'];
const OPEN_ROUTES = ['OPTIONS /mcp', 'GET /.well-known/oauth-protected-resource', 'GET /.well-known/oauth-protected-resource/mcp', 'GET /healthz'];

/** The whole format, field by field: no header, query string, body, authorizer or caller identity (they carry tokens). */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
};
/** Variables that can hold a credential or a payload; the source IP is the one identity field allowed. */
const TOKEN_CARRYING = /^\$(input|request|method|stageVariables|util)\.|^\$context\.(authorizer|requestOverride|responseOverride)\.|^\$context\.identity\.(?!sourceIp$)/;

describe.each([
  { authMode: 'caller' as const, mcpAuth: 'NONE' },
  { authMode: 'service' as const, mcpAuth: 'AWS_IAM' },
])('REST API in $authMode mode', ({ authMode, mcpAuth }) => {
  const out = synth({
    coderUrl: 'https://coder.example.com',
    authMode,
    ...(authMode === 'service' ? { serviceTokenParameterName: '/coder-mcp/service-token' } : {}),
  });
  afterAll(() => out.cleanup());
  const methods = apiMethods(out.template);

  it(`exposes exactly the MCP methods (${mcpAuth}) and the open preflight, metadata and health routes`, () => {
    const expected = Object.fromEntries([...MCP_METHODS.map((r) => [r, mcpAuth]), ...OPEN_ROUTES.map((r) => [r, 'NONE'])]);
    expect(Object.fromEntries([...methods].map(([route, m]) => [route, m.Properties.AuthorizationType]))).toEqual(expected);
  });

  it('integrates every method with the function through the response-streaming invocation URI', () => {
    const [fn] = Object.keys(out.template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.streamHandler' } }));
    const uri = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:eu-west-1:lambda:path/2021-11-15/functions/', { 'Fn::GetAtt': [fn, 'Arn'] }, '/response-streaming-invocations']] };
    for (const [route, m] of methods) {
      expect([route, m.Properties.Integration]).toEqual([
        route,
        { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', ResponseTransferMode: 'STREAM', TimeoutInMillis: 360_000, Uri: uri },
      ]);
    }
  });

  it('sends every route to a handler lib/app.ts serves, never its 404', async () => {
    const config = parseConfig({ CODER_URL: 'https://coder.example.com' });
    for (const route of methods.keys()) {
      const [method = '', path = ''] = route.split(' ');
      const res = await handleRequest(new Request(`https://api.example.com/prod${path}`, { method }), { basePath: '/prod', remainingMs: () => 60_000 }, config);
      expect([route, res.status]).not.toEqual([route, 404]);
    }
  });

  it('writes JSON access logs with exactly the chosen fields, none of which can carry a token', () => {
    const [stage] = Object.values(out.template.findResources('AWS::ApiGateway::Stage'));
    const format = String(stage?.Properties.AccessLogSetting.Format);
    expect(JSON.parse(format)).toEqual(ACCESS_LOG_FIELDS);
    // Every variable the format references, keys included, not just the parsed values.
    const variables = format.match(/\$[\w.]+/g) ?? [];
    expect([...variables].sort()).toEqual(Object.values(ACCESS_LOG_FIELDS).sort());
    for (const v of variables) expect(v).not.toMatch(TOKEN_CARRYING);
    expect(format).not.toMatch(/header|querystring|body|authori[sz]|token|caller|user|apikey|accesskey|cognito/i);
  });

  it('keeps execution logging at ERROR with data tracing off, on the one stage, for every method', () => {
    out.template.resourceCountIs('AWS::ApiGateway::Stage', 1);
    const [stage] = Object.values(out.template.findResources('AWS::ApiGateway::Stage'));
    expect(stage?.Properties.MethodSettings).toEqual([
      { HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    ]);
  });
});
