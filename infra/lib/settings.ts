/**
 * The deployment's settings, read from CDK context (`cdk deploy -c coderUrl=...`) or given as stack
 * props, validated with zod so that a value CloudFormation or a service would refuse at deploy time
 * (an ARN in another region, a malformed subnet id, a retention CloudWatch does not offer) fails synth
 * instead, with a message naming the setting.
 */
import { z } from 'zod';
import { TUNNEL_DEFAULTS } from '../../lib/tunnel/defaults';

const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (Array.isArray(v) ? v : (v ?? '').split(',')).map((s) => s.trim()).filter(Boolean));
const int = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** `-c name=true` arrives as the string "true"; cdk.json and stack props give real booleans. */
function toBoolean(v: boolean | string, ctx: z.RefinementCtx): boolean {
  if (typeof v === 'boolean' || v === 'true' || v === 'false') return v === true || v === 'true';
  ctx.addIssue({ code: 'custom', message: 'must be true or false' });
  return z.NEVER;
}
const bool = (fallback: boolean) => z.union([z.boolean(), z.string()]).default(fallback).transform(toBoolean);
/** A boolean whose default depends on other settings (resolved in parseSettings); unset stays undefined here. */
const optionalBool = z
  .union([z.boolean(), z.string()])
  .optional()
  .transform((v, ctx) => (v === undefined ? undefined : toBoolean(v, ctx)));

/** The OAuth key versions when none are given: the first version of the derived key, sealing and opening. */
export const DEFAULT_OAUTH_KEY_VERSIONS: readonly number[] = [1];
/**
 * `2,1` from `-c`, `[2, 1]` or `2` from cdk.json: distinct whole numbers from 1 to 999999 (what the function
 * reads in MCP_OAUTH_KEY_VERSIONS), the sealing version first; unset stays undefined here.
 */
