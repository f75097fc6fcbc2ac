/**
 * Which Coder token a request acts with: the caller's own (`Authorization: Bearer` or
 * `Coder-Session-Token`), else the configured service token. Tokens are only ever compared and
 * hashed; `fingerprint` is what may appear in keys and logs.
 */
import { createHash } from 'node:crypto';

export interface Credentials {
  token: string;
  source: 'caller' | 'service';
}

/** coderd's order (httpmw.APITokenFromRequest): its own header before `Authorization: Bearer`. */
export function callerToken(headers: Headers): string | undefined {
  const session = headers.get('coder-session-token')?.trim();
  if (session) return session;
  const bearer = headers
    .get('authorization')
    ?.match(/^bearer\s+(.+)$/i)?.[1]
    ?.trim();
  return bearer || undefined;
}

export function resolveCredentials(headers: Headers, serviceToken: string | undefined): Credentials | undefined {
  const own = callerToken(headers);
  if (own) return { token: own, source: 'caller' };
  if (serviceToken) return { token: serviceToken, source: 'service' };
  return undefined;
}

/** A stable, non-reversible name for a token on a deployment. */
export function fingerprint(coderUrl: string, token: string): string {
  return createHash('sha256').update(coderUrl).update('\0').update(token).digest('hex');
}
