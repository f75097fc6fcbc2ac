/**
 * One agent channel: a WebSocket to coderd's reconnecting-PTY endpoint, the PTY session behind it
 * and the `sh` loop running in that session. Requests go one at a time; a request that may have
 * reached the agent is never sent twice.
 *
 *   attach: dial (a short stub as the command) ──► the stub runs the loop, kept on the workspace under
 *           its hash, or asks for it (load line: we send it) ──► ready line: new session
 *           or: the ping sent on every attach is answered by a loop we already know: same session
 *           socket lost, network fault or 5xx: back off and dial again with the same reconnect id
 *           4xx, missing tool, damaged loop: fail
 *   call:   open? send : attach, then send ──► answer ──► done
 *           socket lost while out ──► recover: attach again (until the deadline)
 *             same session: fetch — the loop sends the kept answer again, or says it never saw the
 *                           request, which is then sent
 *             new session, refused, or deadline passed: outcome unknown (never re-run)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { DeadlineError } from '../errors';
import { traced } from '../tracing';
import { backoffMs, pause } from './backoff';
import { ChannelBrokenError, AgentToolMissingError, OutcomeUnknownError, TunnelDialError } from './errors';
import { dialCommand, isResponse, loopPayload, newNonce, parseLine, requestLine, type ControlLine, type ResponseLine } from './protocol';

export interface ChannelTarget {
  coderUrl: string;
  token: string;
  agentId: string;
}

interface Waiter {
  resolve: (line: ResponseLine) => void;
  reject: (err: Error) => void;
}

type AttachResult = 'same-session' | 'new-session';

/** How long to keep dialling before anything was sent (coderd bounds its own agent dials at 30 s); a recovery has the whole deadline. */
const DIAL_WINDOW_MS = 30_000;

