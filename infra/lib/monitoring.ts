/**
 * Alarms and the CloudWatch dashboard. The tool and tunnel graphs read the metrics lib/metrics.ts
 * writes as EMF: namespace `CoderMcp`, dimension `service` = the stack's name (the function's
 * POWERTOOLS_SERVICE_NAME; Powertools adds it to every metric), plus `tool` on ToolCalls, ToolErrors and
 * ToolLatency. CloudWatch matches a metric only
 * with its exact dimension set, so a graph naming a different set stays empty: keep them in step.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Settings } from './settings';

export const METRICS_NAMESPACE = 'CoderMcp';
/** The `service` dimension Powertools puts on every metric: the function's POWERTOOLS_SERVICE_NAME, which the stack sets to its name. */
export function metricsService(stack: Stack): string {
  return stack.stackName;
}
const PERIOD = Duration.minutes(5);
/** The duration alarm's share of the timeout: above any legitimate call (a 5-minute tool call and its answer), below a timeout. */
const DURATION_ALARM_FRACTION = 0.98;
/** Share of tool calls that failed, over 5 minutes, above which the tool-error alarm fires. */
export const TOOL_ERROR_RATE_THRESHOLD = 0.2;
/** Fewer tool calls than this in 5 minutes never fire it: one failure out of two calls is not an outage. */
export const TOOL_ERROR_MIN_CALLS = 10;
const TUNNEL_METRICS = [
  'TunnelDials',
  'TunnelReuses',
  'TunnelReattaches',
  'TunnelEvictions',
  'TunnelQueueWaits',
] as const;

interface Monitored {
  api: apigw.RestApi;
  fn: lambda.Function;
  functionTimeout: Duration;
}

/** Every metric with a `tool` dimension, one line per tool (tools added later show up by themselves). */
function byTool(
  service: string,
  metricName: 'ToolCalls' | 'ToolErrors' | 'ToolLatency',
  statistic: 'Sum' | 'p95',
): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},service,tool} service="${service}" MetricName="${metricName}"', '${statistic}', ${PERIOD.toSeconds()})`,
    usingMetrics: {},
    period: PERIOD,
  });
}