const keyVersions = z
  .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    const items = (Array.isArray(v) ? v : String(v).split(',')).map((item) => String(item).trim());
    const versions = items.map(Number);
    if (items.length === 0 || items.some((item) => !/^[1-9]\d{0,5}$/.test(item))) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be whole numbers from 1 to 999999, the sealing version first, such as 2,1',
      });
      return z.NEVER;
    }
    if (new Set(versions).size !== versions.length) {
      ctx.addIssue({
        code: 'custom',
        message: `names a version twice (${items.join(',')}): list each version once, the sealing version first`,
      });
      return z.NEVER;
    }
    return versions;
  });

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy); any other value fails the deploy. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** What `reservedConcurrency` takes to leave the function unreserved (sharing the account's pool). */
export const UNRESERVED = 'none';
/** The default reservation: a share for this function without which one client's burst could starve the account. */
export const DEFAULT_RESERVED_CONCURRENCY = 100;

const SUBNET_ID = /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/;
const VPC_ID = /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[A-Za-z0-9-]+$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[\w-]+$/;
/** An SSM parameter name, fully qualified (a leading slash: IAM policies name the parameter by its path). */
const PARAMETER_NAME = /^\/[\w./-]+$/;
/** A redirect URI pattern: a literal scheme (no `*` before the colon), then no spaces and no commas (the list is comma-separated). */
const REDIRECT_URI_PATTERN = /^[a-z][a-z0-9+.-]*:[^\s,]+$/i;
/** A lower-case DNS name (API Gateway refuses upper case), at least two labels. */
const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const settingsSchema = z
  .object({
    coderUrl: z.url({
      protocol: /^https?$/,
      error: (issue) =>
        issue.input === undefined ? 'required' : 'must be an http(s) URL such as https://coder.example.com',
    }),
    /** SSM SecureString holding a Coder token for callers that bring none. */
    serviceTokenParameterName: z
      .string()
      .regex(PARAMETER_NAME, 'must be an SSM parameter name such as /coder-mcp/service-token')
      .optional(),
    /**
     * Customer-managed KMS key that encrypts that parameter; unset = the AWS-managed aws/ssm key. A key ARN,
     * never an alias: IAM matches KMS resources by key ARN, so a statement on an alias ARN never applies.
     */
    serviceTokenKmsKeyArn: z
      .string()
      .refine(
        (v) => !/^arn:aws[a-z-]*:kms:[^:]*:[^:]*:alias\//.test(v),
        'must be a key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias ARN: IAM policies match KMS keys by key ARN only',
      )
      .regex(
        KMS_KEY_ARN,
        'must be a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      )
      .optional(),
    /** `caller`: callers send their own Coder token. `service`: API Gateway authorises callers with IAM and the service token acts for them. */
    authMode: z.enum(['caller', 'service']).default('caller'),
    allowedOrigins: list,
    /** Reserved concurrency; `none` leaves the function in the account's unreserved pool. */
    reservedConcurrency: z
      .union([z.number(), z.string()])
      .default(DEFAULT_RESERVED_CONCURRENCY)
      .transform((v, ctx) => {
        if (v === UNRESERVED) return undefined;
        const n = Number(v);
        if (Number.isInteger(n) && n >= 1 && String(v).trim() !== '') return n;
        ctx.addIssue({
          code: 'custom',
          message: `must be a whole number of at least 1, or "${UNRESERVED}" to leave the function unreserved`,
        });
        return z.NEVER;
      }),
    memoryMb: int(1024),
    throttleRatePerSecond: int(50),
    throttleBurst: int(100),
    logRetentionDays: z.coerce
      .number()
      .default(30)
      .refine(
        (v): boolean => (LOG_RETENTION_DAYS as readonly number[]).includes(v),
        `must be one of the periods CloudWatch Logs offers: ${LOG_RETENTION_DAYS.join(', ')}`,
      ),
    maxChannelsPerAgent: int(TUNNEL_DEFAULTS.maxChannelsPerAgent),
    tunnelIdleMs: int(TUNNEL_DEFAULTS.idleMs),
    outputCapBytes: int(1 << 20),
    vpcId: z.string().regex(VPC_ID, 'must be a VPC id such as vpc-0123456789abcdef0').optional(),
    subnetIds: list.refine(
      (ids) => ids.every((id) => SUBNET_ID.test(id)),
      'must be subnet ids such as subnet-0123456789abcdef0, comma-separated',
    ),
    availabilityZones: list.refine(
      (zones) => zones.every((zone) => /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(zone)),
      'must be availability zone names such as eu-west-1a, comma-separated',
    ),
    securityGroupId: z
      .string()
      .regex(SECURITY_GROUP_ID, 'must be a security group id such as sg-0123456789abcdef0')
      .optional(),
    /** SNS topic every alarm notifies; unset = alarms only change state (watch them in CloudWatch). */
    alarmTopicArn: z
      .string()
      .regex(SNS_TOPIC_ARN, 'must be an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:coder-mcp-alarms')
      .optional(),
    domainName: z.string().regex(DOMAIN_NAME, 'must be a lower-case DNS name such as mcp.example.com').optional(),
    certificateArn: z
      .string()
      .regex(
        CERTIFICATE_ARN,
        'must be an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/<id>',
      )
      .optional(),
    /**
     * Creates API Gateway's account-wide CloudWatch role and sets it in the account's API Gateway settings.
     * Off where a landing zone already set one: the stack would replace it for every API in the region.
     */
    apiGatewayCloudWatchRole: bool(true),
    /** AWS X-Ray: active tracing on the function (Powertools Tracer, MCP_TRACING) and on the API stage. */
    tracing: bool(false),
    /** Every caller gets read-only mode (MCP_READ_ONLY); a request cannot turn it off. */
    readOnly: bool(false),
    /** Tool names or toolsets callers may use (MCP_ALLOWED_TOOLS); unset = all. The function refuses unknown names. */
    allowedTools: list.refine(
      (names) => names.every((n) => /^[a-z][a-z0-9_]{0,63}$/.test(n)),
      'must be tool names or toolsets such as coder_list_workspaces,standard, comma-separated',
    ),
    /**
     * The function's own OAuth 2.1 authorization server in front of Coder's OAuth2 provider (docs/oauth.md), for
     * MCP clients that cannot send a header (Claude.ai, ChatGPT). Default: on in authMode "caller"; refused in
     * authMode "service", where API Gateway authorises /mcp with IAM, so no OAuth token could ever reach the function.
     * Creates a KMS HMAC key (retained when the stack goes: deleting it signs every user out).
     */
    oauth: optionalBool,
    /**
     * Redirect URIs a client may register, as patterns (`*` matches any run of characters), comma-separated;
     * unset = the function's built-in list (the known MCP clients). Needs oauth.
     */
    oauthRedirectUris: list.refine(
      (patterns) => patterns.every((p) => REDIRECT_URI_PATTERN.test(p)),
      'must be redirect URI patterns with a scheme, such as https://claude.ai/api/mcp/auth_callback or http://localhost:*, comma-separated (* matches any run of characters, never in the scheme)',
    ),
    /**
     * Versions of the key that seals OAuth clients, codes and tokens, default `1`. Key n is derived from the
     * stack's KMS HMAC key as GenerateMac(HMAC_SHA_256, "coder-mcp oauth seal key v<n>"). The first version
     * seals; every version listed opens. KMS cannot rotate an HMAC key itself, so rotation is done here:
     * deploy `2,1` (new values are sealed with v2, everything sealed with v1 still opens, nobody is signed
     * out), then, once what v1 sealed may lapse (access and refresh tokens sealed with it stop working, so
     * their users sign in again; clients registered under it register again), deploy `2`. After a suspected
     * leak of a derived key, deploy the new version alone at once: everyone signs in again. Needs oauth.
     */
    oauthKeyVersions: keyVersions,
    /**
     * The Coder OAuth2 app (its id) the function uses when Coder's dynamic client registration is off:
     * registered in Coder by an operator with the redirect URI of the `OAuthCallbackUrl` output. Needs
     * oauthUpstreamClientSecretParameterName, and oauth.
     */
    oauthUpstreamClientId: z
      .uuid('must be the Coder OAuth2 app id, a UUID such as 0d1c7e0b-2f0a-4c7e-8a1b-2c3d4e5f6a7b')
      .optional(),
    /** SSM SecureString holding that app's client secret (encrypted with the AWS-managed aws/ssm key). Needs oauthUpstreamClientId, and oauth. */
    oauthUpstreamClientSecretParameterName: z
      .string()
      .regex(PARAMETER_NAME, 'must be an SSM parameter name such as /coder-mcp/oauth-client-secret')
      .optional(),
    /**
     * With oauth: raw Coder tokens (API keys, session tokens) in `Authorization` / `Coder-Session-Token` keep
     * working beside our OAuth access tokens. false = OAuth access tokens only. Needs oauth when false.
     */
    acceptCoderTokens: bool(true),
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
  .refine(
    (s) =>
      !s.vpcId || (s.subnetIds.length > 0 && s.securityGroupId && s.availabilityZones.length === s.subnetIds.length),
    {
      message: 'a VPC placement needs subnetIds, one availabilityZones entry per subnet, and securityGroupId',
      path: ['vpcId'],
    },
  )
  .refine((s) => Boolean(s.domainName) === Boolean(s.certificateArn), {
    message: 'a custom domain needs both domainName and certificateArn',
    path: ['domainName'],
  })
  .superRefine((s, ctx) => {
    if (s.authMode === 'service' && s.oauth === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['oauth'],
        message:
          'cannot be on in authMode "service": API Gateway authorises /mcp with IAM (SigV4) there, so an OAuth token could never reach the function; use authMode "caller" for OAuth',
      });
      return;
    }
    const off =
      s.authMode === 'service' ? 'authMode "service" has no OAuth' : s.oauth === false ? 'oauth is false' : undefined;
    if (off !== undefined) {
      const given: [string, boolean][] = [
        ['oauthRedirectUris', s.oauthRedirectUris.length > 0],
        ['oauthKeyVersions', s.oauthKeyVersions !== undefined],
        ['oauthUpstreamClientId', s.oauthUpstreamClientId !== undefined],
        ['oauthUpstreamClientSecretParameterName', s.oauthUpstreamClientSecretParameterName !== undefined],
        ['acceptCoderTokens', !s.acceptCoderTokens],
      ];
      for (const [key, set] of given)
        if (set) ctx.addIssue({ code: 'custom', path: [key], message: `applies only with OAuth, and ${off}` });
      return;
    }
    // The operator's Coder app is an id and a secret together: one without the other cannot sign anyone in.
    const [id, secret] = [
      s.oauthUpstreamClientId !== undefined,
      s.oauthUpstreamClientSecretParameterName !== undefined,
    ];
    if (id && !secret)
      ctx.addIssue({
        code: 'custom',
        path: ['oauthUpstreamClientSecretParameterName'],
        message: 'required with oauthUpstreamClientId: the Coder OAuth2 app is its id and its secret together',
      });
    if (secret && !id)
      ctx.addIssue({
        code: 'custom',
        path: ['oauthUpstreamClientId'],
        message:
          'required with oauthUpstreamClientSecretParameterName: the Coder OAuth2 app is its id and its secret together',
      });
  });

export type SettingsInput = z.input<typeof settingsSchema>;
/** The validated settings, with the defaults that depend on other settings resolved (oauth by authMode). */
export type Settings = Omit<z.output<typeof settingsSchema>, 'oauth' | 'oauthKeyVersions'> & {
  oauth: boolean;
  oauthKeyVersions: number[];
};

/** One refused setting: its name and what is wrong with it. */
export interface SettingsIssue {
  setting: string;
  message: string;
}

/** Settings a deploy would refuse; `issues` names each one, so the CDK app can print them without a stack trace. */
export class SettingsError extends Error {
  readonly code = 'INVALID_SETTINGS';
  constructor(readonly issues: SettingsIssue[]) {
    super(`invalid deployment settings: ${issues.map((i) => `${i.setting}: ${i.message}`).join('; ')}`);
    this.name = 'SettingsError';
  }
}

/**
 * Validates the settings; with the stack's `region` (when it is concrete, not an env-agnostic token)
 * also that every regional resource named lives there: API Gateway takes a regional domain's
 * certificate, SSM its SecureString's key, and CloudWatch an alarm's topic from the same region only.
 */
export function parseSettings(input: Record<string, unknown>, region?: string): Settings {
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((i) => ({ setting: i.path.join('.') || 'settings', message: i.message })),
    );
  }
  const settings: Settings = {
    ...parsed.data,
    // On by default where it can work: caller mode. Service mode refuses it (above), so it is off there.
    oauth: parsed.data.oauth ?? parsed.data.authMode === 'caller',
    oauthKeyVersions: parsed.data.oauthKeyVersions ?? [...DEFAULT_OAUTH_KEY_VERSIONS],
  };
  const issues = region === undefined ? [] : regionIssues(settings, region);
  if (issues.length > 0) throw new SettingsError(issues);
  return settings;
}

