/**
 * Our OAuth endpoints driven step by step over HTTP, as a client and a browser would, so a test can
 * stop, swap or replay any step: register, authorize (the answer and its `__Host-` cookie kept in a
 * browser's jar), the person's part at Coder (the scripted browser, stopped before our callback),
 * the callback, then token, refresh and revoke. Every answer our server gives is recorded, for the
 * secrecy checks. Knowing the stack's MCP_OAUTH_KEYS, a test can also open and forge sealed values.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { parseInlineKeys } from '../../lib/oauth/keys';
import { keyRing, open, seal, type KeyRing, type SealedKind } from '../../lib/oauth/seal';
import { Browser } from './browser';
import type { Stack } from './stack';

export type AuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

export interface Registered {
  clientId: string;
  clientSecret: string | undefined;
  method: AuthMethod;
  /** The first registered redirect URI, the one sign-ins use. */
  redirectUri: string;
  redirectUris: string[];
}

/** A fresh sealing key ring for a stack: `k1:<32 random bytes>`. */
export function newKeys(kid = 'k1'): string {
  return `${kid}:${randomBytes(32).toString('base64url')}`;
}

export function ringOf(keys: string): KeyRing {
  return keyRing(parseInlineKeys(keys));
}

/** Opens a sealed value the test was given, failing the test when it does not open. */
export function unseal<T>(keys: string, kind: SealedKind, value: string, schema: z.ZodType<T>): T {
  const opened = open(ringOf(keys), kind, value, schema);
  if (!opened.ok) throw new Error(`could not open the ${kind}: ${opened.why}`);
  return opened.value;
}

export function forge(keys: string, kind: SealedKind, payload: object): string {
  return seal(ringOf(keys), kind, payload);
}

