/**
 * Where the sealing keys come from: given directly (`MCP_OAUTH_KEYS`, for local runs and tests), or
 * derived from a KMS HMAC key the stack creates (`MCP_OAUTH_KMS_KEY_ID`): key version n is
 * HMAC-SHA-256 over a fixed label naming n, computed by KMS, so the key material never exists outside
 * KMS and this function's memory, and every container derives the same keys. Derived once per
 * container; the KMS client is loaded only when used.
 */
import { ConfigError } from '../errors';
import { keyRing, type KeyRing } from './seal';

export type KeySource =
  | { kind: 'inline'; keys: { kid: string; key: Buffer }[] }
  | { kind: 'kms'; keyId: string; versions: number[] };

/** `<kid>:<base64url of 32 bytes>,...`: the first seals. */
export function parseInlineKeys(value: string): { kid: string; key: Buffer }[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      const kid = at > 0 ? entry.slice(0, at) : '';
      const key = Buffer.from(entry.slice(at + 1), 'base64url');
      if (!/^[A-Za-z0-9_-]{1,16}$/.test(kid) || key.length !== 32) {
        throw new ConfigError(
          `MCP_OAUTH_KEYS: each entry must be <key id>:<32 bytes in base64url>, e.g. k1:${'A'.repeat(43)}`,
        );
      }
      return { kid, key };
    });
}

export const KMS_LABEL = (version: number) => `coder-mcp oauth seal key v${version}`;

let cached: { source: string; ring: Promise<KeyRing> } | undefined;

export function loadKeyRing(source: KeySource): Promise<KeyRing> {
  const id =
    source.kind === 'inline'
      ? `inline:${source.keys.map((k) => k.kid).join(',')}`
      : `kms:${source.keyId}:${source.versions.join(',')}`;
  if (cached?.source === id) return cached.ring;
  const ring =
    source.kind === 'inline' ? Promise.resolve(keyRing(source.keys)) : deriveWithKms(source.keyId, source.versions);
  cached = { source: id, ring };
  // A failed derivation is not kept: the next request tries again.
  ring.catch(() => {
    if (cached?.ring === ring) cached = undefined;
  });
  return ring;
}

async function deriveWithKms(keyId: string, versions: number[]): Promise<KeyRing> {
  const { KMSClient, GenerateMacCommand } = await import('@aws-sdk/client-kms');
  const kms = new KMSClient({});
  try {
    const entries = await Promise.all(
      versions.map(async (v) => {
        const out = await kms.send(
          new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from(KMS_LABEL(v)) }),
        );
        if (out.Mac?.length !== 32)
          throw new ConfigError(`MCP_OAUTH_KMS_KEY_ID: KMS returned no 32-byte MAC for key version ${v}`);
        return { kid: `v${v}`, key: Buffer.from(out.Mac) };
      }),
    );
    return keyRing(entries);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const kind = err instanceof Error ? err.name : 'Error';
    const hint =
      kind === 'AccessDeniedException'
        ? "the function's role may not call kms:GenerateMac on it"
        : kind === 'NotFoundException'
          ? 'it does not exist in this account and region'
          : 'KMS refused';
    throw new ConfigError(`MCP_OAUTH_KMS_KEY_ID: cannot derive the sealing keys from ${keyId}: ${hint} (${kind})`, {
      cause: err,
    });
  }
}

export function resetKeyRing(): void {
  cached = undefined;
}
