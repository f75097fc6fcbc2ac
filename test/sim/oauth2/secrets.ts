/**
 * The provider's secrets (client secrets, authorization codes, refresh tokens): `coder_<prefix>_<secret>`,
 * a 10-character prefix to look the row up by and a 40-character secret to compare. Port of
 * coderd/oauth2provider/secrets.go (GenerateSecret) and its ParseFormattedSecret.
 */
import { randomInt } from 'node:crypto';
import type { PrefixedSecret } from './store';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomString(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

export function generateSecret(): PrefixedSecret & { formatted: string } {
  const prefix = randomString(10);
  const secret = randomString(40);
  return { prefix, secret, formatted: `coder_${prefix}_${secret}` };
}

/** undefined when the value is not `coder_<prefix>_<secret>` (three parts, the first "coder"). */
export function parseSecret(value: string): PrefixedSecret | undefined {
  const parts = value.split('_');
  if (parts.length !== 3 || parts[0] !== 'coder') return undefined;
  const [, prefix = '', secret = ''] = parts;
  return { prefix, secret };
}
