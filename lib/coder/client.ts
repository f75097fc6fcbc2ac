/**
 * Typed calls to coderd's REST API as one caller. Every request carries the caller's token in
 * `Coder-Session-Token`, is bounded by a timeout and by the tool call's abort signal, and turns
 * coderd's error body into a `CoderApiError`. Connections are kept alive by one agent per process
 * (module scope), so warm Lambda invocations reuse them. node:http rather than fetch: fetch's first
 * use costs ~20 ms of module set-up, which every cold start would pay.
 */
import http from 'node:http';
import https from 'node:https';
import * as z from 'zod';
import type WebSocket from 'ws';
import { traced, type Span } from '../tracing';
import { loadWebSocket } from '../tunnel/websocket';
import {
  CoderApiError,
  CoderBadResponseError,
  CoderTimeoutError,
  CoderUnreachableError,
  tokenRefusal,
  type CoderValidation,
  type TokenRefusal,
} from './errors';

export interface CoderClientOptions {
  /** Deployment URL, e.g. https://coder.example.com (no trailing slash needed). */
  baseUrl: string;
  token: string;
  /** Bound on each REST call in ms. */
  requestTimeoutMs: number;
  /** Aborts every call (the tool call's deadline). */
  signal?: AbortSignal;
  /**
   * Called when coderd refuses the token itself (a 401, or the 403 of an OAuth2 token for another audience),
   * so the HTTP layer can answer 401 and let OAuth clients re-authenticate.
   */
  onUnauthorized?: (refusal: TokenRefusal) => void;
}

/** Query parameters; an array value repeats the parameter (`label=a:1&label=b:2`). */
export type Query = Record<string, string | readonly string[] | undefined>;

export interface RequestOptions<T> {
  query?: Query;
  json?: unknown;
  body?: { data: Uint8Array; contentType: string };
  schema: z.ZodType<T>;
  /** Accept these statuses as success (default: any 2xx). */
  okStatuses?: number[];
}

const coderErrorBody = z.object({
  message: z.string().optional(),
  detail: z.string().optional(),
  validations: z.array(z.object({ field: z.string(), detail: z.string() })).nullish(),
});

const MAX_ERROR_BODY = 2048;

const AGENTS = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** What this client needs of an HTTP answer. */
interface RawResponse {
  status: number;
  contentType: string | undefined;
  text: string;
}

export class CoderClient {
  readonly baseUrl: URL;

  constructor(private readonly opts: CoderClientOptions) {
    this.baseUrl = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
  }

