/**
 * The CDK app synthesized offline: the function, its runtime and architecture, VPC placement, IAM
 * limited to the named SSM parameter, no plaintext secret, logs, alarms, and cdk-nag's AwsSolutions
 * pack with no unacknowledged finding and no synth warning. The API's routes and logs: api.test.ts.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { z } from 'zod';
import { parseSettings } from '../../infra/lib/settings';
import { CoderMcpStack } from '../../infra/lib/stack';
import { bundleLambda, HANDLER_FILE } from '../../scripts/bundle';
import { LAMBDA_NODE_OPTIONS } from '../../scripts/bundle-options';
import { ENV, synth } from './synth';

const SECRET_LOOKING = /[A-Za-z0-9]{10}-[A-Za-z0-9]{22}/;
/**
 * What Lambda needs to manage a VPC function's network interfaces (AWSLambdaVPCAccessExecutionRole's EC2 actions),
 * sorted as the pinned `@aws-cdk/aws-iam:minimizePolicies` flag writes them.
 */
const VPC_ENI_ACTIONS = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
];

/** Asserts the function role's permissions exactly: no managed or inline policies, one policy with exactly these statements. */
function expectFunctionRoleStatements(template: Template, statements: object[]): void {
  const lambdaTrust = {
    AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
  };
  const roles = template.findResources('AWS::IAM::Role', { Properties: lambdaTrust });
  const [roleId = '', ...others] = Object.keys(roles);
  expect(others).toEqual([]);
  expect(roles[roleId]?.Properties).toEqual({ AssumeRolePolicyDocument: expect.anything() });
  expect(
    Object.keys(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } }),
    ),
  ).toHaveLength(1);
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: roleId }],
    PolicyDocument: { Statement: statements.map((st) => Match.exact({ Effect: 'Allow', ...st })) },
  });
}

const WRITE_LOGS = {
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionLogs'), 'Arn'] },
};
const READ_PARAMETER = {
  Action: 'ssm:GetParameter',
  // A literal partition: the region is known, and `@aws-cdk/core:enablePartitionLiterals` is pinned.
  Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/coder-mcp/service-token',
};

