/**
 * One agent channel: a WebSocket to coderd's reconnecting-PTY endpoint, the PTY session behind it
 * and the `sh` loop running in that session. Requests go one at a time. A dropped socket is
 * re-attached with the same reconnect id, so the session and the loop survive; a request that may
 * have reached the agent is never sent twice: its response is taken from the replay or fetched again.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { DeadlineError } from '../errors';
import { ChannelBrokenError, AgentToolMissingError, OutcomeUnknownError, TunnelDialError } from './errors';
import { bootstrapScript, isResponse, newNonce, parseLine, requestLine, type ResponseLine } from './protocol';

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

export class AgentChannel {
  readonly reconnectId = randomUUID();
  /** Counts for the pool's metrics: socket dials and re-attachments to the same session. */
  dials = 0;
  reattaches = 0;
  lastUsedAt = Date.now();
  private ws: WebSocket | undefined;
  private nonce = '';
  private readonly nonces = new Set<string>();
  private pending = '';
  private readonly waiters = new Map<string, Waiter>();
  private readonly idPrefix = randomBytes(3).toString('hex');
  private seq = 0;
  private control: ((line: { kind: 'ready' | 'missing'; nonce: string; tool?: string }) => void) | undefined;
  private closed = false;
  private lastClose = '';

  constructor(private readonly target: ChannelTarget) {}

  /** Opens the socket and starts the loop in a new PTY session. */
  async open(signal: AbortSignal): Promise<void> {
    const result = await this.attach(signal);
    if (result !== 'new-session') throw new TunnelDialError('the agent attached to an old session where a new one was asked for');
  }

  get isOpen(): boolean {
    return !this.closed && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Runs one operation exactly once and returns its response line. `payload` (base64) follows the request line, for large writes. */
  async call(op: string, fields: (string | number)[], signal: AbortSignal, payload = ''): Promise<ResponseLine> {
    if (this.closed) throw new ChannelBrokenError('the channel is closed');
    // Never sent yet, so re-attaching first and then sending is always safe.
    if (!this.isOpen) await this.attach(signal);
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
    return this.attach(signal);
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

  private async withRecovery(id: string, op: string, request: string, response: Promise<ResponseLine>, signal: AbortSignal): Promise<ResponseLine> {
    for (;;) {
      try {
        return await response;
      } catch (err) {
        if (!(err instanceof SocketLostError)) throw err;
      }
      response = this.await(id, signal);
      try {
        await this.recover(id, op, request, response, signal);
      } catch (err) {
        if (err instanceof SocketLostError) continue;
        this.waiters.delete(id);
        throw err;
      }
    }
  }

  /** The socket dropped while request `id` was out: re-attach and find out whether the loop got it. */
  private async recover(id: string, op: string, request: string, response: Promise<ResponseLine>, signal: AbortSignal): Promise<void> {
    const attached = await this.attach(signal).catch((err: unknown) => {
      // The request may have run: a dial failure here must not look like "never sent", or a caller could retry it.
      if (err instanceof TunnelDialError) {
        throw new OutcomeUnknownError(`the workspace terminal could not be re-attached while "${op}" was running (${err.message}), so whether it completed is unknown`);
      }
      throw err;
    });
    if (attached === 'new-session') {
      throw new OutcomeUnknownError(
        `the workspace terminal session ended while "${op}" was running, so whether it completed is unknown; check its effect before retrying`,
      );
    }
    const fetchId = this.nextId();
    const fetched = this.await(fetchId, signal);
    // A leading newline ends any partial line; the loop ignores empty lines.
    this.send(`\n${requestLine(fetchId, 'fetch', [id])}`);
    const answer = await Promise.race([response.then(() => 'done' as const), fetched]);
    this.waiters.delete(fetchId);
    if (answer !== 'done' && answer.fields[0] === '0') {
      // The loop answered the fetch without having seen the request: it never arrived, so sending it now is safe.
      this.send(request);
    }
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

  /** Dials the PTY endpoint with the same reconnect id and a fresh nonce, and tells which session answered. */
  private async attach(signal: AbortSignal): Promise<AttachResult> {
    const nonce = newNonce();
    const ws = await this.dial(nonce, signal);
    this.ws = ws;
    this.dials += 1;
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
        if (line.nonce !== nonce) return;
        if (line.kind === 'missing') {
          finish(() => reject(new AgentToolMissingError(`the workspace lacks the "${line.tool}" command, which coder-mcp-lambda needs on the agent`)));
          return;
        }
        this.useNonce(nonce);
        finish(() => resolve('new-session'));
      };
      this.waiters.set(probeId, {
        resolve: (line) => {
          // Answered with an older nonce: the old loop is alive behind this socket.
          if (line.nonce !== nonce) {
            this.reattaches += 1;
            finish(() => resolve('same-session'));
          }
        },
        reject: (err) =>
          finish(() =>
            reject(err instanceof SocketLostError ? new TunnelDialError(`coderd closed the workspace terminal while attaching (${this.lastClose})`) : err),
          ),
      });
      this.send(`\n${requestLine(probeId, 'ping', [])}`);
      if (signal.aborted) onAbort();
    });
  }

  private useNonce(nonce: string): void {
    this.nonce = nonce;
    this.nonces.add(nonce);
  }

  private dial(nonce: string, signal: AbortSignal): Promise<WebSocket> {
    const url = new URL(`api/v2/workspaceagents/${this.target.agentId}/pty`, this.target.coderUrl.endsWith('/') ? this.target.coderUrl : `${this.target.coderUrl}/`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('reconnect', this.reconnectId);
    url.searchParams.set('width', '512');
    url.searchParams.set('height', '64');
    url.searchParams.set('backend_type', 'buffered');
    url.searchParams.set('command', bootstrapScript(nonce));
    return new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { 'Coder-Session-Token': this.target.token }, perMessageDeflate: false });
      const onAbort = () => {
        ws.terminate();
        reject(new DeadlineError('the workspace terminal could not be reached before the deadline'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ws.once('open', () => {
        signal.removeEventListener('abort', onAbort);
        resolve(ws);
      });
      ws.once('unexpected-response', (_req, res) => {
        signal.removeEventListener('abort', onAbort);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(new TunnelDialError(dialFailure(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')))));
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
  }

  private dispatch(line: NonNullable<ReturnType<typeof parseLine>>): void {
    if (!isResponse(line)) {
      this.control?.(line);
      return;
    }
    if (!this.nonces.has(line.nonce)) return;
    this.waiters.get(line.id)?.resolve(line);
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.pending = '';
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
    ws?.removeAllListeners('close');
    ws?.terminate();
  }
}

/** Internal: the socket went away while a request was out; recovery decides what it means. */
class SocketLostError extends Error {}

function dialFailure(status: number, body: string): string {
  let message = body.slice(0, 300);
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  return `cannot open the workspace terminal: coderd answered ${status}: ${message}`;
}
