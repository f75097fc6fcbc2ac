/**
 * Redirect URI and resource rules. Port of codersdk/oauth2_validation.go (ValidateRedirectURI,
 * RedirectURIMatches, the RFC 7591 request checks) and validateResourceParameter
 * (coderd/oauth2provider/tokens.go). URLs are split the way Go's url.Parse does (scheme, opaque part,
 * host, path, fragment), because a custom-scheme or opaque URI is read differently by WHATWG URL.
 */

export type ClientType = 'confidential' | 'public';

interface GoUrl {
  scheme: string;
  /** Set when nothing follows the scheme's colon but a non-slash path (`mailto:x`). */
  opaque: string;
  /** host[:port] as written; '' without an authority. */
  host: string;
  /** The host without port or IPv6 brackets, lowercased. */
  hostname: string;
  path: string;
  hasFragment: boolean;
}

/** A rough url.Parse: undefined for what Go refuses (control characters, spaces in the authority). */
export function goParse(raw: string): GoUrl | undefined {
  if ([...raw].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return undefined;
  const hash = raw.indexOf('#');
  const beforeFragment = hash >= 0 ? raw.slice(0, hash) : raw;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(beforeFragment);
  const scheme = m?.[1]?.toLowerCase() ?? '';
  let rest = m ? (m[2] ?? '') : beforeFragment;
  const query = rest.indexOf('?');
  if (query >= 0) rest = rest.slice(0, query);
  let host = '';
  let path = rest;
  let opaque = '';
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    host = slash >= 0 ? rest.slice(2, slash) : rest.slice(2);
    path = slash >= 0 ? rest.slice(slash) : '';
    if (/\s/.test(host)) return undefined;
    const at = host.lastIndexOf('@');
    if (at >= 0) host = host.slice(at + 1);
  } else if (scheme !== '' && !rest.startsWith('/')) {
    opaque = rest;
    path = '';
  }
  const hostname = (host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d*$/, '')).toLowerCase();
  return { scheme, opaque, host, hostname, path, hasFragment: hash >= 0 && raw.length > hash + 1 };
}

/** RFC 8252 §7.3's loopback hosts, and localhost as coderd's own policy. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '::1';
}

function isLocalhost(hostname: string): boolean {
  return isLoopback(hostname) || hostname.endsWith('.localhost');
}

function schemeError(u: GoUrl, raw: string): string | undefined {
  if (u.scheme === '') return 'must have a scheme';
  if (u.scheme === 'urn') return raw === 'urn:ietf:wg:oauth:2.0:oob' ? undefined : 'uses an unsupported URN scheme';
  for (const dangerous of ['javascript', 'data', 'file', 'ftp'])
    if (u.scheme === dangerous) return `uses the dangerous scheme ${dangerous}`;
  return undefined;
}

/** ValidateRedirectURI: the reason a redirect URI is refused at registration, or undefined. */
export function redirectUriError(raw: string, clientType: ClientType): string | undefined {
  if (raw === '') return 'cannot be empty';
  if (raw.length > 2048) return 'must be at most 2048 bytes';
  const u = goParse(raw);
  if (!u) return 'is not a valid URL';
  const bad = schemeError(u, raw);
  if (bad) return bad;
  if (u.scheme === 'urn') return undefined;
  if (u.scheme === 'http') {
    if (clientType === 'public' && !isLoopback(u.hostname))
      return 'public clients may only use http with loopback addresses (127.0.0.1, ::1, localhost)';
    if (clientType === 'confidential' && !isLocalhost(u.hostname))
      return 'must use https scheme for non-localhost URLs';
  } else if (u.scheme !== 'https' && clientType === 'public' && ['mailto', 'tel', 'sms'].includes(u.scheme)) {
    return `public clients may not use the ${u.scheme} scheme`;
  }
  if (u.hasFragment || raw.includes('#')) return 'must not contain a fragment component';
  if ((u.scheme === 'http' || u.scheme === 'https') && u.host === '') return 'http and https URLs must include a host';
  if (u.opaque !== '' || (u.host === '' && u.path === '')) return 'must name a host or a path';
  return undefined;
}

/**
 * RedirectURIMatches: exact string equality, except that for a registered `http` URI to a loopback host
 * the port is ignored (every other part must still match).
 */
export function redirectUriMatches(presented: string, registered: string): boolean {
  if (presented === registered) return true;
  const r = goParse(registered);
  if (r?.scheme !== 'http' || !isLoopback(r.hostname)) return false;
  return withoutPort(presented) === withoutPort(registered);
}

function withoutPort(raw: string): string {
  return raw.replace(
    /^(http:\/\/)(\[[^\]]*\]|[^/:?#]*)(:\d*)?/i,
    (_m, scheme: string, host: string) => `${scheme}${host}`,
  );
}

/** validateResourceParameter (RFC 8707): absent, or an absolute URI without a fragment. */
export function resourceValid(resource: string): boolean {
  if (resource === '') return true;
  const u = goParse(resource);
  return u !== undefined && u.scheme !== '' && !u.hasFragment;
}

/** validateURIField: optional, else absolute http(s). */
export function uriFieldError(value: string, field: string): string | undefined {
  if (value === '') return undefined;
  const u = goParse(value);
  if (!u) return `invalid ${field}`;
  if (u.scheme === '') return `${field} must be an absolute URL`;
  if (u.scheme !== 'http' && u.scheme !== 'https') return `${field} must use http or https scheme`;
  return undefined;
}