describe('default deployment (callers bring their own Coder token)', () => {
  const out = synth({ coderUrl: 'https://coder.example.com', allowedOrigins: 'https://ai.example.com' });
  afterAll(() => out.cleanup());

  it('bundles the handler into an arm64 function on a current Node.js runtime with source maps', () => {
    expect(LAMBDA_NODE_OPTIONS).toContain('--enable-source-maps');
    out.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.streamHandler',
      Timeout: 330,
      Environment: {
        Variables: Match.objectLike({
          CODER_URL: 'https://coder.example.com',
          NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
          MCP_ALLOWED_ORIGINS: 'https://ai.example.com',
          // Inside API Gateway's 5-minute idle cut on the streaming integration.
          MCP_INTEGRATION_TIMEOUT_MS: '290000',
          // Deployed behind the streaming integration: progress can be answered as SSE.
          MCP_STREAM_RESPONSES: 'true',
        }),
      },
    });
  });

  it('deploys the very bundle `npm run build` makes, with the dependency replacements of scripts/bundle.ts', async () => {
    const [fn] = Object.values(
      out.template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.streamHandler' } }),
    );
    const key = z
      .string()
      .regex(/^[0-9a-f]{64}\.zip$/)
      .parse(fn?.Properties.Code.S3Key);
    const asset = path.join(out.directory, `asset.${key.replace(/\.zip$/, '')}`);
    const deployed = readFileSync(path.join(asset, 'index.js'), 'utf8');
    const dir = mkdtempSync(path.join(tmpdir(), 'very-bundle-'));
    try {
      await bundleLambda({ root: path.join(__dirname, '..', '..'), outdir: dir, tracer: false });
      const js = readFileSync(path.join(dir, HANDLER_FILE), 'utf8');
      // Equal but for the source map's file name in the last line.
      const body = (code: string) => code.replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
      expect(js.length).toBeGreaterThan(100_000);
      expect(body(deployed)).toBe(body(js));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(deployed).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
    expect(readdirSync(asset).sort()).toEqual(['index.js', 'index.js.map']);
  });

  it("reserves 100 concurrent executions by default, so one client cannot take the account's whole pool", () => {
    out.template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.streamHandler',
      ReservedConcurrentExecutions: 100,
    });
  });

  it('keeps logs for the configured time and alarms on 5xx, throttles, errors and duration near the timeout', () => {
    out.template.resourceCountIs('AWS::Logs::LogGroup', 3);
    out.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    for (const metric of ['5XXError', 'Throttles', 'Duration', 'Errors']) {
      out.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metric });
    }
  });

  it("creates API Gateway's execution log group with retention before the stage that logs to it", () => {
    const [api] = Object.keys(out.template.findResources('AWS::ApiGateway::RestApi'));
    const groups = out.template.findResources('AWS::Logs::LogGroup', {
      Properties: {
        LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: api }, '/prod']] },
        RetentionInDays: 30,
      },
    });
    const [group = '', ...others] = Object.keys(groups);
    expect(others).toEqual([]);
    out.template.hasResource('AWS::ApiGateway::Stage', {
      Properties: { StageName: 'prod' },
      DependsOn: Match.arrayWith([group]),
    });
  });

  it('has no custom domain or invoke ARN output without a custom domain or IAM authorisation', () => {
    expect(Object.keys(out.template.findOutputs('CustomDomainTarget'))).toEqual([]);
    expect(Object.keys(out.template.findOutputs('McpInvokeArn'))).toEqual([]);
  });

  it('alarms on duration only above any legitimate call, treats missing data as fine, and notifies no one unless asked', () => {
    // Four metric alarms, and the tool-error rate's two parts (see monitoring.test.ts).
    out.template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    out.template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
      OKActions: Match.absent(),
    });
    out.template.allResourcesProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmActions: Match.absent(),
      OKActions: Match.absent(),
    });
    const [duration] = Object.values(
      out.template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Duration' } }),
    );
    // A tool call may take coderd's full 5 minutes; the function times out at 330 s.
    expect(duration?.Properties.Threshold).toBeGreaterThanOrEqual(0.97 * 330_000);
    expect(duration?.Properties.Threshold).toBeLessThan(330_000);
  });

  it('names the REST API after the stack, so the 5xx alarm watches this API only', () => {
    out.template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'CoderMcp' });
    out.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5XXError',
      Dimensions: [{ Name: 'ApiName', Value: 'CoderMcp' }],
    });
  });

  it('grants no SSM access or KMS decryption when no parameter is named (only GenerateMac on the OAuth key, on by default), and carries no secret', () => {
    // OAuth is on by default in caller mode: its key and grant are checked in oauth.test.ts.
    const GENERATE_MAC = {
      Action: 'kms:GenerateMac',
      Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OAuthKey'), 'Arn'] },
      Condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } },
    };
    expectFunctionRoleStatements(out.template, [WRITE_LOGS, GENERATE_MAC]);
    expect(out.raw).not.toMatch(/ssm:GetParameter|kms:Decrypt/);
    expect(out.raw).not.toMatch(SECRET_LOOKING);
  });

  it('passes cdk-nag AwsSolutions with every exception acknowledged with a reason, and synthesizes without warnings', () => {
    expect(out.report.pluginReports).toEqual([]);
    expect(Annotations.fromStack(out.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('service-token deployment with VPC, custom domain and reserved concurrency', () => {
  const out = synth({
    coderUrl: 'https://coder.internal.example.com',
    authMode: 'service',
    serviceTokenParameterName: '/coder-mcp/service-token',
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
    availabilityZones: 'eu-west-1a,eu-west-1b',
    securityGroupId: 'sg-0123456789abcdef0',
    domainName: 'mcp.example.com',
    certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0d1c7e0b-2f0a-4c7e-8a1b-2c3d4e5f6a7b',
    reservedConcurrency: 20,
  });
  afterAll(() => out.cleanup());

  it('lets the role read exactly the named parameter, with no KMS statement for the AWS-managed key', () => {
    // The aws/ssm key policy already allows decryption through SSM; an alias ARN in IAM would match nothing.
    expectFunctionRoleStatements(out.template, [
      WRITE_LOGS,
      { Action: VPC_ENI_ACTIONS, Resource: '*' },
      READ_PARAMETER,
    ]);
    expect(out.raw).not.toMatch(/kms:|alias\/aws\/ssm/);
    expect(out.raw.match(/ssm:GetParameter/g)).toHaveLength(1);
    expect(out.raw).not.toMatch(/"ssm:\*"|GetParametersByPath|parameter\/\*/);
    out.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CODER_SESSION_TOKEN_PARAMETER: '/coder-mcp/service-token',
          MCP_PUBLIC_URL: 'https://mcp.example.com',
        }),
      },
      ReservedConcurrentExecutions: 20,
    });
    expect(out.raw).not.toMatch(SECRET_LOOKING);
  });

  it('places the function in exactly the given subnets and security group, with the ENI permissions in place before it is created', () => {
    out.template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: Match.exact({
        SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
        SecurityGroupIds: ['sg-0123456789abcdef0'],
      }),
    });
    // Lambda checks the role can create network interfaces when the function is created, and uses it to delete them when it goes.
    const [policy] = Object.keys(
      out.template.findResources('AWS::IAM::Policy', {
        Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: VPC_ENI_ACTIONS })]) } },
      }),
    );
    out.template.hasResource('AWS::Lambda::Function', {
      Properties: { VpcConfig: Match.anyValue() },
      DependsOn: Match.arrayWith([policy]),
    });
    // An imported VPC creates nothing: no security group, subnet, route or endpoint of its own.
    for (const type of ['AWS::EC2::SecurityGroup', 'AWS::EC2::Subnet', 'AWS::EC2::Route', 'AWS::EC2::VPCEndpoint'])
      out.template.resourceCountIs(type, 0);
  });

  it("synthesizes without warnings: the subnets' missing route tables are acknowledged, with the reason", () => {
    expect(Annotations.fromStack(out.stack).findWarning('*', Match.anyValue())).toEqual([]);
    const acks = out.stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
          .map((m) => m.data as Record<string, string>),
      );
    expect(acks).toEqual(
      expect.arrayContaining([
        {
          'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId': expect.stringMatching(
            /never reads or changes their route tables/,
          ),
        },
        {
          'Annotation::AwsSolutions-IAM5[Resource::*]': expect.stringMatching(
            /ec2:DescribeSubnets.*without resource-level permissions/,
          ),
        },
      ]),
    );
  });

  it('outputs the ARN callers need execute-api:Invoke on: every method on /mcp of the stage', () => {
    const [api] = Object.keys(out.template.findResources('AWS::ApiGateway::RestApi'));
    out.template.hasOutput('McpInvokeArn', {
      Value: { 'Fn::Join': ['', ['arn:aws:execute-api:eu-west-1:123456789012:', { Ref: api }, '/prod/*/mcp']] },
    });
  });

  it('maps the custom domain, regional, TLS 1.3 only in strict access mode, and outputs the regional target for its DNS record', () => {
    out.template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'mcp.example.com',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'SecurityPolicy_TLS13_1_3_2025_09',
      EndpointAccessMode: 'STRICT',
    });
    const [domain] = Object.keys(out.template.findResources('AWS::ApiGateway::DomainName'));
    out.template.hasOutput('CustomDomainTarget', {
      // A plain string: CloudFormation refuses a token in a Description (cfn-lint E6003).
      Description: 'Regional target for mcp.example.com: point its CNAME (or Route 53 alias) here',
      Value: { 'Fn::GetAtt': [domain, 'RegionalDomainName'] },
    });
  });

  it('passes cdk-nag AwsSolutions', () => {
    expect(out.report.pluginReports).toEqual([]);
  });
});

