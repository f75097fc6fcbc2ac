/**
 * A scripted browser for OAuth tests: a cookie jar that behaves like a real browser's for the rules
 * these flows depend on, and fetch with manual redirects that signs in on the simulator's /login page and
 * answers its consent page. It reads no JavaScript; forms are found with a few regular expressions, which
 * is enough for the simulator's and our own server's pages.
 *
 * Cookie rules kept (RFC 6265bis as browsers apply it):
 * - cookies belong to a host, not a port: 127.0.0.1:A and 127.0.0.1:B share them;
 * - Domain (a host-only cookie when absent), Path (default: the request path's directory), path-match;
 * - Max-Age (wins over Expires) and Expires; a past expiry deletes the cookie;
 * - Secure cookies are set and sent over https, and over http to loopback hosts (localhost is a secure
 *   context in browsers);
 * - prefixes checked when set: `__Secure-` needs Secure; `__Host-` needs Secure, Path=/ and no Domain.
 * SameSite is recorded but not enforced (every hop of these flows is same-site: the hosts are equal).
 */

export interface StoredCookie {
  name: string;
  value: string;
  /** The host (host-only cookie) or the Domain attribute's value. */
  domain: string;
  hostOnly: boolean;
  path: string;
  /** Epoch ms; undefined for a session cookie. */
  expires: number | undefined;
  secure: boolean;
  httpOnly: boolean;
  sameSite: string;
}

