/**
 * CloudWatch metrics in Embedded Metric Format through Powertools Metrics (namespace `CoderMcp`):
 * tool calls, errors and latency by tool, tunnel events, cold starts. Outside Lambda (local server,
 * tests) nothing is emitted, so stdout stays readable.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PoolEvent } from './tunnel/pool';

const inLambda = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
const metrics = inLambda ? new Metrics({ namespace: 'CoderMcp', serviceName: 'coder-mcp' }) : undefined;
let coldStart = true;

const TUNNEL_METRIC: Record<PoolEvent, string> = {
  dial: 'TunnelDials',
  reuse: 'TunnelReuses',
  reattach: 'TunnelReattaches',
  eviction: 'TunnelEvictions',
  queue_wait: 'TunnelQueueWaits',
};

/** One tool call: count, errors and latency, with the tool as a dimension. Published at once. */
export function recordToolCall(tool: string, outcome: 'ok' | 'error', ms: number): void {
  if (!metrics) return;
  const single = metrics.singleMetric();
  single.addDimension('tool', tool);
  single.addMetric('ToolCalls', MetricUnit.Count, 1);
  single.addMetric('ToolErrors', MetricUnit.Count, outcome === 'error' ? 1 : 0);
  single.addMetric('ToolLatency', MetricUnit.Milliseconds, ms);
}

export function recordTunnelEvent(event: PoolEvent): void {
  metrics?.addMetric(TUNNEL_METRIC[event], MetricUnit.Count, 1);
}

/** Called once per invocation, at its start: counts the container's first one as a cold start. */
export function recordInvocation(): void {
  if (coldStart) metrics?.captureColdStartMetric();
  coldStart = false;
}

/** Writes the invocation's stored metrics; Lambda freezes the container after the handler returns. */
export function flushMetrics(): void {
  metrics?.publishStoredMetrics();
}
