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
const TOKEN_CARRYING = /^\$(input|request|method|stageVariables|util)\.|^\$context\.(authorizer|requestOverride|responseOverride)\.|^\$context\.identity\.(?!sourceIp$|userArn$)/;

describe.each([
  { authMode: 'caller' as const, mcpAuth: 'NONE', logFields: ACCESS_LOG_FIELDS },
  { authMode: 'service' as const, mcpAuth: 'AWS_IAM', logFields: { ...ACCESS_LOG_FIELDS, ...SERVICE_FIELDS } },
])('REST API in $authMode mode', ({ authMode, mcpAuth, logFields }) => {
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
    const uri = { 'Fn::Join': ['', ['arn:aws:apigateway:eu-west-1:lambda:path/2021-11-15/functions/', { 'Fn::GetAtt': [fn, 'Arn'] }, '/response-streaming-invocations']] };
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
    const open = authMode === 'caller' ? [...MCP_METHODS, ...OPEN_ROUTES] : OPEN_ROUTES;
    const acked = (id: string) =>
      [...methods.keys()].filter((route) => {
        const [verb = '', path = ''] = route.split(' ');
        const method = out.stack.api.methods.find((m) => m.httpMethod === verb && m.resource.path === path);
        return method?.node.metadata.some((e) => e.type === 'aws:cdk:acknowledged-rules' && JSON.stringify(e.data).includes(`AwsSolutions-${id}`));
      });
    expect(acked('APIG4').sort()).toEqual([...open].sort());
    const apiAcks = out.stack.api.node.metadata.filter((e) => e.type === 'aws:cdk:acknowledged-rules').map((e) => JSON.stringify(e.data));
    expect(apiAcks.join()).not.toMatch(/APIG4|COG4/);
  });

  it('keeps execution logging at ERROR with data tracing off, on the one stage, for every method', () => {
    out.template.resourceCountIs('AWS::ApiGateway::Stage', 1);
    const [stage] = Object.values(out.template.findResources('AWS::ApiGateway::Stage'));
    expect(stage?.Properties.MethodSettings).toEqual([
      { HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    ]);
  });
});
