/**
 * Writing a Web `Response` to a Node writable as it is produced: its status line material (headers
 * without a length, cookies apart) and its body chunk by chunk with back-pressure. Shared by the
 * deployed streaming entry (Lambda's `HttpResponseStream`) and the local server (`http.ServerResponse`).
 * A reader that goes away cancels the body, which ends the MCP request behind it.
 */
import type { Writable } from 'node:stream';

export interface ResponseHead {
  status: number;
  /** Without `set-cookie` (see `cookies`) and without a length: a streamed body has none up front. */
  headers: Record<string, string>;
  cookies: string[];
}

const NOT_FORWARDED = new Set(['set-cookie', 'content-length', 'transfer-encoding']);

export function headOf(response: Response): ResponseHead {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (!NOT_FORWARDED.has(key)) headers[key] = value;
  });
  return { status: response.status, headers, cookies: response.headers.getSetCookie() };
}

export async function pipeBody(response: Response, out: Writable): Promise<void> {
  const reader = response.body?.getReader();
  const cancel = (reason?: unknown) => reader?.cancel(reason).catch(() => undefined);
  const onClose = () => void cancel();
  out.once('close', onClose);
  try {
    for (;;) {
      const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
      if (chunk.done) break;
      if (!out.write(chunk.value)) await drained(out);
    }
    if (out.destroyed) return;
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(resolve);
    });
  } catch (err) {
    await cancel(err);
    throw err;
  } finally {
    out.off('close', onClose);
  }
}

function drained(out: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('error', done);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('the response stream closed'));
    out.once('drain', onDrain);
    out.once('error', done);
    out.once('close', onClose);
  });
}
