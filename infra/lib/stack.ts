/**
 * One stack: the MCP Lambda (bundled with the local esbuild and the project's bundle settings, arm64,
 * current Node.js runtime) behind an API Gateway REST API in response-streaming mode, with throttling,
 * access and execution logs with retention, alarms, and a role that may read exactly the one SSM
 * parameter named in the settings (and decrypt with exactly its customer-managed key, when it has one).
 */
import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { LAMBDA_BUNDLE, LAMBDA_NODE_OPTIONS } from '../../scripts/bundle-options';
import { parseSettings, type Settings } from './settings';

const ROOT = path.join(__dirname, '..', '..');
/** Longest tool call (coderd's 5-minute cap) plus room to answer; streaming REST APIs allow up to 15 minutes. */
const FUNCTION_TIMEOUT = Duration.minutes(5).plus(Duration.seconds(30));
const INTEGRATION_TIMEOUT = Duration.minutes(6);
/**
 * What the handler budgets for the integration: the streaming REST API cuts a response idle for 5 minutes,
 * and the handler writes its answer only once, at the end, so a tool call must end well inside that.
 */
const HANDLER_INTEGRATION_TIMEOUT = Duration.seconds(290);
const STAGE = 'prod';
const OUTPUT_FORMAT: Record<'cjs' | 'esm', nodejs.OutputFormat> = { cjs: nodejs.OutputFormat.CJS, esm: nodejs.OutputFormat.ESM };
/** The duration alarm's share of the timeout: above any legitimate call (a 5-minute tool call and its answer), below a timeout. */
const DURATION_ALARM_FRACTION = 0.98;
/** What Lambda does with the role to give a VPC function its network interfaces (create, find, delete, address them). */
const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

export interface CoderMcpStackProps extends StackProps {
  settings: Settings;
}