/** A loopback redirect URI nothing listens on (the browser stops before fetching it). */
export function loopback(): string {
  return `http://127.0.0.1:${20_000 + Math.floor(Math.random() * 20_000)}/callback`;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Every answer our server gave during a flow: status, Location, every header, body text. */
export interface Recorded {
  what: string;
  status: number;
  location: string | null;
  /** `name: value` lines. */
  headerLines: string;
  body: string;
}

export class OAuthFlow {
  readonly answers: Recorded[] = [];

  constructor(readonly stack: Stack) {}

  get base(): string {
    return this.stack.server.url;
  }

  private async record(what: string, res: Response): Promise<Recorded> {
    const lines: string[] = [];
    res.headers.forEach((v, k) => {
      lines.push(`${k}: ${v}`);
    });
    const r = {
      what,
      status: res.status,
      location: res.headers.get('location'),
      headerLines: lines.join('\n'),
      body: await res.text(),
    };
    this.answers.push(r);
    return r;
  }

  /** POST /oauth/register with a JSON body; the raw answer. */
  async registerRaw(body: unknown): Promise<Recorded> {
    const res = await fetch(`${this.base}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return this.record('register', res);
  }

  async register(opts: { method?: AuthMethod; redirectUris?: string[]; name?: string } = {}): Promise<Registered> {
    const method = opts.method ?? 'none';
    const redirectUris = opts.redirectUris ?? [loopback()];
    const r = await this.registerRaw({
      client_name: opts.name ?? 'defence tests',
      redirect_uris: redirectUris,
      token_endpoint_auth_method: method,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    if (r.status !== 201) throw new Error(`register answered ${r.status}: ${r.body}`);
    const body = JSON.parse(r.body) as { client_id: string; client_secret?: string };
    return {
      clientId: body.client_id,
      clientSecret: body.client_secret,
      method,
      redirectUri: redirectUris[0] ?? '',
      redirectUris,
    };
  }

  /** The authorize URL a client would open, with PKCE S256 and a state unless `params` overrides (undefined removes). */
  authorizeUrl(
    client: Registered,
    params: Record<string, string | undefined> = {},
    challenge = pkce().challenge,
  ): string {
    const all: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: randomBytes(12).toString('base64url'),
      resource: this.stack.mcpUrl,
      ...params,
    };
    const url = new URL(`${this.base}/oauth/authorize`);
    for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
    return url.toString();
  }

  /** GET /oauth/authorize in `browser` (its cookie kept in the jar); the raw answer. */
  async authorize(browser: Browser, url: string): Promise<Recorded & { setCookie: string[] }> {
    const res = await fetch(url, { redirect: 'manual', headers: cookieHeader(browser, url) });
    const setCookie = res.headers.getSetCookie();
    for (const sc of setCookie) browser.jar.set(new URL(url), sc);
    return { ...(await this.record('authorize', res)), setCookie };
  }

  /**
   * The person's part at Coder: from Coder's authorize URL through sign-in and consent, stopped just
   * before the browser reaches our callback. Returns the callback URL (Coder's code and our state).
   */
  async atCoder(
    browser: Browser,
    coderAuthorizeUrl: string,
    user: { email: string; password: string },
    consent: 'approve' | 'deny' = 'approve',
  ): Promise<string> {
    const landing = await browser.visit(coderAuthorizeUrl, {
      stopAt: (u) => u.origin === this.base && u.pathname === '/oauth/callback',
      credentials: { email: user.email, password: user.password },
      consent,
    });
    if (!landing.stopped)
      throw new Error(
        `the browser stopped at ${landing.url.pathname} (${landing.status}): ${landing.body.slice(0, 300)}`,
      );
    return landing.url.href;
  }

  /** GET /oauth/callback in `browser` (with whatever cookies its jar holds for us); the raw answer. */
  async callback(browser: Browser, url: string): Promise<Recorded> {
    const res = await fetch(url, { redirect: 'manual', headers: cookieHeader(browser, url) });
    for (const sc of res.headers.getSetCookie()) browser.jar.set(new URL(url), sc);
    return this.record('callback', res);
  }

  /** A whole sign-in in one browser; returns our code (from the redirect to the client) and the PKCE verifier. */
  async signIn(
    client: Registered,
    user: { email: string; password: string },
    browser = new Browser(),
    params: Record<string, string | undefined> = {},
  ) {
    const { verifier, challenge } = pkce();
    const url = this.authorizeUrl(client, params, challenge);
    const state = new URL(url).searchParams.get('state');
    const started = await this.authorize(browser, url);
    if (started.status !== 302 || !started.location)
      throw new Error(`authorize answered ${started.status}: ${started.body}`);
    const back = await this.callback(browser, await this.atCoder(browser, started.location, user));
    if (back.status !== 302 || !back.location)
      throw new Error(`callback answered ${back.status}: ${back.body.slice(0, 300)}`);
    const landed = new URL(back.location);
    const code = landed.searchParams.get('code');
    if (!code)
      throw new Error(`no code: ${landed.searchParams.get('error')}: ${landed.searchParams.get('error_description')}`);
    return { code, verifier, state, landed, browser };
  }

  /** POST /oauth/token with the client's own authentication (Basic, post or none) unless `auth` says otherwise. */
  async token(
    client: Registered | undefined,
    form: Record<string, string>,
    auth?: { basic?: string; headers?: Record<string, string>; body?: string },
  ): Promise<Recorded & { json: Record<string, unknown>; headers: Headers }> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...auth?.headers };
    const fields = { ...form };
    if (client && !auth) Object.assign(headers, clientAuth(client, fields));
    if (auth?.basic !== undefined) headers.authorization = `Basic ${auth.basic}`;
    const res = await fetch(`${this.base}/oauth/token`, {
      method: 'POST',
      headers,
      body: auth?.body ?? new URLSearchParams(fields).toString(),
    });
    const h = res.headers;
    const r = await this.record('token', res);
    return { ...r, json: parseJson(r.body), headers: h };
  }

  redeem(client: Registered, code: string, verifier: string, extra: Record<string, string> = {}) {
    return this.token(client, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: client.redirectUri,
      ...extra,
    });
  }

  refresh(client: Registered, refreshToken: string, extra: Record<string, string> = {}) {
    return this.token(client, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });
  }

  async revoke(
    client: Registered,
    token: string,
    extra: Record<string, string> = {},
  ): Promise<Recorded & { headers: Headers }> {
    const fields: Record<string, string> = { token, ...extra };
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      ...clientAuth(client, fields),
    };
    const res = await fetch(`${this.base}/oauth/revoke`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(fields).toString(),
    });
    const h = res.headers;
    return { ...(await this.record('revoke', res)), headers: h };
  }

  /** Register, sign in, redeem: a client holding our access and refresh tokens. */
  async tokensFor(user: { email: string; password: string }, opts: { method?: AuthMethod; client?: Registered } = {}) {
    const client = opts.client ?? (await this.register({ method: opts.method }));
    const { code, verifier } = await this.signIn(client, user);
    const res = await this.redeem(client, code, verifier);
    if (res.status !== 200) throw new Error(`token answered ${res.status}: ${res.body}`);
    return { client, access: String(res.json.access_token), refresh: String(res.json.refresh_token), json: res.json };
  }
}

/** The client's authentication for a token or revocation request: a header to add, or fields put into `fields`. */
export function clientAuth(client: Registered, fields: Record<string, string>): Record<string, string> {
  if (client.method === 'client_secret_basic') {
    return {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret ?? ''}`).toString('base64')}`,
    };
  }
  fields.client_id = client.clientId;
  if (client.method === 'client_secret_post' && client.clientSecret) fields.client_secret = client.clientSecret;
  return {};
}

function cookieHeader(browser: Browser, url: string): Record<string, string> {
  const cookie = browser.jar.header(new URL(url));
  return cookie ? { cookie } : {};
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A tool call as a client sends it after initialize (stateless: no session to carry). */
export function toolCallBody(name: string, args: Record<string, unknown> = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name, arguments: args } });
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
