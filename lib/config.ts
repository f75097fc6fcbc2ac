/**
 * Runtime settings: the environment, plus the service token from SSM Parameter Store when
 * CODER_SESSION_TOKEN_PARAMETER names one (a SecureString, decrypted). Read once per container,
 * refreshed after MCP_CONFIG_TTL_MS, validated with zod; a missing or malformed setting fails with a
 * message that names it. A failed refresh keeps the last good configuration (only a first read fails).
 * The SSM client is loaded only when a parameter is used.
 */
import * as z from 'zod';
import { ConfigError } from './errors';
import { log } from './log';
import { parseInlineKeys, type KeySource } from './oauth/keys';
import { DEFAULT_REDIRECT_URI_PATTERNS } from './oauth/redirects';
import { TUNNEL_DEFAULTS } from './tunnel/defaults';

const csv = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  );

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const flag = z
  .enum(['true', 'false', '1', '0', ''], { error: 'must be true or false' })
  .optional()
  .transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  CODER_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://coder.example.com' }),
  CODER_SESSION_TOKEN: z.string().min(1).optional(),
  CODER_SESSION_TOKEN_PARAMETER: z
    .string()
    .regex(/^\/?[\w./-]+$/, 'must be an SSM parameter name such as /coder-mcp/service-token')
    .optional(),
  MCP_CONFIG_TTL_MS: positiveInt(5 * 60_000),
  MCP_ALLOWED_ORIGINS: csv,
  MCP_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  MCP_MAX_BODY_BYTES: positiveInt(4 * 1024 * 1024),
  CODER_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  MCP_TOOL_TIMEOUT_MS: positiveInt(5 * 60_000),
  MCP_DEADLINE_MARGIN_MS: positiveInt(1_000),
  MCP_INTEGRATION_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  MCP_AUTH_CACHE_MS: z.coerce.number().int().min(0).default(30_000),
  MCP_OUTPUT_CAP_BYTES: positiveInt(1 << 20),
  TUNNEL_MAX_CHANNELS_PER_AGENT: positiveInt(TUNNEL_DEFAULTS.maxChannelsPerAgent),
  TUNNEL_IDLE_MS: positiveInt(TUNNEL_DEFAULTS.idleMs),
  TUNNEL_PROBE_AFTER_MS: positiveInt(TUNNEL_DEFAULTS.probeAfterIdleMs),
  MCP_STREAM_RESPONSES: flag,
  MCP_PROGRESS_INTERVAL_MS: positiveInt(10_000),
  MCP_TRACING: flag,
  MCP_READ_ONLY: flag,
  MCP_ALLOWED_TOOLS: csv,
  MCP_OAUTH: flag,
  MCP_OAUTH_KEYS: z.string().min(1).optional(),
  MCP_OAUTH_KMS_KEY_ID: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/, 'must be a KMS key ARN')
    .optional(),
  MCP_OAUTH_KEY_VERSIONS: csv.pipe(
    z
      .array(z.string().regex(/^[1-9]\d{0,5}$/, 'must be positive whole numbers such as 2,1'))
      .transform((v) => v.map(Number)),
  ),
  MCP_OAUTH_REDIRECT_URIS: csv,
  MCP_OAUTH_UPSTREAM_CLIENT_ID: z
    .uuid('must be the client id (a UUID) of an OAuth2 app registered in Coder')
    .optional(),
  MCP_OAUTH_UPSTREAM_CLIENT_SECRET: z.string().min(1).optional(),
  MCP_OAUTH_UPSTREAM_CLIENT_SECRET_PARAMETER: z
    .string()
    .regex(/^\/?[\w./-]+$/, 'must be an SSM parameter name')
    .optional(),
  MCP_ACCEPT_CODER_TOKENS: z
    .enum(['true', 'false', '1', '0', ''], { error: 'must be true or false' })
    .optional()
    .transform((v) => v === undefined || v === '' || v === 'true' || v === '1'),
});

