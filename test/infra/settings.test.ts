/**
 * Settings that a deploy would refuse fail synth instead, naming the setting: ARNs in another region
 * than the stack, malformed subnet / security group / VPC ids, log retentions CloudWatch does not
 * offer (refused, never rounded), reserved concurrency (100 unless told otherwise), booleans from
 * `-c`; and `cdk synth` with a missing or bad setting prints one line, not a stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { LOG_RETENTION_DAYS, parseSettings } from '../../infra/lib/settings';
import { CoderMcpStack } from '../../infra/lib/stack';
import { ENV, ROOT, synth } from './synth';

const BASE = { coderUrl: 'https://coder.example.com' };
const SERVICE = { ...BASE, authMode: 'service', serviceTokenParameterName: '/coder-mcp/service-token' };
const CERTIFICATE = (region: string) =>
  `arn:aws:acm:${region}:123456789012:certificate/0d1c7e0b-2f0a-4c7e-8a1b-2c3d4e5f6a7b`;
const KEY = (region: string) => `arn:aws:kms:${region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TOPIC = (region: string) => `arn:aws:sns:${region}:123456789012:coder-mcp-alarms`;
const VPC = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: 'subnet-0123456789abcdef0',
  availabilityZones: 'eu-west-1a',
  securityGroupId: 'sg-0123456789abcdef0',
};

describe('regional resources must be in the stack region', () => {
  it('refuses a certificate, KMS key or alarm topic from another region, naming each', () => {
    expect(() =>
      parseSettings({ ...BASE, domainName: 'mcp.example.com', certificateArn: CERTIFICATE('us-east-1') }, 'eu-west-1'),
    ).toThrow(/certificateArn: is in us-east-1, but the stack deploys to eu-west-1/);
    expect(() => parseSettings({ ...SERVICE, serviceTokenKmsKeyArn: KEY('eu-central-1') }, 'eu-west-1')).toThrow(
      /serviceTokenKmsKeyArn: is in eu-central-1/,
    );
    expect(() => parseSettings({ ...BASE, alarmTopicArn: TOPIC('us-west-2') }, 'eu-west-1')).toThrow(
      /alarmTopicArn: is in us-west-2/,
    );
    expect(() => parseSettings({ ...BASE, ...VPC, availabilityZones: 'us-east-1a' }, 'eu-west-1')).toThrow(
      /availabilityZones: us-east-1a not in the stack's region/,
    );
  });

  it('accepts them in the stack region', () => {
    const s = parseSettings(
      {
        ...SERVICE,
        serviceTokenKmsKeyArn: KEY('eu-west-1'),
        alarmTopicArn: TOPIC('eu-west-1'),
        domainName: 'mcp.example.com',
        certificateArn: CERTIFICATE('eu-west-1'),
      },
      'eu-west-1',
    );
    expect(s.certificateArn).toBe(CERTIFICATE('eu-west-1'));
  });

  it('checks the region in the stack itself, where it is known', () => {
    const settings = { ...BASE, domainName: 'mcp.example.com', certificateArn: CERTIFICATE('us-east-1') };
    expect(() => new CoderMcpStack(new App(), 'WrongRegion', { settings, env: ENV })).toThrow(
      /certificateArn: is in us-east-1, but the stack deploys to eu-west-1/,
    );
  });

  it('checks only the shape in an env-agnostic stack, whose region is a token until deploy', () => {
    const settings = { ...BASE, domainName: 'mcp.example.com', certificateArn: CERTIFICATE('us-east-1') };
    expect(() => new CoderMcpStack(new App(), 'Agnostic', { settings })).not.toThrow();
    expect(
      () =>
        new CoderMcpStack(new App(), 'AgnosticBad', {
          settings: { ...settings, certificateArn: 'arn:aws:iam::123456789012:role/x' },
        }),
    ).toThrow(/certificateArn: must be an ACM certificate ARN/);
  });
});

it('refuses malformed VPC, subnet and security group ids', () => {
  expect(() => parseSettings({ ...BASE, ...VPC, subnetIds: 'subnet-123' })).toThrow(/subnetIds: must be subnet ids/);
  expect(() => parseSettings({ ...BASE, ...VPC, subnetIds: 'sg-0123456789abcdef0' })).toThrow(
    /subnetIds: must be subnet ids/,
  );
  expect(() => parseSettings({ ...BASE, ...VPC, securityGroupId: 'sg-XYZ' })).toThrow(
    /securityGroupId: must be a security group id/,
  );
  expect(() => parseSettings({ ...BASE, ...VPC, vpcId: 'vpc-1' })).toThrow(/vpcId: must be a VPC id/);
  // Both id lengths EC2 has issued: 8 hex digits (older) and 17.
  expect(
    parseSettings({
      ...BASE,
      ...VPC,
      subnetIds: 'subnet-0123abcd',
      securityGroupId: 'sg-0123abcd',
      vpcId: 'vpc-0123abcd',
    }).subnetIds,
  ).toEqual(['subnet-0123abcd']);
});

it('refuses a log retention CloudWatch does not offer, listing the ones it does, and rounds nothing', () => {
  expect(() => parseSettings({ ...BASE, logRetentionDays: 10 })).toThrow(
    /logRetentionDays: must be one of the periods CloudWatch Logs offers: 1, 3, 5, 7, 14, 30, .*, 3653/,
  );
  expect(() => parseSettings({ ...BASE, logRetentionDays: '1461' })).toThrow(/logRetentionDays/);
  for (const days of LOG_RETENTION_DAYS)
    expect(parseSettings({ ...BASE, logRetentionDays: String(days) }).logRetentionDays).toBe(days);
});

it('reserves 100 concurrent executions unless told a number or "none"', () => {
  expect(parseSettings(BASE).reservedConcurrency).toBe(100);
  expect(parseSettings({ ...BASE, reservedConcurrency: '20' }).reservedConcurrency).toBe(20);
  expect(parseSettings({ ...BASE, reservedConcurrency: 'none' }).reservedConcurrency).toBeUndefined();
  expect(() => parseSettings({ ...BASE, reservedConcurrency: '0' })).toThrow(
    /reservedConcurrency: must be a whole number of at least 1, or "none"/,
  );
  expect(() => parseSettings({ ...BASE, reservedConcurrency: 'unlimited' })).toThrow(/reservedConcurrency/);
});

it('reads tracing and apiGatewayCloudWatchRole as booleans or the strings -c gives, and nothing else', () => {
  expect(parseSettings(BASE)).toMatchObject({ tracing: false, apiGatewayCloudWatchRole: true });
  expect(parseSettings({ ...BASE, tracing: 'true', apiGatewayCloudWatchRole: 'false' })).toMatchObject({
    tracing: true,
    apiGatewayCloudWatchRole: false,
  });
  expect(parseSettings({ ...BASE, tracing: true, apiGatewayCloudWatchRole: false })).toMatchObject({
    tracing: true,
    apiGatewayCloudWatchRole: false,
  });
  expect(() => parseSettings({ ...BASE, tracing: 'yes' })).toThrow(/tracing: must be true or false/);
});

it('passes read-only mode and the tool allow-list to the function, only when set, and refuses names that cannot be tools', () => {
  const variables = (input: Parameters<typeof synth>[0]) => {
    const out = synth(input);
    out.cleanup();
    const [fn] = Object.values(
      out.template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.streamHandler' } }),
    );
    return (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
      .Variables;
  };
  const plain = variables(BASE);
  expect(plain).not.toHaveProperty('MCP_READ_ONLY');
  expect(plain).not.toHaveProperty('MCP_ALLOWED_TOOLS');
  expect(variables({ ...BASE, readOnly: 'true', allowedTools: 'coder_list_workspaces, standard' })).toMatchObject({
    MCP_READ_ONLY: 'true',
    MCP_ALLOWED_TOOLS: 'coder_list_workspaces,standard',
  });
  expect(() => parseSettings({ ...BASE, allowedTools: 'coder_list_workspaces,rm -rf' })).toThrow(
    /allowedTools: must be tool names or toolsets/,
  );
  expect(() => parseSettings({ ...BASE, readOnly: 'sometimes' })).toThrow(/readOnly: must be true or false/);
});

it('refuses a domain name API Gateway would refuse', () => {
  expect(() =>
    parseSettings({ ...BASE, domainName: 'MCP.Example.com', certificateArn: CERTIFICATE('eu-west-1') }),
  ).toThrow(/domainName: must be a lower-case DNS name/);
});

describe('`cdk synth` with a missing or bad setting', () => {
  /** Runs the CDK app as `cdk synth` does (cdk.json's "app"), with this context; resolves with its exit code and stderr. */
  async function runApp(context: Record<string, unknown>): Promise<{ code: number; stderr: string }> {
    const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-app-'));
    try {
      return await new Promise((resolve) => {
        execFile(
          process.execPath,
          [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'infra', 'bin', 'app.ts')],
          {
            cwd: ROOT,
            timeout: 60_000,
            env: {
              ...process.env,
              CDK_OUTDIR: outdir,
              CDK_CONTEXT_JSON: JSON.stringify(context),
              CDK_DEFAULT_REGION: 'eu-west-1',
            },
          },
          (error, _stdout, stderr) =>
            resolve({ code: typeof error?.code === 'number' ? error.code : error ? -1 : 0, stderr }),
        );
      });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  it('prints one line naming coderUrl and how to give it, and exits 1', async () => {
    const { code, stderr } = await runApp({});
    expect(code).toBe(1);
    expect(stderr).toBe(
      "invalid deployment settings: coderUrl: required; give it with -c coderUrl=https://coder.example.com (or in cdk.json's context)\n",
    );
  }, 60_000);

  it('names a bad setting in one line too, also when only the stack region shows it', async () => {
    const bad = await runApp({ ...BASE, logRetentionDays: '10' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^invalid deployment settings: logRetentionDays: must be one of .*; give it with -c logRetentionDays=<value> \(or in cdk.json's context\)\n$/,
    );
    const foreign = await runApp({ ...BASE, alarmTopicArn: TOPIC('us-east-1') });
    expect([foreign.code, foreign.stderr.split('\n').length]).toEqual([1, 2]);
    expect(foreign.stderr).toMatch(
      /^invalid deployment settings: alarmTopicArn: is in us-east-1, but the stack deploys to eu-west-1/,
    );
  }, 120_000);
});
