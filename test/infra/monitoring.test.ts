/**
 * What the stack adds for operating it, each checked against what it depends on: the dashboard's
 * metrics against the EMF lib/metrics.ts really writes (namespace, metric names, exact dimension
 * sets), the tool-error-rate alarm, X-Ray on and off, the account-wide API Gateway CloudWatch role
 * as a setting, cdk-nag refusing a method added later without authorisation, and cdk.json pinning
 * every feature flag aws-cdk-lib recommends.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { Match } from 'aws-cdk-lib/assertions';
import type * as MetricsModule from '../../lib/metrics';
import { captureOutput } from '../helpers/capture-output';
import { cdkJsonContext, synth } from './synth';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:coder-mcp-alarms';

/** The files of the function's asset (the stack's one asset directory that holds the handler's bundle, index.js). */
function assetFiles(assembly: string): string[] {
  const dirs = readdirSync(assembly).filter(
    (d) => d.startsWith('asset.') && existsSync(path.join(assembly, d, 'index.js')),
  );
  expect(dirs).toHaveLength(1);
  return readdirSync(path.join(assembly, dirs[0] ?? '')).sort();
}

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string }[];
}

/** The deployed function's environment, as the template gives it. */
function functionEnv(template: ReturnType<typeof synth>['template']): Record<string, string> {
  const [fn] = Object.values(
    template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.streamHandler' } }),
  );
  return (fn?.Properties.Environment.Variables ?? {}) as Record<string, string>;
}

/**
 * Every (namespace, metric, dimension set) the function publishes, with the dimension values, from lib/metrics.ts
 * run as in Lambda with the function's environment from the template (its POWERTOOLS_SERVICE_NAME among it).
 */
function emitted(
  env: Record<string, string>,
): { namespace: string; metric: string; dimensions: Record<string, string> }[] {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'coder-mcp-test';
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  // As deployed: the function's environment leaves metrics on (the test setup turns them off).
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  const output = captureOutput();
  try {
    jest.isolateModules(() => {
      const metrics: typeof MetricsModule = require('../../lib/metrics');
      metrics.recordInvocation();
      metrics.recordToolCall('coder_list_workspaces', 'ok', 5);
      for (const event of ['dial', 'reuse', 'reattach', 'eviction', 'queue_wait'] as const)
        metrics.recordTunnelEvent(event);
      metrics.flushMetrics();
    });
  } finally {
    output.restore();
    process.env = saved;
  }
  const docs = output.stdout
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { _aws: { CloudWatchMetrics: EmfDirective[] } } & Record<string, unknown>);
  return docs.flatMap((doc) =>
    doc._aws.CloudWatchMetrics.flatMap((d) =>
      d.Dimensions.flatMap((set) =>
        d.Metrics.map((m) => ({
          namespace: d.Namespace,
          metric: m.Name,
          dimensions: Object.fromEntries(set.map((k) => [k, String(doc[k])])),
        })),
      ),
    ),
  );
}

/** The dashboard body as JSON, tokens (region, ids) replaced by placeholders. */
function dashboardBody(template: ReturnType<typeof synth>['template']): {
  widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
} {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body: unknown = dashboard?.Properties.DashboardBody;
  const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
}