export interface Config {
  /** Coder deployment URL, without a trailing slash. */
  coderUrl: string;
  /** Token used for callers that bring none (service-token mode); undefined = callers must bring their own. */
  serviceToken: string | undefined;
  /** SSM parameter the service token is read from (resolved by `loadConfig`). */
  serviceTokenParameter: string | undefined;
  /** How long a loaded configuration (and the token read from SSM) is used before it is read again. */
  ttlMs: number;
  /** Browser origins allowed to call; requests without an Origin header are always allowed. */
  allowedOrigins: string[];
  /** The URL clients use to reach this server (custom domain, stage prefix included), when it cannot be derived from the request. */
  publicUrl: string | undefined;
  maxBodyBytes: number;
  coderRequestTimeoutMs: number;
  toolTimeoutMs: number;
  deadlineMarginMs: number;
  /**
   * How long the front door (API Gateway's streaming integration: a 5-minute idle cut, and this handler
   * writes its answer only at the end) waits for an answer; undefined = no bound beyond the others.
   */
  integrationTimeoutMs: number | undefined;
  /** How long a token that Coder accepted is trusted without asking again. */
  authCacheMs: number;
  /** Most command output returned per call (a Lambda answer cannot exceed 6 MB). */
  outputCapBytes: number;
  /** The agent channel pool: channels per agent and identity, idle eviction, and the idle gap after which a channel is pinged before use. */
  tunnel: { maxChannelsPerAgent: number; idleMs: number; probeAfterIdleMs: number };
  /**
   * The entry point streams answers (the deployed REST API, `npm start`): a tool call that carries a
   * progress token is then answered as SSE, with progress notifications while it runs.
   */
  streamResponses: boolean;
  /** How often a long tool call reports that it is still running (which also keeps a streamed answer from idling out). */
  progressIntervalMs: number;
  /**
   * AWS X-Ray subsegments for Coder REST calls and tunnel dials (lib/tracing.ts). Set by the stack with active
   * tracing; off, the tracer is never loaded.
   */
  tracing: boolean;
  /** Every caller gets read-only mode (lib/mcp/tool-surface.ts); a request can ask for it too, never turn it off. */
  readOnly: boolean;
  /** Tool names (or toolsets) callers may use; empty = all. A request can narrow it, never widen it. */
  allowedTools: string[];
  /** Our own OAuth authorization server in front of Coder's (lib/oauth/); undefined = off. */
  oauth: OAuthConfig | undefined;
  /** Raw Coder tokens in `Authorization` / `Coder-Session-Token` are accepted (besides tokens we issue). */
  acceptCoderTokens: boolean;
}

export interface OAuthConfig {
  keys: KeySource;
  /** Redirect URIs a client may register, as patterns (`*` = any run of characters); see lib/oauth/redirects.ts. */
  redirectUriPatterns: string[];
  /** One app registered in Coder by the operator, used when Coder's dynamic client registration is off. */
  upstreamApp:
    | { clientId: string; clientSecret: string | undefined; clientSecretParameter: string | undefined }
    | undefined;
}

