/**
 * The EMF that Powertools Metrics writes inside Lambda: every tool metric under a dimension set with
 * `tool`, tunnel events and leases and the cold start, and no plain-text warning on invocations without
 * metrics; and nothing at all with Powertools' own POWERTOOLS_METRICS_DISABLED.
 */
import type * as MetricsModule from '../../lib/metrics';
import { captureOutput } from '../helpers/capture-output';

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

function isEmf(value: unknown): value is Emf {
  return typeof value === 'object' && value !== null && '_aws' in value;
}

function emfDocuments(lines: string[]): Emf[] {
  return lines
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l): unknown => JSON.parse(l))
    .filter(isEmf);
}

/** The documents that carry metric `name`, with the dimension sets it is published under. */
function published(docs: Emf[], name: string) {
  return docs.flatMap((doc) =>
    doc._aws.CloudWatchMetrics.filter((d) => d.Metrics.some((m) => m.Name === name)).map((d) => ({
      doc,
      dimensions: d.Dimensions,
      namespace: d.Namespace,
    })),
  );
}

/** Runs two invocations' worth of metrics in a fresh module, in Lambda's environment plus `env`; returns what was written. */
function twoInvocations(env: Record<string, string | undefined>) {
  const saved = { ...process.env };
  // As the Lambda runtime sets them (Powertools counts cold starts only for on-demand initialisation).
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'coder-mcp-test';
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const output = captureOutput();
  try {
    // A fresh module, with its cold-start state and its Metrics instance yet to be built.
    jest.isolateModules(() => {
      const metrics: typeof MetricsModule = require('../../lib/metrics');
      metrics.recordInvocation();
      metrics.recordToolCall('coder_workspace_bash', 'error', 42);
      metrics.recordTunnelEvent('dial');
      metrics.recordTunnelEvent('reuse');
      metrics.recordLeasesInUse(1);
      metrics.recordLeasesInUse(2);
      metrics.flushMetrics();
      // A second, warm invocation that records nothing.
      metrics.recordInvocation();
      metrics.flushMetrics();
    });
  } finally {
    output.restore();
    process.env = saved;
  }
  return output;
}

it('publishes ToolCalls, ToolErrors and ToolLatency by tool, tunnel events and leases, ColdStart, and no empty-metrics warning', () => {
  // The test setup turns metrics off with Powertools' switch; a deployed function leaves it unset.
  const output = twoInvocations({ POWERTOOLS_METRICS_DISABLED: undefined });
  const docs = emfDocuments(output.stdout);
  for (const [name, value] of [
    ['ToolCalls', 1],
    ['ToolErrors', 1],
    ['ToolLatency', 42],
  ] as const) {
    const found = published(docs, name);
    expect(found).toHaveLength(1);
    expect(found[0]?.namespace).toBe('CoderMcp');
    expect(found[0]?.dimensions.every((set) => set.includes('tool'))).toBe(true);
    expect(found[0]?.doc).toMatchObject({ tool: 'coder_workspace_bash', [name]: value });
  }
  expect(published(docs, 'TunnelDials')).toHaveLength(1);
  expect(published(docs, 'TunnelReuses')).toHaveLength(1);
  expect(published(docs, 'ColdStart')).toHaveLength(1);
  const leases = published(docs, 'TunnelLeasesInUse');
  expect(leases).toHaveLength(1);
  expect(leases[0]?.doc).toMatchObject({ TunnelLeasesInUse: [1, 2] });
  expect(output.all.join('')).not.toMatch(/No application metrics to publish/);
});

it('writes nothing, in Lambda too, when POWERTOOLS_METRICS_DISABLED is true', () => {
  const output = twoInvocations({ POWERTOOLS_METRICS_DISABLED: 'true' });
  expect(emfDocuments(output.stdout)).toEqual([]);
  expect(output.all.join('')).not.toMatch(/No application metrics to publish/);
});

it('goes on without metrics, saying why once, when Powertools refuses its settings (an empty POWERTOOLS_METRICS_DISABLED)', () => {
  const output = twoInvocations({ POWERTOOLS_METRICS_DISABLED: '', LOG_LEVEL: 'ERROR' });
  expect(emfDocuments(output.stdout)).toEqual([]);
  const refusals = output.all.join('').match(/metrics are off: Powertools Metrics refused its settings/g) ?? [];
  expect(refusals).toHaveLength(1);
});
