/**
 * The deployment's settings, read from CDK context (`cdk deploy -c coderUrl=...`) or given as stack
 * props, validated with zod so a wrong value fails synth with a message naming it.
 */
import { z } from 'zod';

const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (Array.isArray(v) ? v : (v ?? '').split(',')).map((s) => s.trim()).filter(Boolean));
const int = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const settingsSchema = z
  .object({
    coderUrl: z.url({ protocol: /^https?$/ }),
    /** SSM SecureString holding a Coder token for callers that bring none. */
    serviceTokenParameterName: z.string().regex(/^\/[\w./-]+$/, 'must be an SSM parameter name such as /coder-mcp/service-token').optional(),
    /**
     * Customer-managed KMS key that encrypts that parameter; unset = the AWS-managed aws/ssm key. A key ARN,
     * never an alias: IAM matches KMS resources by key ARN, so a statement on an alias ARN never applies.
     */
    serviceTokenKmsKeyArn: z
      .string()
      .refine((v) => !/^arn:aws[a-z-]*:kms:[^:]*:[^:]*:alias\//.test(v), 'must be a key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias ARN: IAM policies match KMS keys by key ARN only')
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'must be a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab')
      .optional(),
    /** `caller`: callers send their own Coder token. `service`: API Gateway authorises callers with IAM and the service token acts for them. */
    authMode: z.enum(['caller', 'service']).default('caller'),
    allowedOrigins: list,
    reservedConcurrency: z.coerce.number().int().min(1).optional(),
    memoryMb: int(1024),
    throttleRatePerSecond: int(50),
    throttleBurst: int(100),
    logRetentionDays: int(30),
    maxChannelsPerAgent: int(2),
    tunnelIdleMs: int(600_000),
    outputCapBytes: int(1 << 20),
    vpcId: z.string().startsWith('vpc-').optional(),
    subnetIds: list,
    availabilityZones: list,
    securityGroupId: z.string().startsWith('sg-').optional(),
    /** SNS topic every alarm notifies; unset = alarms only change state (watch them in CloudWatch). */
    alarmTopicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, 'must be an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:coder-mcp-alarms')
      .optional(),
    domainName: z.string().optional(),
    certificateArn: z.string().startsWith('arn:').optional(),
  })
  .refine((s) => s.authMode === 'caller' || s.serviceTokenParameterName, {
    message: 'authMode "service" needs serviceTokenParameterName',
    path: ['serviceTokenParameterName'],
  })
  .superRefine((s, ctx) => {
    // In caller mode API Gateway lets every request through unauthenticated and the function acts for
    // callers without a token with the service token: anonymous callers would act as the service user.
    if (s.authMode === 'service') return;
    for (const key of ['serviceTokenParameterName', 'serviceTokenKmsKeyArn'] as const) {
      if (s[key] === undefined) continue;
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message:
          'needs authMode "service": in caller mode the API has no authorisation in front of the function, so a service token would let anonymous callers act as the service user',
      });
    }
  })
  .refine((s) => !s.vpcId || (s.subnetIds.length > 0 && s.securityGroupId && s.availabilityZones.length === s.subnetIds.length), {
    message: 'a VPC placement needs subnetIds, one availabilityZones entry per subnet, and securityGroupId',
    path: ['vpcId'],
  })
  .refine((s) => Boolean(s.domainName) === Boolean(s.certificateArn), {
    message: 'a custom domain needs both domainName and certificateArn',
    path: ['domainName'],
  });

export type SettingsInput = z.input<typeof settingsSchema>;
export type Settings = z.output<typeof settingsSchema>;

export function parseSettings(input: Record<string, unknown>): Settings {
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid deployment settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Every setting name, for reading them from CDK context. */
export const SETTING_NAMES: string[] = Object.keys(settingsSchema.shape);
