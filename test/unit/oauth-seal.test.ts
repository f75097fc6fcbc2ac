/**
 * The pieces of the authorization server that need no network: sealed values (tamper, kind, key
 * rotation, expiry, audience), the KMS key derivation (against the KMS client, mocked), the redirect URI
 * allow-list, and the OAuth settings' errors. The flows themselves are tested end to end in test/e2e/oauth*.test.ts.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '../../lib/config';
import { accessSchema, clientSecret, clientSecretMatches, openGrant } from '../../lib/oauth/grants';
import { KMS_LABEL, loadKeyRing, resetKeyRing } from '../../lib/oauth/keys';
import { DEFAULT_REDIRECT_URI_PATTERNS, redirectUriAllowed } from '../../lib/oauth/redirects';
import { keyRing, open, seal } from '../../lib/oauth/seal';
import { z } from 'zod';

const k1 = { kid: 'k1', key: randomBytes(32) };
const k2 = { kid: 'k2', key: randomBytes(32) };
const payload = z.object({ a: z.string() });

describe('sealed values', () => {
  it('open what they seal, and nothing else', () => {
    const ring = keyRing([k1]);
    const value = seal(ring, 'code', { a: 'secret-inside' });
    expect(value).toMatch(/^cmcp\.code\.k1\.[A-Za-z0-9_-]+$/);
    expect(value).not.toContain('secret-inside');
    expect(open(ring, 'code', value, payload)).toEqual({ ok: true, value: { a: 'secret-inside' } });
    // The kind is authenticated: relabelling a code as an access token breaks it.
    expect(open(ring, 'access', value, payload)).toEqual({ ok: false, why: 'wrong_kind' });
    expect(open(ring, 'access', value.replace('cmcp.code.', 'cmcp.access.'), payload)).toEqual({
      ok: false,
      why: 'tampered',
    });
    const raw = Buffer.from(value.split('.')[3] ?? '', 'base64url');
    raw[20] = (raw[20] ?? 0) ^ 1;
    expect(open(ring, 'code', `cmcp.code.k1.${raw.toString('base64url')}`, payload)).toEqual({
      ok: false,
      why: 'tampered',
    });
    expect(open(ring, 'code', 'cmcp.code.k1', payload)).toEqual({ ok: false, why: 'malformed' });
    expect(open(keyRing([k2]), 'code', value, payload)).toEqual({ ok: false, why: 'unknown_key' });
    expect(open(ring, 'code', seal(ring, 'code', { b: 1 }), payload)).toEqual({ ok: false, why: 'invalid_payload' });
  });

  it('survive a key rotation: the new key seals, the old one still opens', () => {
    const before = seal(keyRing([k1]), 'refresh', { a: 'x' });
    const rotated = keyRing([k2, k1]);
    expect(open(rotated, 'refresh', before, payload).ok).toBe(true);
    expect(seal(rotated, 'refresh', { a: 'y' })).toMatch(/^cmcp\.refresh\.k2\./);
    // Once the old key is retired, what it sealed is refused.
    expect(open(keyRing([k2]), 'refresh', before, payload)).toEqual({ ok: false, why: 'unknown_key' });
  });

  it('check issuer, expiry and audience', () => {
    const ring = keyRing([k1]);
    const token = seal(ring, 'access', {
      iss: 'https://a.example/prod',
      exp: 2_000,
      aud: 'https://a.example/prod/mcp',
      cid: 'c',
      ct: 'coder',
    });
    const expect_ = { issuer: 'https://a.example/prod', audience: 'https://a.example/prod/mcp' };
    expect(openGrant(ring, 'access', token, accessSchema, { ...expect_, nowS: 1_999 }).ok).toBe(true);
    expect(openGrant(ring, 'access', token, accessSchema, { ...expect_, nowS: 2_000 })).toEqual({
      ok: false,
      why: 'expired',
    });
    expect(
      openGrant(ring, 'access', token, accessSchema, { ...expect_, audience: 'https://b.example/mcp', nowS: 1 }),
    ).toEqual({ ok: false, why: 'wrong_audience' });
    expect(openGrant(ring, 'access', token, accessSchema, { issuer: 'https://b.example', nowS: 1 })).toEqual({
      ok: false,
      why: 'wrong_issuer',
    });
  });

  it('derive client secrets any key of the ring verifies', () => {
    const old = keyRing([k1]);
    const secret = clientSecret(old, 'client-1');
    expect(clientSecretMatches(keyRing([k2, k1]), 'client-1', secret)).toBe(true);
    expect(clientSecretMatches(old, 'client-2', secret)).toBe(false);
    expect(clientSecretMatches(keyRing([k2]), 'client-1', secret)).toBe(false);
  });
});

describe('keys derived with KMS', () => {
  const kms = mockClient(KMSClient);
  const root = randomBytes(32);
  beforeEach(() => {
    kms.reset();
    resetKeyRing();
    kms.on(GenerateMacCommand).callsFake((input: { Message: Uint8Array }) => ({
      Mac: createHmac('sha256', root).update(input.Message).digest(),
      MacAlgorithm: 'HMAC_SHA_256',
    }));
  });

  it('derives one key per version, once per container, the first sealing', async () => {
    const source = { kind: 'kms' as const, keyId: 'arn:aws:kms:eu-west-1:123456789012:key/abc', versions: [2, 1] };
    const ring = await loadKeyRing(source);
    await loadKeyRing(source);
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(2);
    expect(kms.commandCalls(GenerateMacCommand)[0]?.args[0].input).toMatchObject({
      KeyId: source.keyId,
      MacAlgorithm: 'HMAC_SHA_256',
    });
    expect(ring.current.kid).toBe('v2');
    expect(ring.current.key.equals(createHmac('sha256', root).update(KMS_LABEL(2)).digest())).toBe(true);
    // Another container (a fresh cache) derives the same keys, so what one sealed the other opens.
    const sealed = seal(ring, 'client', { a: 'x' });
    resetKeyRing();
    expect(open(await loadKeyRing(source), 'client', sealed, payload).ok).toBe(true);
  });

  it('names the setting when KMS refuses, and tries again on the next request', async () => {
    kms.on(GenerateMacCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const source = { kind: 'kms' as const, keyId: 'arn:aws:kms:eu-west-1:123456789012:key/abc', versions: [1] };
    await expect(loadKeyRing(source)).rejects.toThrow(
      "MCP_OAUTH_KMS_KEY_ID: cannot derive the sealing keys from arn:aws:kms:eu-west-1:123456789012:key/abc: the function's role may not call kms:GenerateMac on it (AccessDeniedException)",
    );
    kms.on(GenerateMacCommand).callsFake((input: { Message: Uint8Array }) => ({
      Mac: createHmac('sha256', root).update(input.Message).digest(),
    }));
    expect((await loadKeyRing(source)).current.kid).toBe('v1');
  });
});

describe('redirect URIs a client may register', () => {
  it.each([
    'https://claude.ai/api/mcp/auth_callback',
    'https://chatgpt.com/connector_platform_oauth_redirect',
    'http://127.0.0.1:33418/callback',
    'http://localhost:6274/oauth/callback',
    'http://[::1]:8080/cb',
    'vscode://vscode.github-authentication/did-authenticate',
    'cursor://anysphere.cursor-mcp/oauth/callback',
  ])('allows %s by default', (uri) => {
    expect(redirectUriAllowed(uri, DEFAULT_REDIRECT_URI_PATTERNS)).toBe(true);
  });

  it.each([
    'https://claude.ai.evil.example/api/mcp/auth_callback',
    'https://evil.example/api/mcp/auth_callback',
    'https://claude.ai/api/mcp/auth_callback/../../evil',
    'http://localhost:1@evil.example/',
    'http://127.0.0.1:80@evil.example/cb',
    'http://localhost.evil.example:80/cb',
    'https://claude.ai/api/mcp/auth_callback#frag',
    'http://claude.ai/api/mcp/auth_callback',
    'javascript:alert(1)',
    'not a uri',
  ])('refuses %s', (uri) => {
    expect(redirectUriAllowed(uri, DEFAULT_REDIRECT_URI_PATTERNS)).toBe(false);
  });
});

describe('OAuth settings', () => {
  const base = { CODER_URL: 'https://coder.example.com', MCP_OAUTH: 'true' };
  const key = `k1:${randomBytes(32).toString('base64url')}`;
  it.each([
    [{ ...base }, 'MCP_OAUTH needs its sealing keys from exactly one of MCP_OAUTH_KEYS or MCP_OAUTH_KMS_KEY_ID'],
    [{ ...base, MCP_OAUTH_KEYS: 'k1:short' }, 'MCP_OAUTH_KEYS: each entry must be <key id>:<32 bytes in base64url>'],
    [
      { ...base, MCP_OAUTH_KEYS: key, MCP_OAUTH_UPSTREAM_CLIENT_ID: '4f7b3c2e-9a1d-4e5f-8b6a-1c2d3e4f5a6b' },
      'MCP_OAUTH_UPSTREAM_CLIENT_ID needs exactly one of',
    ],
    [
      {
        ...base,
        MCP_OAUTH_KEYS: key,
        MCP_OAUTH_UPSTREAM_CLIENT_ID: 'not-a-uuid',
        MCP_OAUTH_UPSTREAM_CLIENT_SECRET: 's',
      },
      'MCP_OAUTH_UPSTREAM_CLIENT_ID: must be the client id',
    ],
    [
      { CODER_URL: 'https://coder.example.com', MCP_ACCEPT_CODER_TOKENS: 'false' },
      'MCP_ACCEPT_CODER_TOKENS=false needs MCP_OAUTH=true',
    ],
    [
      { ...base, MCP_OAUTH_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/abc', MCP_OAUTH_KEY_VERSIONS: '2,x' },
      'MCP_OAUTH_KEY_VERSIONS',
    ],
  ])('refuses %j', (env, message) => {
    expect(() => parseConfig(env)).toThrow(message);
  });

  it('reads a working OAuth configuration', () => {
    const c = parseConfig({
      ...base,
      MCP_OAUTH_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
      MCP_OAUTH_KEY_VERSIONS: '3,2',
    });
    expect(c.oauth?.keys).toEqual({
      kind: 'kms',
      keyId: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
      versions: [3, 2],
    });
    expect(c.oauth?.redirectUriPatterns).toEqual(DEFAULT_REDIRECT_URI_PATTERNS);
    expect(c.acceptCoderTokens).toBe(true);
    expect(parseConfig({ CODER_URL: 'https://coder.example.com' }).oauth).toBeUndefined();
  });
});