/** Environment-only configuration (no SSM): synchronous, for scripts and tests. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.CODER_SESSION_TOKEN && e.CODER_SESSION_TOKEN_PARAMETER) {
    throw new ConfigError('invalid configuration: set CODER_SESSION_TOKEN or CODER_SESSION_TOKEN_PARAMETER, not both');
  }
  return {
    coderUrl: e.CODER_URL.replace(/\/+$/, ''),
    serviceToken: e.CODER_SESSION_TOKEN,
    serviceTokenParameter: e.CODER_SESSION_TOKEN_PARAMETER,
    ttlMs: e.MCP_CONFIG_TTL_MS,
    allowedOrigins: e.MCP_ALLOWED_ORIGINS.map((o) => o.replace(/\/+$/, '')),
    publicUrl: e.MCP_PUBLIC_URL?.replace(/\/+$/, ''),
    maxBodyBytes: e.MCP_MAX_BODY_BYTES,
    coderRequestTimeoutMs: e.CODER_REQUEST_TIMEOUT_MS,
    toolTimeoutMs: e.MCP_TOOL_TIMEOUT_MS,
    deadlineMarginMs: e.MCP_DEADLINE_MARGIN_MS,
    integrationTimeoutMs: e.MCP_INTEGRATION_TIMEOUT_MS,
    authCacheMs: e.MCP_AUTH_CACHE_MS,
    outputCapBytes: e.MCP_OUTPUT_CAP_BYTES,
    tunnel: {
      maxChannelsPerAgent: e.TUNNEL_MAX_CHANNELS_PER_AGENT,
      idleMs: e.TUNNEL_IDLE_MS,
      probeAfterIdleMs: e.TUNNEL_PROBE_AFTER_MS,
    },
    streamResponses: e.MCP_STREAM_RESPONSES,
    progressIntervalMs: e.MCP_PROGRESS_INTERVAL_MS,
    tracing: e.MCP_TRACING,
    readOnly: e.MCP_READ_ONLY,
    allowedTools: e.MCP_ALLOWED_TOOLS,
    oauth: oauthConfig(e),
    acceptCoderTokens: e.MCP_ACCEPT_CODER_TOKENS,
  };
}

function oauthConfig(e: z.output<typeof envSchema>): OAuthConfig | undefined {
  if (!e.MCP_OAUTH) {
    if (!e.MCP_ACCEPT_CODER_TOKENS)
      throw new ConfigError(
        'invalid configuration: MCP_ACCEPT_CODER_TOKENS=false needs MCP_OAUTH=true, or no caller could sign in',
      );
    return undefined;
  }
  if (Boolean(e.MCP_OAUTH_KEYS) === Boolean(e.MCP_OAUTH_KMS_KEY_ID)) {
    throw new ConfigError(
      'invalid configuration: MCP_OAUTH needs its sealing keys from exactly one of MCP_OAUTH_KEYS or MCP_OAUTH_KMS_KEY_ID',
    );
  }
  const keys: KeySource = e.MCP_OAUTH_KEYS
    ? { kind: 'inline', keys: parseInlineKeys(e.MCP_OAUTH_KEYS) }
    : {
        kind: 'kms',
        keyId: e.MCP_OAUTH_KMS_KEY_ID ?? '',
        versions: e.MCP_OAUTH_KEY_VERSIONS.length > 0 ? e.MCP_OAUTH_KEY_VERSIONS : [1],
      };
  const secret = e.MCP_OAUTH_UPSTREAM_CLIENT_SECRET;
  const secretParameter = e.MCP_OAUTH_UPSTREAM_CLIENT_SECRET_PARAMETER;
  if (e.MCP_OAUTH_UPSTREAM_CLIENT_ID && Boolean(secret) === Boolean(secretParameter)) {
    throw new ConfigError(
      'invalid configuration: MCP_OAUTH_UPSTREAM_CLIENT_ID needs exactly one of MCP_OAUTH_UPSTREAM_CLIENT_SECRET or MCP_OAUTH_UPSTREAM_CLIENT_SECRET_PARAMETER',
    );
  }
  if (!e.MCP_OAUTH_UPSTREAM_CLIENT_ID && (secret || secretParameter)) {
    throw new ConfigError('invalid configuration: an upstream client secret needs MCP_OAUTH_UPSTREAM_CLIENT_ID');
  }
  return {
    keys,
    redirectUriPatterns:
      e.MCP_OAUTH_REDIRECT_URIS.length > 0 ? e.MCP_OAUTH_REDIRECT_URIS : [...DEFAULT_REDIRECT_URI_PATTERNS],
    upstreamApp: e.MCP_OAUTH_UPSTREAM_CLIENT_ID
      ? { clientId: e.MCP_OAUTH_UPSTREAM_CLIENT_ID, clientSecret: secret, clientSecretParameter: secretParameter }
      : undefined,
  };
}

const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/**
 * The container's configuration, read again after its TTL. While a refresh fails, the last configuration
 * that loaded is served (an SSM outage must not fail every request) and the next try waits 1 s, 2 s, 4 s,
 * ... up to a minute (SSM throttles, above all). With nothing to serve yet, a failure is not kept: the
 * next invocation tries again.
 */
