/**
 * The REST API in front of the function: regional endpoint, response streaming on every method,
 * IAM on the MCP methods in service mode, access logs without tokens, the optional custom domain
 * (TLS 1.3), the OAuth authorization server's routes when OAuth is on (docs/oauth.md), the URLs a
 * deployer needs as outputs, and cdk-nag acknowledgements on exactly the methods that are open on purpose.
 */
import { CfnOutput, Duration, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Settings } from './settings';

export const STAGE = 'prod';
const INTEGRATION_TIMEOUT = Duration.minutes(6);

/**
 * Access log fields: who called what and how it went, with the streaming integration's own timings
 * (AWS's troubleshooting fields for response streaming). Never a header, query string, body or
 * authorizer value: those carry callers' tokens.
 */
const ACCESS_LOG_FIELDS: Record<string, string> = {
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
/** Service mode only: the IAM principal that signed the request (an ARN, not a credential). */
const SERVICE_ACCESS_LOG_FIELDS: Record<string, string> = { caller: '$context.identity.userArn' };

export function accessLogFields(s: Pick<Settings, 'authMode'>): Record<string, string> {
  return s.authMode === 'service' ? { ...ACCESS_LOG_FIELDS, ...SERVICE_ACCESS_LOG_FIELDS } : ACCESS_LOG_FIELDS;
}

/** The routes that answer without credentials in every mode, each with why it must. */
const OPEN_ROUTES = {
  preflight: 'OPTIONS /mcp is the CORS preflight, which browsers send without credentials',
  metadata:
    'The RFC 9728 protected-resource metadata is how an OAuth client learns where to get a token, before it has one',
  metadataPreflight: 'The CORS preflight of the protected-resource metadata, which browsers send without credentials',
  health: 'The health check is for load balancers and probes that hold no credentials; it reveals only the version',
};

/** Why each OAuth route answers without an API Gateway authorizer: each is how a client or browser gets a credential, or checks its own. */
const OAUTH_REASONS = {
  metadata:
    'The RFC 8414 authorization-server metadata tells an OAuth client where to register, authorize and get tokens, before it has any credential',
  oidc: 'OIDC discovery: the same authorization-server metadata at the path MCP clients probe for an issuer with a path (the stage), before they have any credential',
  jwks: 'The JWKS document OIDC discovery requires is public by definition (empty: no ID tokens are issued)',
  register:
    'RFC 7591 dynamic client registration is how an MCP client gets its client_id, before it has any credential; the function checks its redirect URIs against its allow-list',
  authorize:
    "The authorization endpoint is opened by the user's browser, which holds no token; the user signs in at Coder, and the function requires PKCE",
  callback:
    "Coder's OAuth provider sends the user's browser back here with a code; the function checks the sealed state and the cookie binding it to the browser that started",
  token:
    'The token endpoint authenticates the client with its client credentials, PKCE verifier and sealed code in the request body (RFC 6749), not with an API Gateway authorizer',
  revoke: 'RFC 7009 token revocation authenticates the client in the request body, as the token endpoint does',
  preflight:
    'CORS preflight for browser-based MCP clients (such as the MCP Inspector), which browsers send without credentials; the function answers it',
};

/** The OAuth routes (docs/oauth.md "Endpoints"), each open on purpose for its reason; OPTIONS where a browser-based client calls from a page. */
const OAUTH_ROUTES: [verb: string, path: string, reason: string][] = [
  ['GET', '/.well-known/oauth-authorization-server', OAUTH_REASONS.metadata],
  ['OPTIONS', '/.well-known/oauth-authorization-server', OAUTH_REASONS.preflight],
  ['GET', '/.well-known/openid-configuration', OAUTH_REASONS.oidc],
  ['OPTIONS', '/.well-known/openid-configuration', OAUTH_REASONS.preflight],
  ['GET', '/.well-known/jwks.json', OAUTH_REASONS.jwks],
  ['OPTIONS', '/.well-known/jwks.json', OAUTH_REASONS.preflight],
  ['POST', '/oauth/register', OAUTH_REASONS.register],
  ['OPTIONS', '/oauth/register', OAUTH_REASONS.preflight],
  ['GET', '/oauth/authorize', OAUTH_REASONS.authorize],
  ['GET', '/oauth/callback', OAUTH_REASONS.callback],
  ['POST', '/oauth/token', OAUTH_REASONS.token],
  ['OPTIONS', '/oauth/token', OAUTH_REASONS.preflight],
  ['POST', '/oauth/revoke', OAUTH_REASONS.revoke],
  ['OPTIONS', '/oauth/revoke', OAUTH_REASONS.preflight],
];

export function restApi(
  stack: Stack,
  fn: lambda.IFunction,
  s: Settings,
  logRetention: logs.RetentionDays,
): apigw.RestApi {
  const accessLogs = new logs.LogGroup(stack, 'AccessLogs', {
    retention: logRetention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const api = new apigw.RestApi(stack, 'Api', {
    // Unique per stack: the 5xx alarm's ApiName dimension would otherwise count every copy of this stack in the account.
    restApiName: stack.stackName,
    description: 'Coder MCP server (streamable HTTP) in front of the coder-mcp Lambda',
    // REGIONAL, never EDGE: an edge-optimized endpoint cuts a stream idle for 30 s, which long tool calls are.
    endpointTypes: [apigw.EndpointType.REGIONAL],
    cloudWatchRole: s.apiGatewayCloudWatchRole,
    deployOptions: {
      stageName: STAGE,
      throttlingRateLimit: s.throttleRatePerSecond,
      throttlingBurstLimit: s.throttleBurst,
      loggingLevel: apigw.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      // With the function's active tracing: one trace from the gateway into the function, or none at all.
      tracingEnabled: s.tracing,
      accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
      accessLogFormat: apigw.AccessLogFormat.custom(JSON.stringify(accessLogFields(s))),
    },
    ...(s.domainName && s.certificateArn
      ? {
          domainName: {
            domainName: s.domainName,
            certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', s.certificateArn),
            // TLS 1.3 only (AES-GCM and ChaCha20 suites); STRICT refuses requests whose SNI is not this domain.
            securityPolicy: apigw.SecurityPolicy.TLS13_1_3_2025_09,
            endpointAccessMode: apigw.EndpointAccessMode.STRICT,
          },
        }
      : {}),
  });
  executionLogs(stack, api, logRetention);
  if (s.domainName) {
    new CfnOutput(stack, 'CustomDomainTarget', {
      // A plain string: CloudFormation refuses an intrinsic function (a token) in an output's Description.
      description: `Regional target for ${s.domainName}: point its CNAME (or Route 53 alias) here`,
      value: api.domainName?.domainNameAliasDomainName ?? '',
    });
  }
  routes(stack, api, fn, s);
  publicUrlOutputs(stack, api, s);
  if (s.authMode === 'service') {
    new CfnOutput(stack, 'McpInvokeArn', {
      description:
        'Callers need execute-api:Invoke on this ARN (every method on /mcp of this stage) and sign with SigV4',
      value: api.arnForExecuteApi('*', '/mcp', STAGE),
    });
  }
  acknowledgeApiFindings(api, s);
  return api;
}

function routes(stack: Stack, api: apigw.RestApi, fn: lambda.IFunction, s: Settings): void {
  const integration = new apigw.LambdaIntegration(fn, {
    proxy: true,
    timeout: INTEGRATION_TIMEOUT,
    responseTransferMode: apigw.ResponseTransferMode.STREAM,
  });
  const validator = new apigw.RequestValidator(stack, 'Validator', {
    restApi: api,
    validateRequestParameters: true,
    validateRequestBody: true,
  });
  const open: apigw.MethodOptions = { requestValidator: validator };
  const mcp = api.root.addResource('mcp');
  const mcpMethods = ['POST', 'GET', 'DELETE'].map((verb) =>
    mcp.addMethod(
      verb,
      integration,
      s.authMode === 'service' ? { authorizationType: apigw.AuthorizationType.IAM, requestValidator: validator } : open,
    ),
  );
  const wellKnown = api.root.addResource('.well-known').addResource('oauth-protected-resource');
  openMethod(mcp.addMethod('OPTIONS', integration, open), OPEN_ROUTES.preflight);
  openMethod(wellKnown.addMethod('GET', integration, open), OPEN_ROUTES.metadata);
  const wellKnownMcp = wellKnown.addResource('mcp');
  openMethod(wellKnownMcp.addMethod('GET', integration, open), OPEN_ROUTES.metadata);
  // Browser-based clients read the metadata from a page with an MCP-Protocol-Version header: a preflight first.
  for (const resource of [wellKnown, wellKnownMcp])
    openMethod(resource.addMethod('OPTIONS', integration, open), OPEN_ROUTES.metadataPreflight);
  openMethod(api.root.addResource('healthz').addMethod('GET', integration, open), OPEN_ROUTES.health);
  if (s.oauth) {
    for (const [verb, path, reason] of OAUTH_ROUTES)
      openMethod(api.root.resourceForPath(path).addMethod(verb, integration, open), reason);
  }
  for (const m of mcpMethods) {
    if (s.authMode === 'caller')
      openMethod(
        m,
        'Caller mode: callers send their own Coder token, which the function verifies with Coder on every request',
      );
    // APIG4 is satisfied by IAM; COG4 asks for Cognito specifically.
    else
      Validations.of(m).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'Service mode authorises the MCP methods with IAM (SigV4), not Cognito',
      });
  }
}

/**
 * Where clients reach the function: the custom domain (mapped at its root, as MCP_PUBLIC_URL says to the
 * function) when there is one, else the stage URL. The OAuth callback is what an operator registers in
 * Coder as the redirect URI of the app used when Coder's dynamic client registration is off.
 */
function publicUrlOutputs(stack: Stack, api: apigw.RestApi, s: Settings): void {
  const url = (path: string) => (s.domainName ? `https://${s.domainName}${path}` : api.urlForPath(path));
  new CfnOutput(stack, 'McpUrl', {
    description: 'The MCP endpoint (streamable HTTP) clients connect to',
    value: url('/mcp'),
  });
  if (s.oauth) {
    new CfnOutput(stack, 'OAuthCallbackUrl', {
      description:
        "Redirect URI to register in Coder for the operator's OAuth2 app (oauthUpstreamClientId), used when Coder's dynamic client registration is off",
      value: url('/oauth/callback'),
    });
  }
}

/**
 * Acknowledges the unauthenticated-method findings (APIG4: no authorizer, COG4: no Cognito) on this one
 * method only, so a method added later without authorisation still fails cdk-nag.
 */
function openMethod(method: apigw.Method, reason: string): void {
  Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
}

/**
 * ERROR-level execution logs go to a group named by API Gateway, which it creates on first use with no
 * retention. Created here first (before the stage that writes to it) so the retention applies.
 */
function executionLogs(stack: Stack, api: apigw.RestApi, retention: logs.RetentionDays): void {
  const group = new logs.LogGroup(stack, 'ExecutionLogs', {
    logGroupName: `API-Gateway-Execution-Logs_${api.restApiId}/${STAGE}`,
    retention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  api.deploymentStage.node.addDependency(group);
}

/** Findings acknowledged on the whole API on purpose, each with the reason (cdk-nag reports the rest). */
function acknowledgeApiFindings(api: apigw.RestApi, s: Settings): void {
  Validations.of(api).acknowledge({
    id: 'AwsSolutions-APIG3',
    reason: 'WAF is deployment-specific; attach a web ACL to the stage where your organisation requires one',
  });
  if (s.apiGatewayCloudWatchRole) {
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The API Gateway CloudWatch role uses the AWS-managed AmazonAPIGatewayPushToCloudWatchLogs policy, maintained by AWS for exactly this purpose',
    });
  }
}
