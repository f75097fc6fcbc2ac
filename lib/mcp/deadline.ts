/**
 * The one deadline a tool call runs under (DESIGN "Deadlines"): the smaller of the tool timeout
 * (coderd caps handlers at 5 minutes), the Lambda's remaining time minus a safety margin, and the
 * API Gateway integration timeout minus the same margin, so a caller always gets an answer instead
 * of a Lambda timeout or a gateway cut.
 */
export interface DeadlineInputs {
  toolTimeoutMs: number;
  /** Remaining invocation time; Infinity outside Lambda. */
  remainingMs: number;
  marginMs: number;
  /** How long the integration in front waits for the answer (MCP_INTEGRATION_TIMEOUT_MS); undefined = no such bound. */
  integrationTimeoutMs?: number | undefined;
}

/** coderd ends every MCP tool handler after 5 minutes; a longer MCP_TOOL_TIMEOUT_MS does not lift that. */
export const CODERD_HANDLER_CAP_MS = 5 * 60_000;

export function callBudgetMs({
  toolTimeoutMs,
  remainingMs,
  marginMs,
  integrationTimeoutMs = Infinity,
}: DeadlineInputs): number {
  return Math.max(
    0,
    Math.min(toolTimeoutMs, CODERD_HANDLER_CAP_MS, remainingMs - marginMs, integrationTimeoutMs - marginMs),
  );
}
