/** The answer to arguments that miss a tool's schema, as coderd gives it since #28702 (coderd/mcp/mcp.go). */
import { z } from 'zod';

/** Exactly two members: the reason (`invalid arguments: ...`) and the tool's input schema to follow. */
const refusalSchema = z.strictObject({ error: z.string(), expectedSchema: z.record(z.string(), z.unknown()) });

export type Refusal = z.output<typeof refusalSchema>;

/** The refusal in an `isError` result's text; throws when the result is not one. */
export function refusal(res: { isError: boolean; text: string }): Refusal {
  if (!res.isError) throw new Error(`expected an invalid-arguments refusal, got a result: ${res.text}`);
  return refusalSchema.parse(JSON.parse(res.text));
}