/** One aggregate over every tool's series, for an alarm (alarms take no SEARCH; a Metrics Insights query is allowed). */
function acrossTools(
  service: string,
  aggregate: 'AVG' | 'SUM',
  metricName: 'ToolCalls' | 'ToolErrors',
  label: string,
): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SELECT ${aggregate}(${metricName}) FROM SCHEMA("${METRICS_NAMESPACE}", service, tool) WHERE service = '${service}'`,
    usingMetrics: {},
    period: PERIOD,
    label,
  });
}

function serviceMetric(service: string, metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service },
    statistic: 'Sum',
    period: PERIOD,
  });
}

export function monitoring(stack: Stack, m: Monitored, s: Settings): void {
  const alarms = buildAlarms(stack, m, s);
  dashboard(stack, m, alarms);
}

function buildAlarms(stack: Stack, { api, fn, functionTimeout }: Monitored, s: Settings): cloudwatch.IAlarm[] {
  const action = s.alarmTopicArn
    ? new cloudwatchActions.SnsAction(sns.Topic.fromTopicArn(stack, 'AlarmTopic', s.alarmTopicArn))
    : undefined;
  const notify = (a: cloudwatch.AlarmBase) => {
    // The topic hears the recovery too, so a pager that opened an incident can close it.
    if (!action) return;
    a.addAlarmAction(action);
    a.addOkAction(action);
  };
  const alarm: MakeAlarm = (id, props, notifies = true) => {
    // No data means no traffic, not trouble.
    const a = new cloudwatch.Alarm(stack, id, {
      ...props,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (notifies) notify(a);
    return a;
  };
  const toolErrors = toolErrorAlarm(stack, alarm);
  notify(toolErrors);
  return [
    alarm('Api5xx', {
      metric: api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
      threshold: 5,
      alarmDescription: 'The MCP API answered 5xx 5 times or more in 5 minutes',
    }),
    alarm('Throttles', {
      metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
      threshold: 1,
      alarmDescription: 'The MCP function was throttled (reserved concurrency or account limit)',
    }),
    alarm('DurationNearTimeout', {
      metric: fn.metricDuration({ period: PERIOD, statistic: 'Maximum' }),
      threshold: Math.round(functionTimeout.toMilliseconds() * DURATION_ALARM_FRACTION),
      alarmDescription: `An invocation ran within ${Math.round((1 - DURATION_ALARM_FRACTION) * 100)}% of the function timeout, longer than any tool call and its answer should take`,
    }),
    alarm('FunctionErrors', {
      metric: fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      threshold: 1,
      alarmDescription: 'The MCP function failed (not a tool error: an unhandled fault)',
    }),
    toolErrors,
  ];
}

type MakeAlarm = (
  id: string,
  props: Pick<cloudwatch.AlarmProps, 'metric' | 'threshold' | 'alarmDescription' | 'comparisonOperator'>,
  notifies?: boolean,
) => cloudwatch.Alarm;

/**
 * The tool-error rate, over every tool: a composite of the rate itself and a minimum call count, each a
 * Metrics Insights query (alarms take no SEARCH, and metric math in an alarm is limited to 10 metrics,
 * fewer than two per tool). Only the composite notifies.
 */
function toolErrorAlarm(stack: Stack, alarm: MakeAlarm): cloudwatch.CompositeAlarm {
  const rate = alarm(
    'ToolErrorRateHigh',
    {
      // ToolErrors is 0 or 1 per call, so its average over every call is the share that failed.
      metric: acrossTools(metricsService(stack), 'AVG', 'ToolErrors', 'share of tool calls that failed'),
      threshold: TOOL_ERROR_RATE_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `More than ${TOOL_ERROR_RATE_THRESHOLD * 100}% of tool calls failed in 5 minutes (part of ToolErrorRate, which notifies)`,
    },
    false,
  );
  const volume = alarm(
    'ToolCallVolume',
    {
      metric: acrossTools(metricsService(stack), 'SUM', 'ToolCalls', 'tool calls'),
      threshold: TOOL_ERROR_MIN_CALLS,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      alarmDescription: `Not a problem by itself: at least ${TOOL_ERROR_MIN_CALLS} tool calls in 5 minutes, so that ToolErrorRate ignores a failure or two among a handful of calls`,
    },
    false,
  );
  const toolErrors = new cloudwatch.CompositeAlarm(stack, 'ToolErrorRate', {
    alarmRule: cloudwatch.AlarmRule.allOf(
      cloudwatch.AlarmRule.fromAlarm(rate, cloudwatch.AlarmState.ALARM),
      cloudwatch.AlarmRule.fromAlarm(volume, cloudwatch.AlarmState.ALARM),
    ),
    alarmDescription: `More than ${TOOL_ERROR_RATE_THRESHOLD * 100}% of at least ${TOOL_ERROR_MIN_CALLS} tool calls failed in 5 minutes (Coder refusing, workspaces unreachable, tunnels failing)`,
  });
  return toolErrors;
}

function dashboard(stack: Stack, { api, fn }: Monitored, alarms: cloudwatch.IAlarm[]): void {
  const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
    new cloudwatch.GraphWidget({ title, left, right, width: 8, height: 6, period: PERIOD });
  const service = metricsService(stack);
  const tunnel = TUNNEL_METRICS.map((name) =>
    serviceMetric(service, name).with({ label: name.replace(/^Tunnel/, '') }),
  );
  new cloudwatch.Dashboard(stack, 'Dashboard', {
    // Dashboards are global to the account: the region keeps two regions' stacks of the same name apart.
    dashboardName: `${stack.stackName}-${Stack.of(stack).region}`,
    defaultInterval: Duration.hours(3),
    widgets: [
      [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 3 })],
      [
        graph('Tool calls by tool (per 5 min)', [byTool(service, 'ToolCalls', 'Sum')]),
        graph('Tool errors by tool (per 5 min)', [byTool(service, 'ToolErrors', 'Sum')]),
        graph('Tool latency p95 by tool (ms)', [byTool(service, 'ToolLatency', 'p95')]),
      ],
      [
        graph('Tunnel: dials vs reuses', tunnel),
        graph(
          'Tool error rate (all tools)',
          [acrossTools(service, 'AVG', 'ToolErrors', 'share failed')],
          [acrossTools(service, 'SUM', 'ToolCalls', 'calls')],
        ),
        graph('Cold starts', [serviceMetric(service, 'ColdStart').with({ label: 'cold starts' })]),
      ],
      [
        graph('API requests, 4xx and 5xx', [
          api.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' }),
          api.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }),
          api.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }),
        ]),
        graph('Function duration (ms)', [
          fn.metricDuration({ period: PERIOD, statistic: 'p95', label: 'p95' }),
          fn.metricDuration({ period: PERIOD, statistic: 'Maximum', label: 'max' }),
        ]),
        graph(
          'Function concurrency, throttles and errors',
          [fn.metric('ConcurrentExecutions', { period: PERIOD, statistic: 'Maximum', label: 'concurrent (max)' })],
          [
            fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'throttles' }),
            fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'errors' }),
          ],
        ),
      ],
    ],
  });
}
