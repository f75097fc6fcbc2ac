/**
 * One dial of coderd's reconnecting-PTY endpoint: the URL (the short stub as its command, so the
 * request line stays far below what proxies accept), the WebSocket upgrade, and a refused upgrade
 * turned into a TunnelDialError that says who refused and why. The `ws` package is loaded here, on
 * the first dial, not when the module is imported.
 */
import type WebSocket from 'ws';
import { DeadlineError } from '../errors';
import { TunnelDialError } from './errors';
import { dialCommand } from './protocol';
import { loadWebSocket } from './websocket';

export interface ChannelTarget {
  coderUrl: string;
  token: string;
  agentId: string;
}

/** What the channel hears from a socket; wired before the upgrade completes, so nothing said in the same tick is lost. */
export interface SocketListeners {
  open(ws: WebSocket): void;
  data(ws: WebSocket, data: Buffer): void;
  close(ws: WebSocket, code: number, reason: string): void;
}

/** The PTY endpoint as a channel dials it: the stub as command, so the request line stays short. */
export function dialUrl(target: ChannelTarget, reconnectId: string, nonce: string): URL {
  const url = new URL(
    `api/v2/workspaceagents/${target.agentId}/pty`,
    target.coderUrl.endsWith('/') ? target.coderUrl : `${target.coderUrl}/`,
  );
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

/** Opens the WebSocket with the caller's token; rejects with a TunnelDialError (refused, unreachable) or a DeadlineError. */
export async function openSocket(
  url: URL,
  token: string,
  signal: AbortSignal,
  on: SocketListeners,
): Promise<WebSocket> {
  const WebSocketClass = await loadWebSocket();
  if (signal.aborted)
    throw new DeadlineError('the workspace terminal could not be reached before the deadline', {
      cause: signal.reason,
    });
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocketClass(url, { headers: { 'Coder-Session-Token': token }, perMessageDeflate: false });
    const onAbort = () => {
      ws.terminate();
      reject(
        new DeadlineError('the workspace terminal could not be reached before the deadline', { cause: signal.reason }),
      );
    };
    signal.addEventListener('abort', onAbort, { once: true });
    ws.once('open', () => {
      signal.removeEventListener('abort', onAbort);
      // Taken at once: the replayed history may come in the same tick as the upgrade, before an await resumes.
      on.open(ws);
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
      reject(
        new TunnelDialError(`cannot open the workspace terminal: ${err.message}`, undefined, undefined, { cause: err }),
      );
    });
    ws.on('message', (data: Buffer) => on.data(ws, data));
    ws.on('close', (code, reason) => on.close(ws, code, reason.toString()));
  });
}

function dialFailure(status: number, body: string): TunnelDialError {
  // A proxy in front of coderd answers with an HTML page: its title says it all (e.g. "414 Request-URI Too Large").
  let message = body.match(/<title>([^<]{1,200})<\/title>/i)?.[1] ?? body.slice(0, 300);
  let coderMessage: string | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string')
      message = coderMessage = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  return new TunnelDialError(
    `cannot open the workspace terminal: coderd answered ${status}: ${message}`,
    status,
    coderMessage,
  );
}
