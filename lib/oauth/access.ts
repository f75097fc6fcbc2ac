/**
 * Bearer tokens on `/mcp`: one of ours is opened (a tampered, expired or foreign-audience token is
 * refused) and the Coder token inside acts for the caller; a raw Coder token is taken as it is unless
 * the operator allows only ours. Whichever it was, what the tools use is a Coder token, so the pool
 * keys channels by the Coder identity.
 */
import { resourceUrl, type PublicUrls } from '../auth/metadata';
import { callerToken, type Credentials } from '../auth/token';
import type { Config } from '../config';
import { accessSchema, openGrant } from './grants';
import { loadKeyRing } from './keys';
import { isSealed } from './seal';

export type CallerCheck =
  | { ok: true; credentials: Credentials | undefined }
  | { ok: false; why: 'invalid' | 'expired' | 'audience' | 'coder_tokens_off' };

export async function callerCredentials(headers: Headers, config: Config, urls: PublicUrls): Promise<CallerCheck> {
  const presented = callerToken(headers);
  if (!presented)
    return {
      ok: true,
      credentials: config.serviceToken ? { token: config.serviceToken, source: 'service' } : undefined,
    };
  if (!isSealed(presented)) {
    if (!config.acceptCoderTokens) return { ok: false, why: 'coder_tokens_off' };
    return { ok: true, credentials: { token: presented, source: 'caller' } };
  }
  if (!config.oauth) return { ok: false, why: 'invalid' };
  const ring = await loadKeyRing(config.oauth.keys);
  const opened = openGrant(ring, 'access', presented, accessSchema, { issuer: urls.base, audience: resourceUrl(urls) });
  if (opened.ok) return { ok: true, credentials: { token: opened.value.ct, source: 'caller' } };
  if (opened.why === 'expired') return { ok: false, why: 'expired' };
  if (opened.why === 'wrong_audience' || opened.why === 'wrong_issuer') return { ok: false, why: 'audience' };
  return { ok: false, why: 'invalid' };
}
