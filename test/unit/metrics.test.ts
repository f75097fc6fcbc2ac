/**
 * The EMF that Powertools Metrics writes inside Lambda: every tool metric under a dimension set with
 * `tool`, tunnel events and the cold start, and no plain-text warning on invocations without metrics.
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
    doc._aws.CloudWatchMetrics.filter((d) => d.Metrics.some((m) => m.Name === name)).map((d) => ({ doc, dimensions: d.Dimensions, namespace: d.Namespace })),
  );
}

it('publishes ToolCalls, ToolErrors and ToolLatency by tool, tunnel events and ColdStart, and no empty-metrics warning', () => {
  const saved = { ...process.env };
  // As the Lambda runtime sets them (Powertools counts cold starts only for on-demand initialisation).
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'coder-mcp-test';
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  const output = captureOutput();
  try {
    // A fresh module: it decides at load time whether it runs in Lambda.
    jest.isolateModules(() => {
      const metrics: typeof MetricsModule = require('../../lib/metrics');
      metrics.recordInvocation();
      metrics.recordToolCall('coder_workspace_bash', 'error', 42);
      metrics.recordTunnelEvent('dial');
      metrics.recordTunnelEvent('reuse');
      metrics.flushMetrics();
      // A second, warm invocation that records nothing.
      metrics.recordInvocation();
      metrics.flushMetrics();
    });
  } finally {
    output.restore();
    process.env = saved;
  }

  const docs = emfDocuments(output.stdout);
  for (const [name, value] of [['ToolCalls', 1], ['ToolErrors', 1], ['ToolLatency', 42]] as const) {
    const found = published(docs, name);
    expect(found).toHaveLength(1);
    expect(found[0]?.namespace).toBe('CoderMcp');
    expect(found[0]?.dimensions.every((set) => set.includes('tool'))).toBe(true);
    expect(found[0]?.doc).toMatchObject({ tool: 'coder_workspace_bash', [name]: value });
  }
  expect(published(docs, 'TunnelDials')).toHaveLength(1);
  expect(published(docs, 'TunnelReuses')).toHaveLength(1);
  expect(published(docs, 'ColdStart')).toHaveLength(1);
  expect(output.all.join('')).not.toMatch(/No application metrics to publish/);
});
