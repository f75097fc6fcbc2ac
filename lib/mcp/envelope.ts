/**
 * The body of `POST /mcp`, read and checked before the SDK transport sees it, so that a client's
 * mistake gets the JSON-RPC error that names it (spec: JSON-RPC 2.0 §5.1) instead of the transport's
 * catch-all: bytes that are not UTF-8 or not JSON are a parse error (-32700); a message that is not a
 * JSON-RPC request, notification or response is an invalid request (-32600) with one sentence naming
 * the member at fault. What passes is handed to the transport as its `parsedBody`, so the SDK still
 * does everything else (batches, initialize, versions, routing) exactly as before.
 */
import { isSpecType } from '@modelcontextprotocol/server';
import { rpcError } from '../http/respond';

export type Screened = { ok: true; body: unknown } | { ok: false; response: Response };

/** JSON-RPC error codes (JSON-RPC 2.0 §5.1). */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;

/** Reads at most `maxBytes`, decodes strictly as UTF-8, parses JSON and checks every message's envelope. */
export async function screenBody(request: Request, maxBytes: number): Promise<Screened> {
  const bytes = await readBounded(request, maxBytes);
  if (bytes === 'too-large') return refuse(413, INVALID_REQUEST, tooLargeMessage(maxBytes));
  let text: string;
  try {
    // fatal: a lenient decoder would turn bad bytes into U+FFFD and run the call on text the client never sent.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse(400, PARSE_ERROR, 'Parse error: the request body is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    const why = err instanceof SyntaxError ? ` (${err.message})` : '';
    return refuse(400, PARSE_ERROR, `Parse error: the request body is not valid JSON${why}`);
  }
  const problem = envelopeProblem(body);
  if (problem !== undefined) return refuse(400, INVALID_REQUEST, `Invalid Request: ${problem}`);
  return { ok: true, body };
}

/** The sentence a client gets for a body over the limit; the local server uses it for the gateway's limit too. */
export function tooLargeMessage(maxBytes: number, whose = 'this server'): string {
  return `Request body too large: ${whose} accepts at most ${maxBytes} bytes`;
}

function refuse(status: number, code: number, message: string): Screened {
  return { ok: false, response: rpcError(status, code, message) };
}

async function readBounded(request: Request, maxBytes: number): Promise<Uint8Array | 'too-large'> {
  if (Number(request.headers.get('content-length')) > maxBytes) return 'too-large';
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return 'too-large';
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks);
}

/** What is wrong with the envelope of a message or batch, as a phrase; undefined when the SDK will accept it. */
export function envelopeProblem(body: unknown): string | undefined {
  if (!Array.isArray(body)) return messageProblem(body);
  // JSON-RPC 2.0 §6: an empty array is not a batch but an invalid request.
  if (body.length === 0) return 'an empty batch holds no message';
  for (const [i, message] of body.entries()) {
    const problem = messageProblem(message);
    if (problem !== undefined) return `message ${i + 1} of the batch: ${problem}`;
  }
  return undefined;
}

const REQUEST_MEMBERS = new Set(['jsonrpc', 'id', 'method', 'params']);
const NOTIFICATION_MEMBERS = new Set(['jsonrpc', 'method', 'params']);

function messageProblem(message: unknown): string | undefined {
  if (!isPlainObject(message)) return 'a JSON-RPC message must be a JSON object';
  if (message.jsonrpc !== '2.0') return '"jsonrpc" must be "2.0"';
  if ('method' in message && typeof message.method !== 'string') return '"method" must be a string';
  // MCP forbids a null id, which plain JSON-RPC would allow.
  if ('id' in message && !(typeof message.id === 'string' || Number.isSafeInteger(message.id)))
    return '"id" must be a string or an integer';
  if ('params' in message && !isPlainObject(message.params)) return '"params" must be an object';
  if (!('method' in message) && !('result' in message) && !('error' in message)) {
    return 'a message needs a "method" (a response needs a "result" or an "error")';
  }
  if (isSpecType.JSONRPCMessage(message)) return undefined;
  // The checks above name the usual mistakes; the SDK's own schema stays the judge of the rest.
  if ('method' in message) {
    const allowed = 'id' in message ? REQUEST_MEMBERS : NOTIFICATION_MEMBERS;
    const extra = Object.keys(message).find((k) => !allowed.has(k));
    if (extra !== undefined) return `unexpected member ${JSON.stringify(extra.slice(0, 40))}`;
  }
  return 'the message is neither a request, a notification nor a response (a response needs an "id" and a "result" object or an "error" with a code and a message)';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