export class CoderMcpStack extends Stack {
  readonly api: apigw.RestApi;
  readonly fn: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: CoderMcpStackProps) {
    super(scope, id, props);
    // Validated again: props may be built by hand, and a service token without IAM in front would serve anonymous callers.
    const s = parseSettings(props.settings);
    const tokenParameter = s.authMode === 'service' ? s.serviceTokenParameterName : undefined;
    const logGroup = new logs.LogGroup(this, 'FunctionLogs', { retention: retention(s.logRetentionDays), removalPolicy: RemovalPolicy.RETAIN });
    const role = this.functionRole(s, logGroup, tokenParameter);

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(ROOT, 'lib', 'stream.ts'),
      handler: 'streamHandler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: s.memoryMb,
      timeout: FUNCTION_TIMEOUT,
      role,
      logGroup,
      reservedConcurrentExecutions: s.reservedConcurrency,
      projectRoot: ROOT,
      depsLockFilePath: path.join(ROOT, 'package-lock.json'),
      // The same esbuild settings as `npm run build` (scripts/bundle-options.ts), with the local esbuild.
      bundling: {
        minify: LAMBDA_BUNDLE.minify,
        sourceMap: LAMBDA_BUNDLE.sourcemap,
        target: LAMBDA_BUNDLE.target,
        format: OUTPUT_FORMAT[LAMBDA_BUNDLE.format],
        externalModules: [...LAMBDA_BUNDLE.external],
        esbuildArgs: { '--legal-comments': LAMBDA_BUNDLE.legalComments },
        forceDockerBundling: false,
      },
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
      },
      ...this.vpcPlacement(s),
    });

    this.api = this.restApi(s);
    this.alarms(s);
  }

  /** Everything the function may do: write its logs, attach to the VPC when placed in one, read the service token. */
  private functionRole(s: Settings, logGroup: logs.LogGroup, tokenParameter: string | undefined): iam.Role {
    const role = new iam.Role(this, 'FunctionRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    if (s.vpcId) {
      // The EC2 actions of AWS's AWSLambdaVPCAccessExecutionRole, inline: that managed policy (cdk-nag IAM4)
      // also lets the role create and write any log group, where this one may write to its own only.
      role.addToPolicy(new iam.PolicyStatement({ actions: [...VPC_ENI_ACTIONS], resources: ['*'] }));
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `Lambda's VPC network-interface actions (${VPC_ENI_ACTIONS.join(', ')}) are EC2 calls without resource-level permissions`,
      });
    }
    if (tokenParameter) this.grantParameter(role, tokenParameter, s);
    return role;
  }

  private grantParameter(role: iam.Role, name: string, s: Settings): void {
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') })],
      }),
    );
    // The AWS-managed aws/ssm key's own policy lets SSM decrypt for any principal allowed ssm:GetParameter,
    // so it needs no statement (and IAM could not name it: KMS resources are key ARNs, never aliases).
    if (!s.serviceTokenKmsKeyArn) return;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [s.serviceTokenKmsKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `ssm.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }

  private vpcPlacement(s: Settings): Pick<nodejs.NodejsFunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
    if (!s.vpcId || !s.securityGroupId) return {};
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: s.vpcId, availabilityZones: s.availabilityZones, privateSubnetIds: s.subnetIds });
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

  private restApi(s: Settings): apigw.RestApi {
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: retention(s.logRetentionDays), removalPolicy: RemovalPolicy.RETAIN });
    const api = new apigw.RestApi(this, 'Api', {
      // Unique per stack: the 5xx alarm's ApiName dimension would otherwise count every copy of this stack in the account.
      restApiName: this.stackName,
      description: 'Coder MCP server (streamable HTTP) in front of the coder-mcp Lambda',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        stageName: STAGE,
        throttlingRateLimit: s.throttleRatePerSecond,
        throttlingBurstLimit: s.throttleBurst,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        tracingEnabled: true,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        // No header values: they would carry callers' tokens.
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
      },
      ...(s.domainName && s.certificateArn
        ? { domainName: { domainName: s.domainName, certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', s.certificateArn), securityPolicy: apigw.SecurityPolicy.TLS_1_2 } }
        : {}),
    });
    this.executionLogs(api, s);
    if (api.domainName) {
      new CfnOutput(this, 'CustomDomainTarget', {
        description: `Regional target for ${api.domainName.domainName}: point its CNAME (or Route 53 alias) here`,
        value: api.domainName.domainNameAliasDomainName,
      });
    }
    const integration = new apigw.LambdaIntegration(this.fn, {
      proxy: true,
      timeout: INTEGRATION_TIMEOUT,
      responseTransferMode: apigw.ResponseTransferMode.STREAM,
    });
    const validator = new apigw.RequestValidator(this, 'Validator', { restApi: api, validateRequestParameters: true, validateRequestBody: true });
    const auth: apigw.MethodOptions =
      s.authMode === 'service' ? { authorizationType: apigw.AuthorizationType.IAM, requestValidator: validator } : { requestValidator: validator };
    const mcp = api.root.addResource('mcp');
    mcp.addMethod('POST', integration, auth);
    mcp.addMethod('GET', integration, auth);
    mcp.addMethod('DELETE', integration, auth);
    mcp.addMethod('OPTIONS', integration, { requestValidator: validator });
    const wellKnown = api.root.addResource('.well-known').addResource('oauth-protected-resource');
    wellKnown.addMethod('GET', integration, { requestValidator: validator });
    wellKnown.addResource('mcp').addMethod('GET', integration, { requestValidator: validator });
    api.root.addResource('healthz').addMethod('GET', integration, { requestValidator: validator });
    if (s.authMode === 'service') {
      new CfnOutput(this, 'McpInvokeArn', {
        description: 'Callers need execute-api:Invoke on this ARN (every method on /mcp of this stage) and sign with SigV4',
        value: api.arnForExecuteApi('*', '/mcp', STAGE),
      });
    }
    this.suppressApiFindings(api, s);
    return api;
  }

  /**
   * ERROR-level execution logs go to a group named by API Gateway, which it creates on first use with no
   * retention. Created here first (before the stage that writes to it) so the retention applies.
   */
  private executionLogs(api: apigw.RestApi, s: Settings): void {
    const group = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${api.restApiId}/${STAGE}`,
      retention: retention(s.logRetentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    api.deploymentStage.node.addDependency(group);
  }

  private alarms(s: Settings): void {
    const action = s.alarmTopicArn ? new cloudwatchActions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', s.alarmTopicArn)) : undefined;
    const alarm = (id: string, props: Pick<cloudwatch.AlarmProps, 'metric' | 'threshold' | 'alarmDescription'>) => {
      // No data means no traffic, not trouble.
      const a = new cloudwatch.Alarm(this, id, { ...props, evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING });
      // The topic hears the recovery too, so a pager that opened an incident can close it.
      if (action) {
        a.addAlarmAction(action);
        a.addOkAction(action);
      }
    };
    alarm('Api5xx', {
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      alarmDescription: 'The MCP API answered 5xx more than 5 times in 5 minutes',
    });
    alarm('Throttles', {
      metric: this.fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      alarmDescription: 'The MCP function was throttled (reserved concurrency or account limit)',
    });
    alarm('DurationNearTimeout', {
      metric: this.fn.metricDuration({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: Math.round(FUNCTION_TIMEOUT.toMilliseconds() * DURATION_ALARM_FRACTION),
      alarmDescription: `An invocation ran within ${Math.round((1 - DURATION_ALARM_FRACTION) * 100)}% of the function timeout, longer than any tool call and its answer should take`,
    });
    alarm('FunctionErrors', {
      metric: this.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      alarmDescription: 'The MCP function failed (not a tool error: an unhandled fault)',
    });
  }

  /** Findings acknowledged on purpose, each with the reason (cdk-nag reports the rest). */
  private suppressApiFindings(api: apigw.RestApi, s: Settings): void {
    const acks = [
      { id: 'AwsSolutions-APIG3', reason: 'WAF is deployment-specific; attach a web ACL to the stage where your organisation requires one' },
      s.authMode === 'caller'
        ? { id: 'AwsSolutions-APIG4', reason: 'Callers authenticate with their own Coder token, which the function verifies with Coder on every request' }
        : { id: 'AwsSolutions-APIG4', reason: 'OPTIONS (CORS preflight), the RFC 9728 metadata and the health check must be reachable without credentials' },
      s.authMode === 'caller'
        ? { id: 'AwsSolutions-COG4', reason: 'Callers authenticate with their own Coder token (or Coder OAuth2), not Cognito' }
        : { id: 'AwsSolutions-COG4', reason: 'Service mode authorises callers with IAM, not Cognito' },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The API Gateway CloudWatch role uses the AWS-managed AmazonAPIGatewayPushToCloudWatchLogs policy, maintained by AWS for exactly this purpose',
      },
    ];
    for (const ack of acks) Validations.of(api).acknowledge(ack);
  }
}

function retention(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((v): v is logs.RetentionDays => typeof v === 'number' && v > 0);
  return allowed.find((d) => d >= days) ?? logs.RetentionDays.ONE_MONTH;
}