  url(path: string, query?: Query): URL {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (typeof v === 'string') url.searchParams.set(k, v);
      else for (const one of v ?? []) url.searchParams.append(k, one);
    }
    return url;
  }

  /** The same caller, with every call also bounded by `signal` (a wait window shorter than the call). */
  withSignal(signal: AbortSignal): CoderClient {
    return new CoderClient({
      ...this.opts,
      signal: this.opts.signal ? AbortSignal.any([this.opts.signal, signal]) : signal,
    });
  }

  /** Reports a refusal of the token seen outside this client's own calls (e.g. a refused PTY upgrade), as its calls report theirs. */
  reportRefusedToken(refusal: TokenRefusal): void {
    this.opts.onUnauthorized?.(refusal);
  }

  get<T>(path: string, schema: z.ZodType<T>, query?: Query): Promise<T> {
    return this.request('GET', path, { schema, query });
  }

  /** One REST call; with tracing on, one X-Ray subsegment named by method and path (never the query: it may carry names a caller searched for). */
  request<T>(method: string, path: string, opts: RequestOptions<T>): Promise<T> {
    const url = this.url(path, opts.query);
    return traced(`coder ${method} ${url.pathname}`, (span) => this.call(method, url, opts, span), {
      annotations: { http_method: method, coder_path: url.pathname },
    });
  }

  private async call<T>(method: string, url: URL, opts: RequestOptions<T>, span: Span): Promise<T> {
    const headers: Record<string, string> = { 'Coder-Session-Token': this.opts.token, Accept: 'application/json' };
    let body: Uint8Array | string | undefined;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.body) {
      headers['Content-Type'] = opts.body.contentType;
      body = opts.body.data;
    }
    const res = await this.send(method, url, headers, body);
    span.annotate('http_status', res.status);
    const ok = opts.okStatuses ? opts.okStatuses.includes(res.status) : res.status >= 200 && res.status < 300;
    if (!ok) throw this.toApiError(method, url, res);
    return this.parse(method, url, res, opts.schema);
  }

  /**
   * A WebSocket to a coderd endpoint that pushes events until it is closed (the chat watch), carrying the
   * caller's token in the header; its handshake is bounded by the request timeout. The caller owns it
   * and must close it, and must listen for 'error'. Async: the `ws` package is loaded on first use, not at cold start.
   */
  async openWebSocket(path: string, query?: Query): Promise<WebSocket> {
    const url = this.url(path, query);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const WebSocketClass = await loadWebSocket();
    return new WebSocketClass(url, {
      headers: { 'Coder-Session-Token': this.opts.token },
      perMessageDeflate: false,
      handshakeTimeout: this.opts.requestTimeoutMs,
    });
  }

  /** Reads a coderd WebSocket that sends one JSON value per frame until the server closes it; `onItem` sees each as it arrives. */
  readJsonStream<T>(
    path: string,
    query: Record<string, string | undefined>,
    schema: z.ZodType<T>,
    onItem?: (item: T) => void,
  ): Promise<T[]> {
    const url = this.url(path, query);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return traced(`coder GET ${url.pathname}`, () => this.streamJson(url, schema, onItem), {
      annotations: { http_method: 'GET', coder_path: url.pathname },
    });
  }

  private async streamJson<T>(url: URL, schema: z.ZodType<T>, onItem: ((item: T) => void) | undefined): Promise<T[]> {
    const signal = this.opts.signal;
    // Loaded on first use: a cold start that reads no log stream never evaluates `ws`.
    const WebSocketClass = await loadWebSocket();
    return new Promise<T[]>((resolve, reject) => {
      const items: T[] = [];
      const ws = new WebSocketClass(url, {
        headers: { 'Coder-Session-Token': this.opts.token },
        perMessageDeflate: false,
        handshakeTimeout: this.opts.requestTimeoutMs,
      });
      const fail = (err: Error) => {
        signal?.removeEventListener('abort', onAbort);
        ws.terminate();
        reject(err);
      };
      const onAbort = () =>
        fail(new CoderTimeoutError(`GET ${redact(url)}: the call's deadline passed while reading the log stream`));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) return onAbort();
      ws.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          fail(this.apiErrorFromText('GET', url, res.statusCode ?? 0, res.headers['content-type'], text));
        });
      });
      ws.on('message', (data) => {
        const parsed = schema.safeParse(safeJson(data.toString()));
        if (!parsed.success)
          return fail(new CoderBadResponseError(`GET ${redact(url)}: unexpected log message from Coder`));
        items.push(parsed.data);
        onItem?.(parsed.data);
      });
      ws.on('error', (err) => fail(new CoderUnreachableError(`GET ${redact(url)}: ${err.message}`, { cause: err })));
      ws.on('close', (code, reason) => {
        signal?.removeEventListener('abort', onAbort);
        // coderd closes the stream normally when the job is done; anything else means the logs are incomplete.
        if (code === 1000 || code === 1005) resolve(items);
        else
          reject(
            new CoderUnreachableError(
              `GET ${redact(url)}: the log stream closed early (${code} ${reason.toString()})`.trim(),
            ),
          );
      });
    });
  }

  private async send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: Uint8Array | string | undefined,
  ): Promise<RawResponse> {
    const timeout = AbortSignal.timeout(this.opts.requestTimeoutMs);
    const signal = this.opts.signal ? AbortSignal.any([this.opts.signal, timeout]) : timeout;
    try {
      return await exchange(method, url, headers, body, signal);
    } catch (err) {
      if (timeout.aborted) {
        throw new CoderTimeoutError(
          `${method} ${redact(url)}: Coder did not answer within ${this.opts.requestTimeoutMs} ms`,
          { cause: err },
        );
      }
      if (this.opts.signal?.aborted) {
        throw new CoderTimeoutError(`${method} ${redact(url)}: the call's deadline passed before Coder answered`, {
          cause: err,
        });
      }
      throw new CoderUnreachableError(`${method} ${redact(url)}: cannot reach Coder: ${describeNetworkError(err)}`, {
        cause: err,
      });
    }
  }

  private parse<T>(method: string, url: URL, res: RawResponse, schema: z.ZodType<T>): T {
    const text = res.text;
    const parsed = schema.safeParse(text === '' ? undefined : safeJson(text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? ` (${issue.path.join('.') || 'body'}: ${issue.message})` : '';
      throw new CoderBadResponseError(
        `${method} ${redact(url)}: Coder answered ${res.status} with a body this server cannot use${where}`,
      );
    }
    return parsed.data;
  }

  private toApiError(method: string, url: URL, res: RawResponse): CoderApiError {
    return this.apiErrorFromText(method, url, res.status, res.contentType, res.text);
  }

  private apiErrorFromText(
    method: string,
    url: URL,
    status: number,
    contentType: string | undefined,
    text: string,
  ): CoderApiError {
    const parsed = coderErrorBody.safeParse(safeJson(text));
    const json = contentType?.includes('application/json') === true && parsed.success;
    const refusal = tokenRefusal(status, json ? parsed.data.message : undefined);
    if (refusal) this.opts.onUnauthorized?.(refusal);
    if (json) {
      const validations: CoderValidation[] = parsed.data.validations ?? [];
      return new CoderApiError(
        method,
        redact(url),
        status,
        parsed.data.message ?? '',
        parsed.data.detail || undefined,
        validations,
      );
    }
    // codersdk does the same for non-JSON bodies: name the content type, keep the start of the body as the detail.
    const message = `unexpected non-JSON response "${contentType ?? 'none'}"`;
    return new CoderApiError(method, redact(url), status, message, text.slice(0, MAX_ERROR_BODY) || undefined, []);
  }
}

