/**
 * One stack: the MCP Lambda (bundled with the local esbuild and the project's bundle settings, arm64,
 * current Node.js runtime, reserved concurrency, optional X-Ray) behind an API Gateway REST API in
 * response-streaming mode (api.ts), with logs with retention, alarms and a dashboard (monitoring.ts),
 * and a role that may read exactly the one SSM parameter named in the settings (and decrypt with
 * exactly its customer-managed key, when it has one). With OAuth (docs/oauth.md), a KMS HMAC key from
 * which the function derives its sealing keys, which the role may use for GenerateMac and nothing else.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_NODE_OPTIONS } from '../../scripts/bundle-options';
import { ASSET_HANDLER_FILE, functionCode } from './bundle';
import { restApi } from './api';
import { metricsService, monitoring } from './monitoring';
import { parseSettings, type Settings, type SettingsInput } from './settings';

/** Longest tool call (coderd's 5-minute cap) plus room to answer; streaming REST APIs allow up to 15 minutes. */
const FUNCTION_TIMEOUT = Duration.minutes(5).plus(Duration.seconds(30));
/**
 * What the handler budgets for the integration: the streaming REST API cuts a response idle for 5 minutes,
 * and the handler writes its answer only once, at the end, so a tool call must end well inside that.
 */
const HANDLER_INTEGRATION_TIMEOUT = Duration.seconds(290);
/** What Lambda does with the role to give a VPC function its network interfaces (create, find, delete, address them). */
const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/** What X-Ray needs on the role: CDK adds exactly these for active tracing, and X-Ray has no resource-level permissions for them. */
const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;

/** The one MAC algorithm the function derives its OAuth sealing keys with (`kms:MacAlgorithm` in its grant). */
const OAUTH_MAC_ALGORITHM = 'HMAC_SHA_256';

export interface CoderMcpStackProps extends StackProps {
  /** The settings as given (CDK context or by hand); the stack validates them, with its region. */
  settings: SettingsInput;
}

export class CoderMcpStack extends Stack {
  readonly api: apigw.RestApi;
  readonly fn: lambda.Function;

