/**
 * Runtime settings, read from the environment once per container and validated with zod. A missing
 * or malformed setting fails with a message that names it. `resetConfig()` lets tests start over.
 */
import { z } from 'zod';
import { ConfigError } from './errors';

const csv = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0));

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  CODER_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://coder.example.com' }),
  CODER_SESSION_TOKEN: z.string().min(1).optional(),
  MCP_ALLOWED_ORIGINS: csv,
  MCP_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  MCP_MAX_BODY_BYTES: positiveInt(4 * 1024 * 1024),
  CODER_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  MCP_TOOL_TIMEOUT_MS: positiveInt(5 * 60_000),
  MCP_DEADLINE_MARGIN_MS: positiveInt(1_000),
  MCP_AUTH_CACHE_MS: z.coerce.number().int().min(0).default(30_000),
  MCP_OUTPUT_CAP_BYTES: positiveInt(1 << 20),
  TUNNEL_MAX_CHANNELS_PER_AGENT: positiveInt(2),
  TUNNEL_IDLE_MS: positiveInt(10 * 60_000),
  TUNNEL_PROBE_AFTER_MS: positiveInt(5_000),
});

export interface Config {
  /** Coder deployment URL, without a trailing slash. */
  coderUrl: string;
  /** Token used for callers that bring none (service-token mode); undefined = callers must bring their own. */
  serviceToken: string | undefined;
  /** Browser origins allowed to call; requests without an Origin header are always allowed. */
  allowedOrigins: string[];
  /** The URL clients use to reach this server (custom domain, stage prefix included), when it cannot be derived from the request. */
  publicUrl: string | undefined;
  maxBodyBytes: number;
  coderRequestTimeoutMs: number;
  toolTimeoutMs: number;
  deadlineMarginMs: number;
  /** How long a token that Coder accepted is trusted without asking again. */
  authCacheMs: number;
  /** Most command output returned per call (a Lambda answer cannot exceed 6 MB). */
  outputCapBytes: number;
  /** The agent channel pool: channels per agent and identity, idle eviction, and the idle gap after which a channel is pinged before use. */
  tunnel: { maxChannelsPerAgent: number; idleMs: number; probeAfterIdleMs: number };
}

let cached: Config | undefined;

export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    coderUrl: e.CODER_URL.replace(/\/+$/, ''),
    serviceToken: e.CODER_SESSION_TOKEN,
    allowedOrigins: e.MCP_ALLOWED_ORIGINS.map((o) => o.replace(/\/+$/, '')),
    publicUrl: e.MCP_PUBLIC_URL?.replace(/\/+$/, ''),
    maxBodyBytes: e.MCP_MAX_BODY_BYTES,
    coderRequestTimeoutMs: e.CODER_REQUEST_TIMEOUT_MS,
    toolTimeoutMs: e.MCP_TOOL_TIMEOUT_MS,
    deadlineMarginMs: e.MCP_DEADLINE_MARGIN_MS,
    authCacheMs: e.MCP_AUTH_CACHE_MS,
    outputCapBytes: e.MCP_OUTPUT_CAP_BYTES,
    tunnel: { maxChannelsPerAgent: e.TUNNEL_MAX_CHANNELS_PER_AGENT, idleMs: e.TUNNEL_IDLE_MS, probeAfterIdleMs: e.TUNNEL_PROBE_AFTER_MS },
  };
}

export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

export function resetConfig(): void {
  cached = undefined;
}