function regionIssues(s: Settings, region: string): SettingsIssue[] {
  const arns: [keyof Settings, string | undefined, RegExp][] = [
    ['certificateArn', s.certificateArn, CERTIFICATE_ARN],
    ['serviceTokenKmsKeyArn', s.serviceTokenKmsKeyArn, KMS_KEY_ARN],
    ['alarmTopicArn', s.alarmTopicArn, SNS_TOPIC_ARN],
  ];
  const issues: SettingsIssue[] = [];
  for (const [setting, arn, shape] of arns) {
    const arnRegion = arn === undefined ? undefined : shape.exec(arn)?.[1];
    if (arnRegion !== undefined && arnRegion !== region) {
      issues.push({
        setting,
        message: `is in ${arnRegion}, but the stack deploys to ${region}: it must be in the stack's region`,
      });
    }
  }
  const foreignZones = s.availabilityZones.filter((zone) => !zone.startsWith(region));
  if (foreignZones.length > 0)
    issues.push({
      setting: 'availabilityZones',
      message: `${foreignZones.join(', ')} not in the stack's region ${region}`,
    });
  return issues;
}

/** Every setting name, for reading them from CDK context. */
export const SETTING_NAMES: string[] = Object.keys(settingsSchema.shape);

/** The example value the one-line error suggests for a setting given with `-c`. */
const EXAMPLES: Partial<Record<string, string>> = {
  coderUrl: 'https://coder.example.com',
  oauth: 'false',
  oauthKeyVersions: '2,1',
  oauthRedirectUris: 'https://claude.ai/api/mcp/auth_callback',
  oauthUpstreamClientSecretParameterName: '/coder-mcp/oauth-client-secret',
};

/** One line for a deployer: every refused setting and how to give it, as `cdk synth` should print it. */
export function settingsErrorLine(error: SettingsError): string {
  const parts = error.issues.map((i) => {
    const known = SETTING_NAMES.includes(i.setting);
    return known
      ? `${i.setting}: ${i.message}; give it with -c ${i.setting}=${EXAMPLES[i.setting] ?? '<value>'} (or in cdk.json's context)`
      : `${i.setting}: ${i.message}`;
  });
  return `invalid deployment settings: ${parts.join('; ')}`;
}
