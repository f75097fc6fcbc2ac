/**
 * Every documented variant of the stack as CloudFormation will read it: cfn-lint (the `cfn-lint` on
 * PATH, 1.51 here and on CI) finds no error in any template, and warnings only of the rules ignored
 * below with their reasons; every output description is a plain string (a token there is E6003,
 * which CloudFormation refuses: "Every Description member must be a string").
 */
import type { SettingsInput } from '../../infra/lib/settings';
import { cfnLint, type CfnLintFinding, cfnLintVersion, synth } from './synth';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:coder-mcp-alarms';
const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0d1c7e0b-2f0a-4c7e-8a1b-2c3d4e5f6a7b';

/** The variants the README documents, each as a deployer would give it. */
const VARIANTS: Record<string, SettingsInput> = {
  'caller (OAuth on by default)': { coderUrl: 'https://coder.example.com', allowedOrigins: 'https://ai.example.com' },
  'caller with OAuth off': { coderUrl: 'https://coder.example.com', oauth: 'false' },
  "OAuth with the operator's Coder app, redirect URIs, key versions 2,1 and Coder tokens refused": {
    coderUrl: 'https://coder.example.com',
    oauth: 'true',
    oauthRedirectUris: 'https://claude.ai/api/mcp/auth_callback,http://localhost:*',
    oauthKeyVersions: '2,1',
    oauthUpstreamClientId: '0d1c7e0b-2f0a-4c7e-8a1b-2c3d4e5f6a7b',
    oauthUpstreamClientSecretParameterName: '/coder-mcp/oauth-client-secret',
    acceptCoderTokens: 'false',
  },
  'service with KMS key, SNS topic, reserved concurrency and tracing': {
    coderUrl: 'https://coder.example.com',
    authMode: 'service',
    serviceTokenParameterName: '/coder-mcp/service-token',
    serviceTokenKmsKeyArn: KEY,
    alarmTopicArn: TOPIC,
    reservedConcurrency: '20',
    tracing: 'true',
  },
  'VPC, unreserved, without the API Gateway CloudWatch role': {
    coderUrl: 'https://coder.internal.example.com',
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
    availabilityZones: 'eu-west-1a,eu-west-1b',
    securityGroupId: 'sg-0123456789abcdef0',
    reservedConcurrency: 'none',
    apiGatewayCloudWatchRole: 'false',
  },
  'custom domain (OAuth on by default)': {
    coderUrl: 'https://coder.example.com',
    domainName: 'mcp.example.com',
    certificateArn: CERTIFICATE,
  },
};

/**
 * Warnings ignored on purpose, by rule id, each with the reason. Every other warning fails the test
 * too: a new one is either fixed or added here with its reason.
 */
const IGNORED_WARNINGS: Record<string, string> = {
  // CDK writes DependsOn on the function's role (and its policy) explicitly so the policy exists before
  // Lambda validates the role; the role's DependsOn entry is redundant with the GetAtt, and harmless.
  W3005: 'redundant DependsOn that CDK writes for the function role; CloudFormation orders the same either way',
};

const describeFinding = (f: CfnLintFinding) => `${f.Rule.Id} at ${f.Location.Path.join('/')}: ${f.Message}`;

let version = '';
beforeAll(async () => {
  // Fails (never passes quietly) when cfn-lint is missing, saying how to install it.
  version = await cfnLintVersion();
});

it('runs cfn-lint 1.x', () => {
  expect(version).toMatch(/^cfn-lint 1\.\d+/);
});

describe.each(Object.entries(VARIANTS))('the %s variant', (_name, input) => {
  const out = synth(input);
  afterAll(() => out.cleanup());

  it('passes cfn-lint: no error, and no warning but those ignored with a reason', async () => {
    const findings = await cfnLint(out.templateFile);
    const errors = findings.filter((f) => !f.Rule.Id.startsWith('W') && !f.Rule.Id.startsWith('I'));
    expect(errors.map(describeFinding)).toEqual([]);
    const warnings = findings.filter((f) => f.Rule.Id.startsWith('W') && !(f.Rule.Id in IGNORED_WARNINGS));
    expect(warnings.map(describeFinding)).toEqual([]);
  }, 120_000);

  it('describes every output with a plain string, never a token', () => {
    const outputs = out.template.findOutputs('*');
    for (const [id, output] of Object.entries(outputs)) {
      const description: unknown = output.Description;
      expect([id, typeof description === 'string' || description === undefined]).toEqual([id, true]);
      expect([id, String(description)]).not.toEqual([id, expect.stringContaining('${Token[')]);
    }
  });

  it('passes cdk-nag AwsSolutions', () => {
    expect(out.report.pluginReports).toEqual([]);
  });
});