describe('service-token deployment with a customer-managed KMS key and an alarm topic, as a second stack', () => {
  const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:coder-mcp-alarms';
  const out = synth(
    {
      coderUrl: 'https://coder.example.com',
      authMode: 'service',
      serviceTokenParameterName: '/coder-mcp/service-token',
      serviceTokenKmsKeyArn: KEY,
      alarmTopicArn: TOPIC,
    },
    'CoderMcpStaging',
  );
  afterAll(() => out.cleanup());

  it('notifies the topic from every alarm that reports trouble, the tool-error rate included', () => {
    // The tool-error rate's two parts notify no one: the composite alarm over both does.
    const parts = { Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('^SELECT ') })]) };
    const alarms = Object.values(out.template.findResources('AWS::CloudWatch::Alarm'));
    const [direct, gated] = [alarms.filter((a) => !a.Properties.Metrics), alarms.filter((a) => a.Properties.Metrics)];
    expect(direct.map((a) => [a.Properties.AlarmActions, a.Properties.OKActions])).toEqual(
      Array(4).fill([[TOPIC], [TOPIC]]),
    );
    expect(gated.map((a) => [a.Properties.AlarmActions, a.Properties.OKActions])).toEqual(
      Array(2).fill([undefined, undefined]),
    );
    out.template.allResourcesProperties('AWS::CloudWatch::Alarm', { TreatMissingData: 'notBreaching' });
    out.template.hasResourceProperties('AWS::CloudWatch::Alarm', parts);
    out.template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
  });

  it('has its own API name in the 5xx alarm', () => {
    out.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5XXError',
      Dimensions: [{ Name: 'ApiName', Value: 'CoderMcpStaging' }],
    });
  });

  it('lets the role decrypt with exactly that key, and only through SSM', () => {
    expectFunctionRoleStatements(out.template, [
      WRITE_LOGS,
      READ_PARAMETER,
      {
        Action: 'kms:Decrypt',
        Resource: KEY,
        Condition: { StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' } },
      },
    ]);
  });

  it('passes cdk-nag AwsSolutions', () => {
    expect(out.report.pluginReports).toEqual([]);
  });
});

