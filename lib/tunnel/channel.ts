/**
 * One agent channel: a WebSocket to coderd's reconnecting-PTY endpoint, the PTY session behind it
 * and the `sh` loop running in that session. Requests go one at a time; a request that may have
 * reached the agent is never sent twice.
 *
 * Attaching (dial.ts opens the socket, always with this channel's reconnect id):
 *   the stub runs the loop kept on the workspace under its hash, or asks for it (a load line: we send
 *   the loop) ──► ready line: a new session. Or the ping sent on every attach is answered by the loop
 *   we know: the same session. Socket lost, network fault or 5xx: back off and dial again. 4xx,
 *   missing tool, damaged loop: fail.
 *
 * One request, exactly once (`call`):
 *
 *            send                    answer
 *   call ──────────► SENT ──────────────────────────────► done
 *    (not open:        │  socket lost        ▲       ▲
 *     attach first)    ▼                     │       │ kept answer sent again
 *                  REATTACH ──same session──► FETCH ─┘
 *                      │                     │ "never saw it": send the request ──► SENT
 *                      ▼
 *   new session, refused, deadline passed: OUTCOME UNKNOWN (an error; never re-run)
 *
 * Any socket lost in REATTACH or FETCH goes back to REATTACH, for as long as the deadline allows.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { DeadlineError } from '../errors';
import { traced } from '../tracing';
import { backoffMs } from './backoff';
import { systemClock, type Clock } from './clock';
import { dialUrl, openSocket, type ChannelTarget } from './dial';
import { ChannelBrokenError, AgentToolMissingError, OutcomeUnknownError, TunnelDialError } from './errors';
import { logAttached, logAttachFailed, logRecovery, type AttachReason } from './oplog';
import {
  isResponse,
  loopPayload,
  newNonce,
  parseLine,
  requestLine,
  type ControlLine,
  type ResponseLine,
} from './protocol';

export { dialUrl, requestLineBytes, type ChannelTarget } from './dial';

interface Waiter {
  resolve: (line: ResponseLine) => void;
  reject: (err: Error) => void;
}

export type AttachResult = 'same-session' | 'new-session';

/** How long to keep dialling before anything was sent (coderd bounds its own agent dials at 30 s); a recovery has the whole deadline. */
const DIAL_WINDOW_MS = 30_000;

/** `WebSocket.OPEN`, without loading `ws` to read it. */
const OPEN = 1;

export interface ChannelOptions {
  /** Time for idle bookkeeping, dial back-off and the probe's bound; the real clock unless a test injects one. */
  clock?: Clock;
}

export class AgentChannel {
  readonly reconnectId = randomUUID();
  lastUsedAt: number;
  private readonly clock: Clock;
  private ws: WebSocket | undefined;
  /** Nonces of our dial commands whose loop was not seen ready yet: a ready, load or answer line carrying one comes from a session this channel started. */
  private readonly dialled = new Set<string>();
  /** The nonce of the loop known to run in this channel's session: its answers are ours, whichever socket brings them. */
  private loop: string | undefined;
  private pending = '';
  /** A stub behind the current socket waits for the loop under this nonce; it is sent once the data that asked is read. */
  private loadWanted: string | undefined;
  private readonly waiters = new Map<string, Waiter>();
  private readonly idPrefix = randomBytes(3).toString('hex');
  private seq = 0;
  private control: ((line: ControlLine) => void) | undefined;
  private closed = false;
  private lastClose = '';

  constructor(
    private readonly target: ChannelTarget,
    options: ChannelOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.lastUsedAt = this.clock.now();
  }

  /** For logs and metrics: the agent this channel reaches (never its token). */
  get agentId(): string {
    return this.target.agentId;
  }

  /** Opens the socket and starts the loop in a new PTY session. */
  async open(signal: AbortSignal): Promise<void> {
    const result = await this.attach(signal, DIAL_WINDOW_MS, 'dial');
    if (result !== 'new-session')
      throw new TunnelDialError('the agent attached to an old session where a new one was asked for');
  }

  get isOpen(): boolean {
    return !this.closed && this.ws?.readyState === OPEN;
  }

  /** Runs one operation exactly once and returns its response line. `payload` (base64) follows the request line, for large writes. */
  async call(op: string, fields: (string | number)[], signal: AbortSignal, payload = ''): Promise<ResponseLine> {
    if (this.closed) throw new ChannelBrokenError('the channel is closed');
    // Never sent yet, so re-attaching first and then sending is always safe.
    if (!this.isOpen) await this.attach(signal, DIAL_WINDOW_MS, 'reattach');
    const id = this.nextId();
    const request = requestLine(id, op, fields) + (payload ? `${payload}\n` : '');
    try {
      return await this.exactlyOnce(id, op, request, signal);
    } finally {
      this.lastUsedAt = this.clock.now();
    }
  }