  constructor(scope: Construct, id: string, props: CoderMcpStackProps) {
    super(scope, id, props);
    // Validated here, where the region is known (a token when the stack is env-agnostic: then ARNs are
    // checked for shape only). Props may be built by hand, and a service token without IAM in front would serve anonymous callers.
    const region = Stack.of(this).region;
    const s = parseSettings(props.settings, Token.isUnresolved(region) ? undefined : region);
    const tokenParameter = s.authMode === 'service' ? s.serviceTokenParameterName : undefined;
    const logGroup = new logs.LogGroup(this, 'FunctionLogs', {
      retention: retention(s.logRetentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const oauthKey = s.oauth ? this.oauthKey() : undefined;
    const role = this.functionRole(s, logGroup, tokenParameter, oauthKey);

    this.fn = new lambda.Function(this, 'Function', {
      // The bundle `npm run build` makes (infra/lib/bundle.ts); with tracing, Powertools Tracer's own bundle beside it.
      code: functionCode(this, s.tracing),
      handler: `${path.basename(ASSET_HANDLER_FILE, '.js')}.streamHandler`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: s.memoryMb,
      timeout: FUNCTION_TIMEOUT,
      role,
      logGroup,
      // Reserved by default (100): one client's burst can then never take the account's whole pool, and the
      // function keeps its share when other functions burst. `none` leaves it unreserved.
      reservedConcurrentExecutions: s.reservedConcurrency,
      // Active only when asked: X-Ray costs per trace, and the lib loads its tracer only with MCP_TRACING.
      ...(s.tracing ? { tracing: lambda.Tracing.ACTIVE } : {}),
      environment: {
        NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        CODER_URL: s.coderUrl,
        ...(tokenParameter ? { CODER_SESSION_TOKEN_PARAMETER: tokenParameter } : {}),
        MCP_ALLOWED_ORIGINS: s.allowedOrigins.join(','),
        MCP_OUTPUT_CAP_BYTES: String(s.outputCapBytes),
        TUNNEL_MAX_CHANNELS_PER_AGENT: String(s.maxChannelsPerAgent),
        TUNNEL_IDLE_MS: String(s.tunnelIdleMs),
        MCP_INTEGRATION_TIMEOUT_MS: String(HANDLER_INTEGRATION_TIMEOUT.toMilliseconds()),
        // The streaming entry writes answers as they come, so calls that ask for progress get it while they run.
        MCP_STREAM_RESPONSES: 'true',
        ...(s.domainName ? { MCP_PUBLIC_URL: `https://${s.domainName}` } : {}),
        // The `service` of its metrics (and traces): the stack's name, so two stacks keep their own graphs and alarms.
        POWERTOOLS_SERVICE_NAME: metricsService(this),
        ...(s.tracing ? { MCP_TRACING: 'true' } : {}),
        ...(s.readOnly ? { MCP_READ_ONLY: 'true' } : {}),
        ...(s.allowedTools.length > 0 ? { MCP_ALLOWED_TOOLS: s.allowedTools.join(',') } : {}),
        ...(oauthKey ? oauthEnvironment(s, oauthKey) : {}),
      },
      ...this.vpcPlacement(s),
    });

    this.acknowledgeWildcards(role, s);
    const logRetention = retention(s.logRetentionDays);
    this.api = restApi(this, this.fn, s, logRetention);
    monitoring(this, { api: this.api, fn: this.fn, functionTimeout: FUNCTION_TIMEOUT }, s);
  }

  /**
   * The key the function derives its OAuth sealing keys from (MCP_OAUTH_KEY_VERSIONS says which). HMAC keys
   * have no automatic rotation in KMS (cdk-nag's KMS5 applies to symmetric encryption keys only): the key
   * versions rotate the derived keys instead. Retained: deleting it would make every client id and token the
   * function ever issued unreadable, signing every user out.
   */
  private oauthKey(): kms.Key {
    return new kms.Key(this, 'OAuthKey', {
      description: `coder-mcp OAuth (stack ${this.stackName}): HMAC key from which the function derives the keys sealing its OAuth client ids, codes and tokens; deleting it signs every user out`,
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Everything the function may do: write its logs, attach to the VPC when placed in one, read the service token, derive its OAuth keys. */
  private functionRole(
    s: Settings,
    logGroup: logs.LogGroup,
    tokenParameter: string | undefined,
    oauthKey: kms.Key | undefined,
  ): iam.Role {
    const role = new iam.Role(this, 'FunctionRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    if (s.vpcId) {
      // The EC2 actions of AWS's AWSLambdaVPCAccessExecutionRole, inline: that managed policy (cdk-nag IAM4)
      // also lets the role create and write any log group, where this one may write to its own only.
      role.addToPolicy(new iam.PolicyStatement({ actions: [...VPC_ENI_ACTIONS], resources: ['*'] }));
    }
    if (tokenParameter) this.grantParameter(role, tokenParameter, s.serviceTokenKmsKeyArn);
    if (oauthKey) {
      // GenerateMac only (never VerifyMac, Decrypt or key administration), on this key only, with the one algorithm.
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:GenerateMac'],
          resources: [oauthKey.keyArn],
          conditions: { StringEquals: { 'kms:MacAlgorithm': OAUTH_MAC_ALGORITHM } },
        }),
      );
    }
    // The operator's Coder app secret, kept with the AWS-managed aws/ssm key.
    if (s.oauth && s.oauthUpstreamClientSecretParameterName)
      this.grantParameter(role, s.oauthUpstreamClientSecretParameterName, undefined);
    return role;
  }

  /** The role's `*` resources (cdk-nag IAM5), acknowledged in one entry naming every action that needs one. */
  private acknowledgeWildcards(role: iam.Role, s: Settings): void {
    const reasons = [
      ...(s.vpcId
        ? [
            `Lambda's VPC network-interface actions (${VPC_ENI_ACTIONS.join(', ')}) are EC2 calls without resource-level permissions`,
          ]
        : []),
      ...(s.tracing
        ? [`X-Ray's ${XRAY_ACTIONS.join(' and ')} (added by CDK for active tracing) have no resource-level permissions`]
        : []),
    ];
    if (reasons.length > 0)
      Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: reasons.join('; ') });
  }

  /** ssm:GetParameter on exactly the named parameter, and kms:Decrypt through SSM with its customer-managed key when it has one. */
  private grantParameter(role: iam.Role, name: string, kmsKeyArn: string | undefined): void {
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [
          Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') }),
        ],
      }),
    );
    // The AWS-managed aws/ssm key's own policy lets SSM decrypt for any principal allowed ssm:GetParameter,
    // so it needs no statement (and IAM could not name it: KMS resources are key ARNs, never aliases).
    if (!kmsKeyArn) return;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [kmsKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `ssm.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }

  private vpcPlacement(s: Settings): Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
    if (!s.vpcId || !s.securityGroupId) return {};
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: s.vpcId,
      availabilityZones: s.availabilityZones,
      privateSubnetIds: s.subnetIds,
    });
    // Imported subnets without route tables warn that routeTable.routeTableId is undefined. Only the
    // subnet ids reach the template (the function's VpcConfig); nothing here adds routes or gateway endpoints.
    Validations.of(vpc).acknowledge({
      id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
      reason: "The function needs only the subnets' ids; the stack never reads or changes their route tables",
    });
    return {
      vpc,
      vpcSubnets: { subnets: vpc.privateSubnets },
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', s.securityGroupId)],
    };
  }
}

/** What the function reads to serve OAuth (docs/oauth.md "Runtime settings"): names and ids only, never a secret. */
function oauthEnvironment(s: Settings, key: kms.Key): Record<string, string> {
  return {
    MCP_OAUTH: 'true',
    MCP_OAUTH_KMS_KEY_ID: key.keyArn,
    MCP_OAUTH_KEY_VERSIONS: s.oauthKeyVersions.join(','),
    ...(s.oauthRedirectUris.length > 0 ? { MCP_OAUTH_REDIRECT_URIS: s.oauthRedirectUris.join(',') } : {}),
    ...(s.oauthUpstreamClientId && s.oauthUpstreamClientSecretParameterName
      ? {
          MCP_OAUTH_UPSTREAM_CLIENT_ID: s.oauthUpstreamClientId,
          MCP_OAUTH_UPSTREAM_CLIENT_SECRET_PARAMETER: s.oauthUpstreamClientSecretParameterName,
        }
      : {}),
    MCP_ACCEPT_CODER_TOKENS: String(s.acceptCoderTokens),
  };
}

/** The RetentionDays member for a validated setting; never rounds: settings.ts refuses what CloudWatch does not offer. */
function retention(days: number): logs.RetentionDays {
  const match = Object.values(logs.RetentionDays).find((v): v is logs.RetentionDays => v === days);
  if (match === undefined) throw new Error(`no CloudWatch Logs retention of ${days} days`);
  return match;
}