class RefreshingConfig {
  private current: { config: Promise<Config>; until: number } | undefined;
  private lastGood: Config | undefined;
  private failures = 0;

  constructor(private readonly load: () => Promise<Config>) {}

  get(now: number): Promise<Config> {
    if (this.current && this.current.until > now) return this.current.config;
    const fallback = this.lastGood;
    const config: Promise<Config> = this.load().then(
      (c) => {
        this.lastGood = c;
        this.failures = 0;
        if (this.current?.config === config) this.current.until = now + c.ttlMs;
        return c;
      },
      (err: unknown) => {
        if (this.current?.config === config) this.current = undefined;
        if (!fallback) throw err;
        this.failures += 1;
        const retryInMs = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1));
        this.current ??= { config: Promise.resolve(fallback), until: now + retryInMs };
        log('warn', 'configuration refresh failed; serving the last good configuration', {
          error: describeFailure(err),
          retryInMs,
        });
        return fallback;
      },
    );
    this.current = { config, until: Number.POSITIVE_INFINITY };
    return config;
  }
}

const fromEnvironment = () => loadConfig(process.env);
let state = new RefreshingConfig(fromEnvironment);

/** The configuration for this invocation: cached per container, read again after its TTL. */
export function getConfig(now = Date.now()): Promise<Config> {
  return state.get(now);
}

/** Our own messages name the setting and the SSM error kind, never a value; anything else is named by its class only. */
function describeFailure(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  return err instanceof Error ? err.name : 'unknown error';
}

export function resetConfig(): void {
  state = new RefreshingConfig(fromEnvironment);
}

/** The environment, with the service token resolved from SSM when a parameter is named. */
export async function loadConfig(env: Record<string, string | undefined>): Promise<Config> {
  let config = parseConfig(env);
  if (config.serviceTokenParameter) {
    config = {
      ...config,
      serviceToken: await readSecureParameter(config.serviceTokenParameter, 'CODER_SESSION_TOKEN_PARAMETER'),
    };
  }
  const app = config.oauth?.upstreamApp;
  if (config.oauth && app?.clientSecretParameter) {
    const clientSecret = await readSecureParameter(
      app.clientSecretParameter,
      'MCP_OAUTH_UPSTREAM_CLIENT_SECRET_PARAMETER',
    );
    config = { ...config, oauth: { ...config.oauth, upstreamApp: { ...app, clientSecret } } };
  }
  return config;
}

async function readSecureParameter(name: string, setting: string): Promise<string> {
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  ssm ??= new SSMClient({});
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = out.Parameter?.Value;
    if (!value) throw new ConfigError(`${setting}: SSM parameter ${name} is empty`);
    return value;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const kind = err instanceof Error ? err.name : 'Error';
    const hint =
      kind === 'ParameterNotFound'
        ? 'it does not exist in this account and region'
        : kind === 'AccessDeniedException'
          ? "the function's role may not read or decrypt it"
          : 'it could not be read';
    throw new ConfigError(`${setting}: SSM parameter ${name}: ${hint} (${kind})`, { cause: err });
  }
}

let ssm: import('@aws-sdk/client-ssm').SSMClient | undefined;

/** For tests: forget the SSM client so a mock installed later is used. */
export function resetSsmClient(): void {
  ssm = undefined;
}