/** One HTTP exchange on the process's keep-alive agent. A reused socket the server had already closed is retried once (Node's documented pattern). */
function exchange(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: Uint8Array | string | undefined,
  signal: AbortSignal,
  retried = false,
): Promise<RawResponse> {
  const lib = url.protocol === 'https:' ? https : http;
  const agent = url.protocol === 'https:' ? AGENTS.https : AGENTS.http;
  return new Promise<RawResponse>((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method,
        headers: { ...headers, ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) },
        agent,
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const type = res.headers['content-type'];
          resolve({
            status: res.statusCode ?? 0,
            contentType: typeof type === 'string' ? type : undefined,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE') && !signal.aborted) {
        exchange(method, url, headers, body, signal, true).then(resolve, reject);
        return;
      }
      reject(err);
    });
    req.end(body);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** URLs carry no token (it travels in a header), but a caller-built query could; drop known token parameters anyway. */
function redact(url: URL): string {
  const copy = new URL(url);
  for (const k of ['coder_session_token', 'access_token'])
    if (copy.searchParams.has(k)) copy.searchParams.set(k, 'REDACTED');
  return copy.toString();
}

function describeNetworkError(err: unknown): string {
  // Socket errors may come wrapped in `cause`; read them by shape, since errors from Node's internals may come from another realm.
  const cause = isErrorLike(err) && isErrorLike(err.cause) ? err.cause : err;
  if (!isErrorLike(cause)) return String(cause);
  const code = typeof cause.code === 'string' ? cause.code : undefined;
  const message = cause.message || (code ?? 'network error');
  return code && !message.includes(code) ? `${code} ${message}` : message;
}

function isErrorLike(v: unknown): v is { message: string; code?: unknown; cause?: unknown } {
  return typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string';
}