  /** A ping with a short deadline: proves the socket and the loop answer (after a freeze the socket may be half-open). */
  async probe(timeoutMs: number): Promise<boolean> {
    if (!this.isOpen) return false;
    const id = this.nextId();
    try {
      const pong = this.answerTo(id, this.clock.timeout(timeoutMs));
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
    return this.attach(signal, DIAL_WINDOW_MS, 'reattach');
  }

  /** Closes the channel; a live loop is told to exit so the agent does not keep an orphaned shell for minutes. */
  close(): void {
    this.closed = true;
    const ws = this.ws;
    if (ws && ws.readyState === OPEN) {
      this.ws = undefined;
      ws.removeAllListeners('close');
      ws.send(Buffer.from(JSON.stringify({ data: requestLine(this.nextId(), 'bye', []) })), { binary: true }, () =>
        ws.close(1000),
      );
    } else {
      this.dropSocket();
    }
    for (const w of this.waiters.values()) w.reject(new ChannelBrokenError('the channel was closed'));
    this.waiters.clear();
  }

  /** The state machine of the module header: SENT until the answer comes; each lost socket on the way goes through REATTACH and FETCH. */
  private async exactlyOnce(id: string, op: string, request: string, signal: AbortSignal): Promise<ResponseLine> {
    let answer = this.answerTo(id, signal);
    this.send(request);
    let state: 'sent' | 'reattach' | 'fetch' = 'sent';
    let recoveryStartedAt: number | undefined;
    for (;;) {
      try {
        switch (state) {
          case 'sent': {
            const line = await answer;
            if (recoveryStartedAt !== undefined)
              logRecovery(this.agentId, op, 'answered', this.clock.now() - recoveryStartedAt);
            return line;
          }
          case 'reattach':
            ({ answer } = await this.reattachFor(id, op, signal));
            state = 'fetch';
            break;
          case 'fetch':
            await this.fetchOrResend(id, request, answer, signal);
            state = 'sent';
            break;
        }
      } catch (err) {
        if (!(err instanceof SocketLostError)) {
          this.waiters.delete(id);
          if (recoveryStartedAt !== undefined)
            logRecovery(
              this.agentId,
              op,
              err instanceof Error ? err.name : 'failed',
              this.clock.now() - recoveryStartedAt,
            );
          throw err;
        }
        recoveryStartedAt ??= this.clock.now();
        state = 'reattach';
      }
    }
  }

  /**
   * REATTACH: the socket dropped while request `id` was out. Attaches again (as long as the deadline allows) and
   * returns the wait for its answer; only the same session can still give it.
   */
  private async reattachFor(id: string, op: string, signal: AbortSignal): Promise<{ answer: Promise<ResponseLine> }> {
    // Waiting from before the attach, so an answer in the replayed history is caught; a failed dial attempt on the way rejects it, and it is renewed.
    let answer = this.answerTo(id, signal);
    let lost = false;
    answer.catch((err: unknown) => (lost ||= err instanceof SocketLostError));
    let attached: AttachResult;
    try {
      attached = await this.attach(signal, Infinity, 'recovery');
    } catch (err) {
      // The request may have run: a failure here must not look like "never sent", or a caller could retry it.
      if (err instanceof TunnelDialError || err instanceof DeadlineError) {
        throw new OutcomeUnknownError(
          `the workspace terminal could not be re-attached while "${op}" was running (${err.message}), so whether it completed is unknown`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    if (attached === 'new-session') {
      throw new OutcomeUnknownError(
        `the workspace terminal session ended while "${op}" was running, so whether it completed is unknown; check its effect before retrying`,
      );
    }
    if (lost) answer = this.answerTo(id, signal);
    return { answer };
  }

  /**
   * FETCH: asks the loop for its kept answer to `id`. The loop sends it again (it reaches `answer`), or says it
   * never saw the request: it never arrived, so sending it now is safe. Either way SENT follows.
   */
  private async fetchOrResend(
    id: string,
    request: string,
    answer: Promise<ResponseLine>,
    signal: AbortSignal,
  ): Promise<void> {
    const fetchId = this.nextId();
    const fetched = this.answerTo(fetchId, signal);
    // A leading newline ends any partial line; the loop ignores empty lines.
    this.send(`\n${requestLine(fetchId, 'fetch', [id])}`);
    const first = await Promise.race([answer.then(() => 'answered' as const), fetched]);
    this.waiters.delete(fetchId);
    if (first !== 'answered' && first.fields[0] === '0') this.send(request);
  }

  /**
   * Attaches, trying again with back-off while the failure is one a new dial can cure (socket lost,
   * network, 5xx) and `windowMs` and the deadline allow. Always with the same reconnect id, so a
   * session the agent still holds is found again.
   */
  private async attach(signal: AbortSignal, windowMs: number, reason: AttachReason): Promise<AttachResult> {
    const started = this.clock.now();
    for (let attempt = 0; ; attempt++) {
      try {
        // One X-Ray subsegment per attempt (when tracing is on): the agent id, the attempt and which session answered.
        const session = await traced('tunnel dial', () => this.attachOnce(signal), {
          annotations: { agent_id: this.agentId, attempt },
          outcome: (s) => s,
        });
        logAttached(reason, this.agentId, session, attempt + 1, this.clock.now() - started);
        return session;
      } catch (err) {
        this.dropSocket();
        const spent = this.clock.now() - started;
        if (!(err instanceof TunnelDialError) || !err.retryable) {
          logAttachFailed(reason, this.agentId, err, attempt + 1, spent);
          throw err;
        }
        const wait = backoffMs(attempt);
        if (spent + wait > windowMs) {
          logAttachFailed(reason, this.agentId, err, attempt + 1, spent);
          throw new TunnelDialError(
            `${err.message}; gave up after ${attempt + 1} attempts in ${spent} ms`,
            err.status,
            err.coderMessage,
            { cause: err },
          );
        }
        try {
          await this.clock.sleep(wait, signal);
        } catch (aborted) {
          logAttachFailed(reason, this.agentId, aborted, attempt + 1, this.clock.now() - started);
          throw new DeadlineError(
            `the workspace terminal could not be reached before the deadline (${attempt + 1} attempts; last: ${err.message})`,
            { cause: err },
          );
        }
      }
    }
  }

  /** Dials the PTY endpoint with the same reconnect id and a fresh nonce, and tells which session answered. */
  private async attachOnce(signal: AbortSignal): Promise<AttachResult> {
    // A socket that is closing but not closed yet (its close event still to come) goes now, so its late data is never read.
    this.dropSocket();
    const nonce = newNonce();
    this.dialled.add(nonce);
    await openSocket(dialUrl(this.target, this.reconnectId, nonce), this.target.token, signal, {
      open: (ws) => {
        // Nothing of an earlier socket's stream carries over: half a line from it joined to this one's first
        // bytes would read as an answer that is not one.
        this.ws = ws;
        this.pending = '';
        this.loadWanted = undefined;
      },
      data: (ws, data) => this.onData(ws, data),
      close: (ws, code, reason) => this.onClose(ws, code, reason),
    });
    return this.whichSession(signal);
  }

  /** After the upgrade: the ready line of a loop of ours (a new session), or an answer to a ping from the loop we know (the same one). */
  private whichSession(signal: AbortSignal): Promise<AttachResult> {
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
      const onAbort = () =>
        finish(() =>
          reject(
            new DeadlineError('the workspace terminal did not start before the deadline', { cause: signal.reason }),
          ),
        );
      signal.addEventListener('abort', onAbort, { once: true });
      this.control = (line) => {
        if (line.kind === 'missing') {
          finish(() =>
            reject(
              new AgentToolMissingError(
                `the workspace lacks the "${line.tool}" command, which coder-mcp-lambda needs on the agent`,
              ),
            ),
          );
        } else if (line.kind === 'badload') {
          finish(() =>
            reject(
              new ChannelBrokenError(
                'the agent loop arrived damaged on the workspace (its SHA-256 did not match): something between this server and the agent alters terminal data',
              ),
            ),
          );
        } else if (line.kind === 'ready' && this.dialled.has(line.nonce)) {
          // A loop of ours that was never ready before: this dial's, or that of an earlier dial whose socket was lost while it started.
          this.loopStarted(line.nonce);
          finish(() => resolve('new-session'));
        }
      };
      this.waiters.set(probeId, {
        // Only answers from the loop known to run reach a waiter: it is alive behind this socket.
        resolve: () => finish(() => resolve('same-session')),
        reject: (err) =>
          finish(() =>
            reject(
              err instanceof SocketLostError
                ? new TunnelDialError(
                    `coderd closed the workspace terminal while attaching (${this.lastClose})`,
                    undefined,
                    undefined,
                    { cause: err },
                  )
                : err,
            ),
          ),
      });
      this.send(`\n${requestLine(probeId, 'ping', [])}`);
      if (signal.aborted) onAbort();
    });
  }

  /** One PTY session runs one loop: once a loop of ours is ready, no other nonce can ever answer again. */
  private loopStarted(nonce: string): void {
    this.loop = nonce;
    this.dialled.clear();
  }

  private nextId(): string {
    this.seq += 1;
    return `${this.idPrefix}${this.seq}`;
  }

  /** Waits for the response to `id`. The returned promise is marked handled: a loss before anyone awaits it must not crash the process. */
  private answerTo(id: string, signal: AbortSignal): Promise<ResponseLine> {
    const p = new Promise<ResponseLine>((resolve, reject) => {
      const onAbort = () => {
        this.waiters.delete(id);
        reject(new DeadlineError('the workspace did not answer before the deadline', { cause: signal.reason }));
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
    if (!ws || ws.readyState !== OPEN) {
      this.failWaiters();
      return;
    }
    // coderd's agent reads a stream of JSON objects from binary frames; a text frame breaks the connection.
    ws.send(Buffer.from(JSON.stringify({ data: line })), { binary: true });
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
      if (!this.dialled.has(line.nonce)) return;
      if (line.kind === 'load') this.loadWanted = line.nonce;
      if (line.kind === 'ready' && line.nonce === this.loadWanted) this.loadWanted = undefined;
      this.control?.(line);
      return;
    }
    // An answer from a loop of ours that was never seen ready (its ready line lost with a socket): it is running, so it is ready.
    if (this.dialled.has(line.nonce)) this.control?.({ kind: 'ready', nonce: line.nonce });
    if (line.nonce !== this.loop) return;
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
