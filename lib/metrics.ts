/**
 * CloudWatch metrics in Embedded Metric Format through Powertools Metrics (namespace `CoderMcp`):
 * tool calls, errors and latency by tool, tunnel events and leases, cold starts. Whether anything is
 * written is Powertools' own setting: POWERTOOLS_METRICS_DISABLED=true (or POWERTOOLS_DEV=true) turns
 * it off, as the test setup and the local server do so that stdout stays readable.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { log } from './log';
import type { PoolEvent } from './tunnel/pool';

/**
 * The `service` dimension: the stack sets POWERTOOLS_SERVICE_NAME to its own name, so two stacks in one
 * account and region keep their own graphs and alarms (infra/lib/monitoring.ts reads the same name).
 */
const OPTIONS = { namespace: 'CoderMcp', serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'coder-mcp' };
/** The invocation's metrics without a tool dimension (tunnel events), published at its end; built on first use. */
let invocation: Metrics | undefined;
let coldStart = true;
/** Set when Powertools refused its settings: metrics stay off for the container, and requests are served. */
let refused = false;

const TUNNEL_METRIC: Record<PoolEvent, string> = {
  dial: 'TunnelDials',
  reuse: 'TunnelReuses',
  reattach: 'TunnelReattaches',
  eviction: 'TunnelEvictions',
  queue_wait: 'TunnelQueueWaits',
};

/**
 * A Metrics instance, or undefined when Powertools refuses its environment (POWERTOOLS_METRICS_DISABLED=""
 * throws "must be a boolean"): a metrics setting must never fail the requests themselves, so the reason
 * is logged once and the container goes on without metrics.
 */
function newMetrics(): Metrics | undefined {
  if (refused) return undefined;
  try {
    return new Metrics(OPTIONS);
  } catch (err) {
    refused = true;
    log('error', 'metrics are off: Powertools Metrics refused its settings', {
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

function metrics(): Metrics | undefined {
  invocation ??= newMetrics();
  return invocation;
}

/**
 * One tool call: count, errors and latency, all three with the tool as a dimension, published at once.
 * Its own Metrics instance, not `singleMetric()`: a single metric is flushed (and its dimensions
 * cleared) as soon as its first metric is added, so the other two would go out without `tool`.
 */
export function recordToolCall(tool: string, outcome: 'ok' | 'error', ms: number): void {
  const call = newMetrics();
  if (!call) return;
  call.addDimension('tool', tool);
  call.addMetric('ToolCalls', MetricUnit.Count, 1);
  call.addMetric('ToolErrors', MetricUnit.Count, outcome === 'error' ? 1 : 0);
  call.addMetric('ToolLatency', MetricUnit.Milliseconds, ms);
  call.publishStoredMetrics();
}

export function recordTunnelEvent(event: PoolEvent): void {
  metrics()?.addMetric(TUNNEL_METRIC[event], MetricUnit.Count, 1);
}

/** Leases held in the container's pool when one more is handed out: the maximum statistic shows how busy the pool gets. */
export function recordLeasesInUse(leases: number): void {
  metrics()?.addMetric('TunnelLeasesInUse', MetricUnit.Count, leases);
}

/** Called once per invocation, at its start: counts the container's first one as a cold start. */
export function recordInvocation(): void {
  if (coldStart) metrics()?.captureColdStartMetric();
  coldStart = false;
}

/**
 * Writes the invocation's stored metrics; Lambda freezes the container after the handler returns.
 * Only when there are some: Powertools would otherwise print a plain-text warning on every such invocation.
 */
export function flushMetrics(): void {
  // Disabled, Powertools writes nothing here but still clears what was stored.
  const m = metrics();
  if (m?.hasStoredMetrics()) m.publishStoredMetrics();
}