function isLoopbackHost(host: string): boolean {
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    host === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[');
}

/** Whether a request to this URL may set or receive Secure cookies. */
function trustworthy(url: URL): boolean {
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}

function defaultPath(url: URL): string {
  const path = url.pathname;
  if (!path.startsWith('/') || path.lastIndexOf('/') === 0) return '/';
  return path.slice(0, path.lastIndexOf('/'));
}

function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (cookiePath === requestPath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function domainMatches(c: StoredCookie, host: string): boolean {
  if (c.hostOnly) return host === c.domain;
  return host === c.domain || (!isIp(host) && host.endsWith(`.${c.domain}`));
}

export class CookieJar {
  private cookies: StoredCookie[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Applies one Set-Cookie header received from `url`; returns false when the browser would ignore it. */
  set(url: URL, header: string): boolean {
    const [pair = '', ...attrs] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return false;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const host = url.hostname.toLowerCase();
    const c: StoredCookie = {
      name,
      value,
      domain: host,
      hostOnly: true,
      path: defaultPath(url),
      expires: undefined,
      secure: false,
      httpOnly: false,
      sameSite: '',
    };
    let maxAge: number | undefined;
    let hasDomain = false;
    let pathGiven = false;
    for (const attr of attrs) {
      const i = attr.indexOf('=');
      const key = (i >= 0 ? attr.slice(0, i) : attr).trim().toLowerCase();
      const v = i >= 0 ? attr.slice(i + 1).trim() : '';
      if (key === 'max-age' && /^-?\d+$/.test(v)) maxAge = Number(v);
      else if (key === 'expires' && !Number.isNaN(Date.parse(v))) c.expires = Date.parse(v);
      else if (key === 'domain' && v !== '') {
        const domain = v.replace(/^\./, '').toLowerCase();
        if (!(host === domain || (!isIp(host) && host.endsWith(`.${domain}`)))) return false;
        c.domain = domain;
        c.hostOnly = false;
        hasDomain = true;
      } else if (key === 'path' && v.startsWith('/')) {
        c.path = v;
        pathGiven = true;
      } else if (key === 'secure') c.secure = true;
      else if (key === 'httponly') c.httpOnly = true;
      else if (key === 'samesite') c.sameSite = v;
    }
    if (maxAge !== undefined) c.expires = this.now() + maxAge * 1000;
    if (c.secure && !trustworthy(url)) return false;
    if (name.startsWith('__Secure-') && !c.secure) return false;
    if (name.startsWith('__Host-') && (!c.secure || hasDomain || !pathGiven || c.path !== '/')) return false;
    this.cookies = this.cookies.filter(
      (o) => !(o.name === c.name && o.domain === c.domain && o.path === c.path && o.hostOnly === c.hostOnly),
    );
    if (c.expires === undefined || c.expires > this.now()) this.cookies.push(c);
    return true;
  }

  /** The Cookie header a browser sends to `url` ('' when none): longer paths first. */
  header(url: URL): string {
    const host = url.hostname.toLowerCase();
    const now = this.now();
    return this.cookies
      .filter(
        (c) =>
          (c.expires === undefined || c.expires > now) &&
          domainMatches(c, host) &&
          pathMatches(c.path, url.pathname) &&
          (!c.secure || trustworthy(url)),
      )
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** Copies of the live cookies. */
  list(): StoredCookie[] {
    const now = this.now();
    return this.cookies.filter((c) => c.expires === undefined || c.expires > now).map((c) => ({ ...c }));
  }

  clear(): void {
    this.cookies = [];
  }

  /** A second jar with the same cookies (another tab of the same browser profile, or a copied profile). */
  copy(): CookieJar {
    const jar = new CookieJar(this.now);
    jar.cookies = this.list();
    return jar;
  }
}

interface Form {
  id: string;
  method: string;
  action: string;
  fields: URLSearchParams;
}

function decodeEntities(s: string): string {
  return s.replace(
    /&(amp|lt|gt|quot|#39|#x27);/g,
    (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e] ?? '',
  );
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*"([^"]*)"/g))
    out[(m[1] ?? '').toLowerCase()] = decodeEntities(m[2] ?? '');
  return out;
}

function forms(html: string): Form[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map((m) => {
    const a = attributes(m[1] ?? '');
    const fields = new URLSearchParams();
    for (const input of (m[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
      const i = attributes(input[1] ?? '');
      if (i.name !== undefined) fields.set(i.name, i.value ?? '');
    }
    return { id: a.id ?? '', method: (a.method ?? 'get').toUpperCase(), action: a.action ?? '', fields };
  });
}

function cancelLink(html: string): string | undefined {
  const tag = /<a\b([^>]*\bid="cancel-link"[^>]*)>/i.exec(html)?.[1];
  return tag === undefined ? undefined : attributes(tag).href;
}

export interface Landing {
  /** Where the browser stopped (full URL, query included). */
  url: URL;
  /** 0 when it stopped at `stopAt` without fetching. */
  status: number;
  body: string;
  stopped: boolean;
}

export interface VisitOptions {
  /** Stop before fetching the first URL this accepts (e.g. the client's redirect URI) and return it. */
  stopAt?: (url: URL) => boolean;
  /** What to do on a consent page (a form with id "allow-form"); absent: stop there and return the page. */
  consent?: 'approve' | 'deny';
  /** Used once per visit when the browser lands on the simulator's /login page. */
  credentials?: { email: string; password: string };
  /** Request limit (redirects and form posts). Default 20. */
  maxSteps?: number;
}

export class Browser {
  /** Every URL fetched, as origin + path (never the query, which carries codes and state). */
  readonly visited: string[] = [];

  constructor(readonly jar: CookieJar = new CookieJar()) {}

  async visit(start: string | URL, opts: VisitOptions = {}): Promise<Landing> {
    let url = new URL(start);
    let method = 'GET';
    let body: URLSearchParams | undefined;
    let signedIn = false;
    for (let step = 0; step < (opts.maxSteps ?? 20); step++) {
      if (opts.stopAt?.(url)) return { url, status: 0, body: '', stopped: true };
      this.visited.push(`${url.origin}${url.pathname}`);
      const headers: Record<string, string> = { accept: 'text/html,application/json' };
      const cookie = this.jar.header(url);
      if (cookie) headers.cookie = cookie;
      if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(url, { method, headers, redirect: 'manual', ...(body ? { body: body.toString() } : {}) });
      for (const sc of res.headers.getSetCookie()) this.jar.set(url, sc);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        url = new URL(location, url);
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      const text = await res.text();
      const page = forms(text);
      const login = page.find((f) => f.id === 'login-form');
      const allow = page.find((f) => f.id === 'allow-form');
      if (login && opts.credentials && !signedIn) {
        signedIn = true;
        login.fields.set('email', opts.credentials.email);
        login.fields.set('password', opts.credentials.password);
        [url, method, body] = [new URL(login.action || url.href, url), login.method, login.fields];
        continue;
      }
      if (allow && opts.consent === 'approve') {
        [url, method, body] = [new URL(allow.action || url.href, url), allow.method, allow.fields];
        continue;
      }
      const cancel = cancelLink(text);
      if (allow && opts.consent === 'deny' && cancel !== undefined) {
        [url, method, body] = [new URL(cancel, url), 'GET', undefined];
        continue;
      }
      return { url, status: res.status, body: text, stopped: false };
    }
    throw new Error(`browser: more than ${opts.maxSteps ?? 20} steps (last ${url.origin}${url.pathname})`);
  }
}
