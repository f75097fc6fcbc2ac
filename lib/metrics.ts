/**
 * CloudWatch metrics in Embedded Metric Format through Powertools Metrics (namespace `CoderMcp`):
 * tool calls, errors and latency by tool, tunnel events, cold starts. Outside Lambda (local server,
 * tests) nothing is emitted, so stdout stays readable.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PoolEvent } from './tunnel/pool';

/**
 * The `service` dimension: the stack sets POWERTOOLS_SERVICE_NAME to its own name, so two stacks in one
 * account and region keep their own graphs and alarms (infra/lib/monitoring.ts reads the same name).
 */
const OPTIONS = { namespace: 'CoderMcp', serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'coder-mcp' };
const inLambda = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
/** The invocation's metrics without a tool dimension (tunnel events), published at its end. */
const metrics = inLambda ? new Metrics(OPTIONS) : undefined;
let coldStart = true;

const TUNNEL_METRIC: Record<PoolEvent, string> = {
  dial: 'TunnelDials',
  reuse: 'TunnelReuses',
  reattach: 'TunnelReattaches',
  eviction: 'TunnelEvictions',
  queue_wait: 'TunnelQueueWaits',
};

/**
 * One tool call: count, errors and latency, all three with the tool as a dimension, published at once.
 * Its own Metrics instance, not `singleMetric()`: a single metric is flushed (and its dimensions
 * cleared) as soon as its first metric is added, so the other two would go out without `tool`.
 */
export function recordToolCall(tool: string, outcome: 'ok' | 'error', ms: number): void {
  if (!inLambda) return;
  const call = new Metrics(OPTIONS);
  call.addDimension('tool', tool);
  call.addMetric('ToolCalls', MetricUnit.Count, 1);
  call.addMetric('ToolErrors', MetricUnit.Count, outcome === 'error' ? 1 : 0);
  call.addMetric('ToolLatency', MetricUnit.Milliseconds, ms);
  call.publishStoredMetrics();
}

export function recordTunnelEvent(event: PoolEvent): void {
  metrics?.addMetric(TUNNEL_METRIC[event], MetricUnit.Count, 1);
}

/** Called once per invocation, at its start: counts the container's first one as a cold start. */
export function recordInvocation(): void {
  if (coldStart) metrics?.captureColdStartMetric();
  coldStart = false;
}

/**
 * Writes the invocation's stored metrics; Lambda freezes the container after the handler returns.
 * Only when there are some: Powertools would otherwise print a plain-text warning on every such invocation.
 */
export function flushMetrics(): void {
  if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
}