describe('default deployment', () => {
  const out = synth({ coderUrl: 'https://coder.example.com' });
  afterAll(() => out.cleanup());
  const body = dashboardBody(out.template);
  const widgets = body.widgets.map((w) => w.properties);
  const graph = (title: string) => widgets.find((w) => w.title === title)?.metrics ?? [];

  it('graphs tool calls, errors and p95 latency by tool with SEARCH on the exact dimension set the function emits', () => {
    const tool = emitted(functionEnv(out.template)).filter((e) => e.metric.startsWith('Tool'));
    expect(tool.map((e) => e.metric).sort()).toEqual(['ToolCalls', 'ToolErrors', 'ToolLatency']);
    for (const [title, metric, stat] of [
      ['Tool calls by tool (per 5 min)', 'ToolCalls', 'Sum'],
      ['Tool errors by tool (per 5 min)', 'ToolErrors', 'Sum'],
      ['Tool latency p95 by tool (ms)', 'ToolLatency', 'p95'],
    ] as const) {
      const e = tool.find((t) => t.metric === metric);
      const keys = Object.keys(e?.dimensions ?? {}).sort();
      const filters = Object.entries(e?.dimensions ?? {})
        .filter(([k]) => k !== 'tool')
        .map(([k, v]) => ` ${k}="${v}"`)
        .join('');
      const expression = `SEARCH('{${e?.namespace},${keys.join(',')}}${filters} MetricName="${metric}"', '${stat}', 300)`;
      expect([title, graph(title)]).toEqual([title, [[expect.objectContaining({ expression })]]]);
    }
  });

  it('graphs tunnel events and cold starts with exactly the namespace and dimensions the function emits', () => {
    const service = emitted(functionEnv(out.template)).filter((e) => !e.metric.startsWith('Tool'));
    expect(service.map((e) => e.metric).sort()).toEqual([
      'ColdStart',
      'TunnelDials',
      'TunnelEvictions',
      'TunnelQueueWaits',
      'TunnelReattaches',
      'TunnelReuses',
    ]);
    const graphed = [...graph('Tunnel: dials vs reuses'), ...graph('Cold starts')];
    for (const e of service) {
      const line = [e.namespace, e.metric, ...Object.entries(e.dimensions).flat()];
      expect(graphed).toContainEqual([...line, expect.anything()]);
    }
  });

  it('graphs API 4xx/5xx, function duration and concurrency, and shows every alarm', () => {
    const all = JSON.stringify(widgets);
    for (const name of ['4XXError', '5XXError', 'Count', 'Duration', 'ConcurrentExecutions', 'Throttles', 'Errors'])
      expect(all).toContain(`"${name}"`);
    const status = body.widgets.find((w) => w.properties.title === 'Alarms') as unknown as {
      properties: { alarms: string[] };
    };
    expect(status.properties.alarms).toHaveLength(5);
  });

  it('alarms when over 20% of at least 10 tool calls in 5 minutes failed, across every tool the function reports', () => {
    const query = (fn: string, metric: string) =>
      `SELECT ${fn}(${metric}) FROM SCHEMA("CoderMcp", service, tool) WHERE service = 'CoderMcp'`;
    // ToolErrors is 0 or 1 per call (lib/metrics.ts), so its average is the share of calls that failed.
    const rate = out.template.findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        Metrics: [Match.objectLike({ Expression: query('AVG', 'ToolErrors'), Period: 300 })],
        Threshold: 0.2,
        ComparisonOperator: 'GreaterThanThreshold',
      },
    });
    const volume = out.template.findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        Metrics: [Match.objectLike({ Expression: query('SUM', 'ToolCalls'), Period: 300 })],
        Threshold: 10,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
    });
    const [rateId = '', volumeId = ''] = [...Object.keys(rate), ...Object.keys(volume)];
    expect([Object.keys(rate).length, Object.keys(volume).length]).toEqual([1, 1]);
    const [composite] = Object.values(out.template.findResources('AWS::CloudWatch::CompositeAlarm'));
    const rule = JSON.stringify(composite?.Properties.AlarmRule);
    expect(rule).toContain(rateId);
    expect(rule).toContain(volumeId);
    expect(rule).toMatch(/ALARM\(.*\) AND ALARM\(/);
    // The emitted dimension set is the one the query's SCHEMA names.
    const set = emitted(functionEnv(out.template)).find((e) => e.metric === 'ToolErrors')?.dimensions ?? {};
    expect(Object.keys(set).sort()).toEqual(['service', 'tool']);
    expect(set.service).toBe('CoderMcp');
  });

  it("ships no tracer without tracing: the function's asset holds the handler's bundle alone", () => {
    expect(assetFiles(out.directory)).toEqual(['index.js', 'index.js.map']);
  });

  it('leaves X-Ray off: no active tracing, no tracer variables, no X-Ray permission, stage tracing off', () => {
    const [fn] = Object.values(
      out.template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.streamHandler' } }),
    );
    expect(fn?.Properties.TracingConfig).toBeUndefined();
    expect(Object.keys(fn?.Properties.Environment.Variables as object)).not.toEqual(
      expect.arrayContaining(['MCP_TRACING']),
    );
    // The metrics' service, always: the stack's name.
    expect(fn?.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('CoderMcp');
    expect(out.raw).not.toMatch(/xray:/);
    out.template.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: false });
  });

  it("sets API Gateway's account-wide CloudWatch role by default", () => {
    out.template.resourceCountIs('AWS::ApiGateway::Account', 1);
  });
});

