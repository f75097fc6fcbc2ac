/**
 * Tool arguments that are not a JSON object (a string, an array, `null`...), set aside for the tool.
 *
 * coderd's go-sdk hands `arguments` to the tool as raw JSON, and the tool refuses anything but an
 * object as invalid arguments, with its schema (an `isError` result a model can act on). The TS SDK
 * instead validates `tools/call` params itself and would answer with a JSON-RPC error before any tool
 * runs. So params.ts puts `{}` in the request the SDK sees and leaves the real value here, keyed by the
 * request's id, for the tools/call handler to take back. One instance per HTTP request (as the server).
 */
import type { RequestId } from '@modelcontextprotocol/server';

export class HeldArguments {
  private readonly byId = new Map<RequestId, unknown>();

  hold(id: RequestId, value: unknown): void {
    this.byId.set(id, value);
  }

  /** The value held for this request, once; `found: false` when the request's arguments were an object or absent. */
  take(id: RequestId): { found: true; value: unknown } | { found: false } {
    if (!this.byId.has(id)) return { found: false };
    const value = this.byId.get(id);
    this.byId.delete(id);
    return { found: true, value };
  }

  /** Forgets a held value whose request was answered without reaching the handler. */
  drop(id: RequestId): void {
    this.byId.delete(id);
  }
}