/** The PTY endpoint as this channel dials it: the stub as command, so the request line stays short. */
export function dialUrl(target: ChannelTarget, reconnectId: string, nonce: string): URL {
  const url = new URL(`api/v2/workspaceagents/${target.agentId}/pty`, target.coderUrl.endsWith('/') ? target.coderUrl : `${target.coderUrl}/`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('reconnect', reconnectId);
  url.searchParams.set('width', '512');
  url.searchParams.set('height', '64');
  url.searchParams.set('backend_type', 'buffered');
  url.searchParams.set('command', dialCommand(nonce));
  return url;
}

/** Bytes of the HTTP request line of a dial: what proxies in front of coderd limit (nginx: 8 KB by default). */
export function requestLineBytes(url: URL): number {
  return Buffer.byteLength(`GET ${url.pathname}${url.search} HTTP/1.1\r\n`);
}

export class AgentChannel {
  readonly reconnectId = randomUUID();
  lastUsedAt = Date.now();
  private ws: WebSocket | undefined;
  /** Nonces of our dial commands: a ready or load line carrying one comes from a session this channel started. */
  private readonly issued = new Set<string>();
  /** Nonces whose loop said it was ready: answers carrying one are ours, whichever socket brings them. */
  private readonly ready = new Set<string>();
  private pending = '';
  /** A stub behind the current socket waits for the loop under this nonce; it is sent once the data that asked is read. */
  private loadWanted: string | undefined;
  private readonly waiters = new Map<string, Waiter>();
  private readonly idPrefix = randomBytes(3).toString('hex');
  private seq = 0;
  private control: ((line: ControlLine) => void) | undefined;
  private closed = false;
  private lastClose = '';

  constructor(private readonly target: ChannelTarget) {}

  /** Opens the socket and starts the loop in a new PTY session. */
  async open(signal: AbortSignal): Promise<void> {
    const result = await this.attach(signal, DIAL_WINDOW_MS);
    if (result !== 'new-session') throw new TunnelDialError('the agent attached to an old session where a new one was asked for');
  }

  get isOpen(): boolean {
    return !this.closed && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Runs one operation exactly once and returns its response line. `payload` (base64) follows the request line, for large writes. */
  async call(op: string, fields: (string | number)[], signal: AbortSignal, payload = ''): Promise<ResponseLine> {
    if (this.closed) throw new ChannelBrokenError('the channel is closed');
    // Never sent yet, so re-attaching first and then sending is always safe.
    if (!this.isOpen) await this.attach(signal, DIAL_WINDOW_MS);
    const id = this.nextId();
    const request = requestLine(id, op, fields) + (payload ? `${payload}\n` : '');
    const response = this.await(id, signal);
    this.send(request);
    try {
      return await this.withRecovery(id, op, request, response, signal);
    } finally {
      this.lastUsedAt = Date.now();
    }
  }

  /** A ping with a short deadline: proves the socket and the loop answer (after a freeze the socket may be half-open). */
  async probe(timeoutMs: number): Promise<boolean> {
    if (!this.isOpen) return false;
    const id = this.nextId();
    try {
      const pong = this.await(id, AbortSignal.timeout(timeoutMs));
      this.send(requestLine(id, 'ping', []));
      await pong;
      return true;
    } catch {
      this.dropSocket();
      return false;
    }
  }

  /** Re-attaches after a dropped or dead socket; says whether the old session (and loop) survived. */
  async reattach(signal: AbortSignal): Promise<AttachResult> {
    this.dropSocket();
    return this.attach(signal, DIAL_WINDOW_MS);
  }

  /** Closes the channel; a live loop is told to exit so the agent does not keep an orphaned shell for minutes. */
  close(): void {
    this.closed = true;
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      this.ws = undefined;
      ws.removeAllListeners('close');
      ws.send(Buffer.from(JSON.stringify({ data: requestLine(this.nextId(), 'bye', []) })), { binary: true }, () => ws.close(1000));
    } else {
      this.dropSocket();
    }
    for (const w of this.waiters.values()) w.reject(new ChannelBrokenError('the channel was closed'));
    this.waiters.clear();
  }

  /** Waits for the answer to request `id`; each time the socket is lost on the way, recovers it from the same session. */
  private async withRecovery(id: string, op: string, request: string, first: Promise<ResponseLine>, signal: AbortSignal): Promise<ResponseLine> {
    let response = first;
    for (;;) {
      try {
        return await response;
      } catch (err) {
        if (!(err instanceof SocketLostError)) {
          this.waiters.delete(id);
          throw err;
        }
      }
      response = this.recover(id, op, request, signal);
    }
  }

  /** The socket dropped while request `id` was out: re-attach (as long as the deadline allows) and find out whether the loop got it. */
  private async recover(id: string, op: string, request: string, signal: AbortSignal): Promise<ResponseLine> {
    // Waiting from before the attach, so an answer in the replayed history is caught; a failed dial attempt on the way rejects it, and it is renewed.
    let answer = this.await(id, signal);
    let lost = false;
    answer.catch((err: unknown) => (lost ||= err instanceof SocketLostError));
    const attached = await this.attach(signal, Infinity).catch((err: unknown) => {
      // The request may have run: a failure here must not look like "never sent", or a caller could retry it.
      if (err instanceof TunnelDialError || err instanceof DeadlineError) {
        throw new OutcomeUnknownError(`the workspace terminal could not be re-attached while "${op}" was running (${err.message}), so whether it completed is unknown`, {
          cause: err,
        });
      }
      throw err;
    });
    if (attached === 'new-session') {
      throw new OutcomeUnknownError(
        `the workspace terminal session ended while "${op}" was running, so whether it completed is unknown; check its effect before retrying`,
      );
    }
    if (lost) answer = this.await(id, signal);
    const fetchId = this.nextId();
    const fetched = this.await(fetchId, signal);
    // A leading newline ends any partial line; the loop ignores empty lines.
    this.send(`\n${requestLine(fetchId, 'fetch', [id])}`);
    const first = await Promise.race([answer.then(() => 'done' as const), fetched]);
    this.waiters.delete(fetchId);
    if (first !== 'done' && first.fields[0] === '0') {
      // The loop answered the fetch without having seen the request: it never arrived, so sending it now is safe.
      this.send(request);
    }
    return answer;
  }

  /**
   * Attaches, trying again with back-off while the failure is one a new dial can cure (socket lost,
   * network, 5xx) and `windowMs` and the deadline allow. Always with the same reconnect id, so a
   * session the agent still holds is found again.
   */
  private async attach(signal: AbortSignal, windowMs: number): Promise<AttachResult> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        // One X-Ray subsegment per attempt (when tracing is on): the agent id, the attempt and which session answered.
        return await traced('tunnel dial', () => this.attachOnce(signal), { annotations: { agent_id: this.target.agentId, attempt }, outcome: (session) => session });
      } catch (err) {
        this.dropSocket();
        if (!(err instanceof TunnelDialError) || !err.retryable) throw err;
        const wait = backoffMs(attempt);
        const spent = Date.now() - started;
        if (spent + wait > windowMs) {
          throw new TunnelDialError(`${err.message}; gave up after ${attempt + 1} attempts in ${spent} ms`, err.status, err.coderMessage, { cause: err });
        }
        await pause(wait, signal, `the workspace terminal could not be reached before the deadline (${attempt + 1} attempts; last: ${err.message})`);
      }
    }
  }

  /** Dials the PTY endpoint with the same reconnect id and a fresh nonce, and tells which session answered. */
  private async attachOnce(signal: AbortSignal): Promise<AttachResult> {
    // A socket that is closing but not closed yet (its close event still to come) goes now, so its late data is never read.
    this.dropSocket();
    const nonce = newNonce();
    this.issued.add(nonce);
    await this.dial(nonce, signal);
    const probeId = this.nextId();
    return new Promise<AttachResult>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.control = undefined;
        this.waiters.delete(probeId);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => finish(() => reject(new DeadlineError('the workspace terminal did not start before the deadline')));
      signal.addEventListener('abort', onAbort, { once: true });
      this.control = (line) => {
        if (line.kind === 'missing') {
          finish(() => reject(new AgentToolMissingError(`the workspace lacks the "${line.tool}" command, which coder-mcp-lambda needs on the agent`)));
        } else if (line.kind === 'badload') {
          finish(() => reject(new ChannelBrokenError('the agent loop arrived damaged on the workspace (its SHA-256 did not match): something between this server and the agent alters terminal data')));
        } else if (line.kind === 'ready' && !this.ready.has(line.nonce)) {
          // A loop of ours that was never ready before: this dial's, or that of an earlier dial whose socket was lost while it started.
          this.ready.add(line.nonce);
          finish(() => resolve('new-session'));
        }
      };
      this.waiters.set(probeId, {
        // Only answers from loops known to be ready reach a waiter: the old loop is alive behind this socket.
        resolve: () => finish(() => resolve('same-session')),
        reject: (err) =>
          finish(() =>
            reject(err instanceof SocketLostError ? new TunnelDialError(`coderd closed the workspace terminal while attaching (${this.lastClose})`) : err),
          ),
      });
      this.send(`\n${requestLine(probeId, 'ping', [])}`);
      if (signal.aborted) onAbort();
    });
  }

  private nextId(): string {
    this.seq += 1;
    return `${this.idPrefix}${this.seq}`;
  }

  /** Waits for the response to `id`. The returned promise is marked handled: a loss before anyone awaits it must not crash the process. */
  private await(id: string, signal: AbortSignal): Promise<ResponseLine> {
    const p = new Promise<ResponseLine>((resolve, reject) => {
      const onAbort = () => {
        this.waiters.delete(id);
        reject(new DeadlineError('the workspace did not answer before the deadline'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.set(id, {
        resolve: (line) => {
          signal.removeEventListener('abort', onAbort);
          this.waiters.delete(id);
          resolve(line);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          this.waiters.delete(id);
          reject(err);
        },
      });
    });
    p.catch(() => undefined);
    return p;
  }

  private send(line: string): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      this.failWaiters();
      return;
    }
    // coderd's agent reads a stream of JSON objects from binary frames; a text frame breaks the connection.
    ws.send(Buffer.from(JSON.stringify({ data: line })), { binary: true });
  }

  private dial(nonce: string, signal: AbortSignal): Promise<WebSocket> {
    const url = dialUrl(this.target, this.reconnectId, nonce);
    return new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { 'Coder-Session-Token': this.target.token }, perMessageDeflate: false });
      const onAbort = () => {
        ws.terminate();
        reject(new DeadlineError('the workspace terminal could not be reached before the deadline'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ws.once('open', () => {
        signal.removeEventListener('abort', onAbort);
        // Taken at once: the replayed history may come in the same tick as the upgrade, before an await resumes.
        // Nothing of an earlier socket's stream carries over: half a line from it joined to this one's first
        // bytes would read as an answer that is not one.
        this.ws = ws;
        this.pending = '';
        this.loadWanted = undefined;
        resolve(ws);
      });
      ws.once('unexpected-response', (_req, res) => {
        signal.removeEventListener('abort', onAbort);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(dialFailure(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
      });
      ws.once('error', (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(new TunnelDialError(`cannot open the workspace terminal: ${err.message}`));
      });
      ws.on('message', (data: Buffer) => this.onData(ws, data));
      ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
    });
  }

  private onData(ws: WebSocket, data: Buffer): void {
    if (ws !== this.ws) return;
    this.pending += data.toString('latin1');
    let nl = this.pending.indexOf('\n');
    while (nl !== -1) {
      const line = parseLine(this.pending.slice(0, nl));
      this.pending = this.pending.slice(nl + 1);
      if (line) this.dispatch(line);
      nl = this.pending.indexOf('\n');
    }
    // After the whole chunk: a replay may hold a stub's old load line followed by its loop's ready line.
    const wanted = this.loadWanted;
    this.loadWanted = undefined;
    if (wanted) this.send(`load ${wanted}\n${loopPayload()}\n`);
  }

  private dispatch(line: NonNullable<ReturnType<typeof parseLine>>): void {
    if (!isResponse(line)) {
      if (!this.issued.has(line.nonce)) return;
      if (line.kind === 'load') this.loadWanted = line.nonce;
      if (line.kind === 'ready' && line.nonce === this.loadWanted) this.loadWanted = undefined;
      this.control?.(line);
      return;
    }
    // An answer from a loop of ours that was never seen ready (its ready line lost with a socket): it is running, so it is ready.
    if (this.issued.has(line.nonce) && !this.ready.has(line.nonce)) this.control?.({ kind: 'ready', nonce: line.nonce });
    if (!this.ready.has(line.nonce)) return;
    this.waiters.get(line.id)?.resolve(line);
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.pending = '';
    this.loadWanted = undefined;
    // Whatever the code, a request that was out goes through recovery; only an attach turns this into a dial error.
    this.lastClose = reason ? `${code} ${reason}` : String(code);
    this.failWaiters();
  }

  private failWaiters(): void {
    for (const w of [...this.waiters.values()]) w.reject(new SocketLostError());
  }

  private dropSocket(): void {
    const ws = this.ws;
    this.ws = undefined;
    this.pending = '';
    this.loadWanted = undefined;
    ws?.removeAllListeners('close');
    ws?.terminate();
  }
}

/** Internal: the socket went away while a request was out; recovery decides what it means. */
class SocketLostError extends Error {}

function dialFailure(status: number, body: string): TunnelDialError {
  // A proxy in front of coderd answers with an HTML page: its title says it all (e.g. "414 Request-URI Too Large").
  let message = body.match(/<title>([^<]{1,200})<\/title>/i)?.[1] ?? body.slice(0, 300);
  let coderMessage: string | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') message = coderMessage = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  return new TunnelDialError(`cannot open the workspace terminal: coderd answered ${status}: ${message}`, status, coderMessage);
}