describe('tracing on, without the account-wide API Gateway CloudWatch role, and an alarm topic', () => {
  // Another stack name: its metrics, graphs and alarms must be its own.
  const out = synth(
    { coderUrl: 'https://coder.example.com', tracing: 'true', apiGatewayCloudWatchRole: 'false', alarmTopicArn: TOPIC },
    'CoderMcpStaging',
  );
  afterAll(() => out.cleanup());

  it("keeps a second stack's metrics apart: the function, its graphs and its alarm name its own service", () => {
    const emittedHere = emitted(functionEnv(out.template));
    expect(new Set(emittedHere.map((e) => e.dimensions.service))).toEqual(new Set(['CoderMcpStaging']));
    const raw = out.raw;
    expect(raw).toContain("WHERE service = 'CoderMcpStaging'");
    // The dashboard body is JSON inside the template's JSON: its quotes come escaped, however deep.
    expect(raw).toMatch(/SEARCH\('\{CoderMcp,service,tool\} service=\\*"CoderMcpStaging\\*"/);
    expect(raw).not.toMatch(/service = 'CoderMcp'|service=\\*"CoderMcp\\*"/);
  });

  it("ships the tracer's own bundle beside the handler's, and only with tracing on", () => {
    expect(assetFiles(out.directory)).toEqual(expect.arrayContaining(['index.js', 'tracer.js']));
  });

  it('traces the function actively and tells the lib to load its tracer', () => {
    out.template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.streamHandler',
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ MCP_TRACING: 'true', POWERTOOLS_SERVICE_NAME: 'CoderMcpStaging' }) },
    });
    out.template.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
  });

  it('lets the role write traces (X-Ray has no resource-level permissions), acknowledged for cdk-nag with that reason', () => {
    out.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
        ]),
      },
    });
    const acks = out.stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => JSON.stringify(m.data)),
      );
    expect(acks.join()).toMatch(
      /AwsSolutions-IAM5\[Resource::\*\].*X-Ray's xray:PutTraceSegments and xray:PutTelemetryRecords/,
    );
    expect(out.report.pluginReports).toEqual([]);
  });

  it("creates no account-wide API Gateway role, leaving a landing zone's in place", () => {
    out.template.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(
      Object.keys(
        out.template.findResources('AWS::IAM::Role', {
          Properties: {
            AssumeRolePolicyDocument: {
              Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
            },
          },
        }),
      ),
    ).toEqual([]);
  });

  it('notifies the topic from the tool-error-rate alarm', () => {
    out.template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
  });
});

it('fails synth when a method is added later without authorisation: the acknowledgements name the open methods only', () => {
  expect(() =>
    synth(
      {
        coderUrl: 'https://coder.example.com',
        authMode: 'service',
        serviceTokenParameterName: '/coder-mcp/service-token',
      },
      'CoderMcpAdded',
      (stack) => {
        stack.api.root
          .addResource('admin')
          .addMethod(
            'POST',
            new apigw.LambdaIntegration(stack.fn, { responseTransferMode: apigw.ResponseTransferMode.STREAM }),
          );
      },
    ),
  ).toThrow(/admin\/POST\/Resource[\s\S]*AwsSolutions-APIG4/);
});

it('pins every feature flag aws-cdk-lib recommends in cdk.json, so an upgrade changes nothing silently', () => {
  const context = cdkJsonContext();
  const expected: Record<string, unknown> = {
    ...CURRENTLY_RECOMMENDED_FLAGS,
    '@aws-cdk/core:target-partitions': ['aws'],
  };
  expect(context).toEqual(expect.objectContaining(expected));
});
