/**
 * PKCE (RFC 7636), S256 only. Port of coderd/oauth2provider/pkce.go: the format rule (43 to 128
 * characters of [A-Za-z0-9-._~]) applies to a code_challenge at authorize and to a code_verifier.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const UNRESERVED = /^[A-Za-z0-9\-._~]{43,128}$/;

export function validPkceFormat(value: string): boolean {
  return UNRESERVED.test(value);
}

/** BASE64URL(SHA256(verifier)) === challenge, compared in constant time. */
export function verifyPkce(challenge: string, verifier: string): boolean {
  if (challenge === '' || verifier === '') return false;
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