it('refuses a KMS alias, or anything but a key ARN, for the parameter key', () => {
  const service = {
    coderUrl: 'https://c.example.com',
    authMode: 'service',
    serviceTokenParameterName: '/coder-mcp/service-token',
  };
  expect(() =>
    parseSettings({ ...service, serviceTokenKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/coder-mcp' }),
  ).toThrow(/serviceTokenKmsKeyArn: must be a key ARN .*not an alias ARN/);
  expect(() => parseSettings({ ...service, serviceTokenKmsKeyArn: 'arn:aws:s3:::bucket' })).toThrow(
    /serviceTokenKmsKeyArn: must be a KMS key ARN/,
  );
  expect(
    parseSettings({
      ...service,
      serviceTokenKmsKeyArn: 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd',
    }).serviceTokenKmsKeyArn,
  ).toMatch(/key\/mrk-/);
});

it('refuses inconsistent settings with a message naming them', () => {
  expect(() => parseSettings({ coderUrl: 'https://c.example.com', authMode: 'service' })).toThrow(
    /serviceTokenParameterName/,
  );
  // Caller mode has no authorisation in API Gateway: a service token there would serve anonymous callers.
  expect(() =>
    parseSettings({ coderUrl: 'https://c.example.com', serviceTokenParameterName: '/coder-mcp/service-token' }),
  ).toThrow(/serviceTokenParameterName: needs authMode "service".*anonymous callers act as the service user/);
  expect(() =>
    parseSettings({
      coderUrl: 'https://c.example.com',
      authMode: 'caller',
      serviceTokenKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    }),
  ).toThrow(/serviceTokenKmsKeyArn: needs authMode "service"/);
  expect(() => parseSettings({ coderUrl: 'not a url' })).toThrow(/coderUrl/);
  expect(() => parseSettings({ coderUrl: 'https://c.example.com', domainName: 'x.example.com' })).toThrow(/domainName/);
  expect(() => parseSettings({ coderUrl: 'https://c.example.com', alarmTopicArn: 'coder-mcp-alarms' })).toThrow(
    /alarmTopicArn: must be an SNS topic ARN/,
  );
});

it('never hands the function a service token in caller mode, even from hand-built settings', () => {
  const settings = { coderUrl: 'https://c.example.com', serviceTokenParameterName: '/coder-mcp/service-token' };
  expect(() => new CoderMcpStack(new App(), 'HandBuilt', { settings, env: ENV })).toThrow(/needs authMode "service"/);
});

it('synthesizes through the CDK app entry with settings from context, as `cdk synth` runs it', async () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-app-'));
  try {
    const root = path.join(__dirname, '..', '..');
    // A deployer's shell often holds a Coder token: it must not reach the template.
    const planted = `planted-${randomUUID()}`;
    await promisify(execFile)(
      process.execPath,
      [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'infra', 'bin', 'app.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          CODER_SESSION_TOKEN: planted,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({ coderUrl: 'https://coder.example.com', logRetentionDays: '14' }),
        },
      },
    );
    const raw = readFileSync(path.join(outdir, 'CoderMcp.template.json'), 'utf8');
    expect(raw).not.toContain(planted);
    const template = JSON.parse(raw) as {
      Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    };
    const groups = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(groups.map((g) => g.Properties?.RetentionInDays)).toEqual([14, 14, 14]);
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: unknown[];
    };
    expect(report.pluginReports).toEqual([]);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, 60_000);
