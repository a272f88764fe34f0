import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type CompositeAlarm,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { probeSpecSchema, type ProbeOf } from '../../src/domain/template/probes.js';
import { createCloudWatchClient } from '../../src/probes/aws.js';
import { cloudwatchAlarmsFamily, cloudwatchFamily, rangeOf } from '../../src/probes/cloudwatch.js';
import type { ProbeContext } from '../../src/probes/types.js';

/** CloudWatch probes against aws-sdk-client-mock (recommended by the AWS SDK for JavaScript team), with the API's response shapes. */

const cw = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } });
const NOW = new Date('2026-11-10T10:30:00Z');
const at = (min: number): Date => new Date(NOW.getTime() - min * 60_000);

function ctx(over: Partial<ProbeContext> = {}): ProbeContext {
  return {
    signal: new AbortController().signal,
    timeoutMs: 30_000,
    env: {},
    github: undefined,
    cloudwatch: client,
    now: NOW,
    release: 'v1',
    window: null,
    log: pino({ level: 'silent' }),
    ...over,
  };
}

const metric = (fields: Record<string, unknown>) => probeSpecSchema.parse({ type: 'cloudwatch', ...fields }) as ProbeOf<'cloudwatch'>;
const alarms = (fields: Record<string, unknown>) => probeSpecSchema.parse({ type: 'cloudwatch-alarms', ...fields }) as ProbeOf<'cloudwatch-alarms'>;

const P99 = { namespace: 'AWS/Lambda', metric: 'Duration', dimensions: { FunctionName: 'app-prod' }, statistic: 'p99', period: '5m', window: '15m', threshold: { op: '<', value: 1000 } };

function metricAlarm(name: string, state: string, updated: Date): MetricAlarm {
  return { AlarmName: name, AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`, StateValue: state as MetricAlarm['StateValue'], StateUpdatedTimestamp: updated, MetricName: 'Errors', Namespace: 'AWS/Lambda' };
}
function compositeAlarm(name: string, state: string, updated: Date): CompositeAlarm {
  return { AlarmName: name, AlarmRule: 'ALARM(app-prod-errors)', StateValue: state as CompositeAlarm['StateValue'], StateUpdatedTimestamp: updated };
}
function history(name: string, from: string, to: string, when: Date, type = 'MetricAlarm') {
  return {
    AlarmName: name,
    AlarmType: type as 'MetricAlarm',
    Timestamp: when,
    HistoryItemType: 'StateUpdate' as const,
    HistorySummary: `Alarm updated from ${from} to ${to}`,
    HistoryData: JSON.stringify({ version: '1.0', oldState: { stateValue: from, stateReason: '...' }, newState: { stateValue: to, stateReason: '...' } }),
  };
}

beforeEach(() => cw.reset());

describe('metric statistic through GetMetricData', () => {
  it('passes when every period meets the threshold, asking for the percentile over the window', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'm0', Label: 'Duration', Timestamps: [at(5), at(10), at(15)], Values: [640.2, 812.5, 700], StatusCode: 'Complete' }],
      Messages: [],
    });
    const outcome = await cloudwatchFamily.run(metric(P99), ctx());
    expect(outcome).toMatchObject({
      status: 'pass',
      summary: 'p99 of AWS/Lambda Duration at most 812.5 over 15m (< 1000, 3 periods)',
      evidence: { metrics: [{ name: 'AWS/Lambda Duration p99 (5m)', value: 812.5, threshold: '< 1000' }] },
    });
    const input = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      StartTime: at(15),
      EndTime: NOW,
      MetricDataQueries: [{ Id: 'm0', ReturnData: true, MetricStat: { Period: 300, Stat: 'p99', Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: 'app-prod' }] } } }],
    });
  });

  it('follows NextToken through PartialData pages and fails on the worst period', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0', Timestamps: [at(5)], Values: [900], StatusCode: 'PartialData' }], NextToken: 'page-2' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0', Timestamps: [at(10), at(15)], Values: [1250, 990], StatusCode: 'Complete' }] });
    const outcome = await cloudwatchFamily.run(metric(P99), ctx());
    expect(cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(outcome).toMatchObject({ status: 'fail', summary: 'p99 of AWS/Lambda Duration was 1250 at 2026-11-10T10:20:00Z, expected < 1000 (1 of 3 periods)' });
    expect(outcome.evidence.rows).toEqual([{ time: '2026-11-10T10:20:00Z', value: 1250 }]);
    expect(outcome.evidence.lines).toContain('3 data points, status Complete, 2 pages');
  });

  it('does not pass on data still partial after the last page read, but fails on a breach in it', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [at(5)], Values: [100], StatusCode: 'PartialData' }], NextToken: 'more' });
    const partial = await cloudwatchFamily.run(metric(P99), ctx());
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(20);
    expect(partial).toMatchObject({ status: 'error', summary: 'CloudWatch returned partial data for p99 of AWS/Lambda Duration: 1 periods meet < 1000, the rest is unknown' });

    cw.reset();
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [at(5)], Values: [5000], StatusCode: 'PartialData' }] });
    expect((await cloudwatchFamily.run(metric(P99), ctx())).status).toBe('fail');
  });

  it('reports Forbidden and InternalError status codes as errors with CloudWatch’s message', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [], Values: [], StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'Insufficient permissions for AWS/Lambda' }] }] });
    expect(await cloudwatchFamily.run(metric(P99), ctx())).toMatchObject({ status: 'error', summary: 'CloudWatch answered Forbidden for p99 of AWS/Lambda Duration: Forbidden: Insufficient permissions for AWS/Lambda' });
    cw.reset();
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [], Values: [], StatusCode: 'InternalError' }] });
    expect((await cloudwatchFamily.run(metric(P99), ctx())).summary).toBe('CloudWatch answered InternalError for p99 of AWS/Lambda Duration');
  });

  it('fails on no data unless missing_data says pass; compares > thresholds with the lowest value', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [], Values: [], StatusCode: 'Complete' }] });
    expect(await cloudwatchFamily.run(metric(P99), ctx())).toMatchObject({ status: 'fail', summary: 'no data for p99 of AWS/Lambda Duration in the last 15m: check the namespace, metric and dimensions' });
    expect((await cloudwatchFamily.run(metric({ ...P99, missing_data: 'pass' }), ctx())).status).toBe('pass');
    cw.reset();
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [at(1), at(2)], Values: [3, 1], StatusCode: 'Complete' }] });
    const healthy = await cloudwatchFamily.run(metric({ namespace: 'AWS/ApplicationELB', metric: 'HealthyHostCount', statistic: 'Minimum', period: '1m', window: '5m', threshold: { op: '>=', value: 2 } }), ctx());
    expect(healthy).toMatchObject({ status: 'fail', summary: 'Minimum of AWS/ApplicationELB HealthyHostCount was 1 at 2026-11-10T10:28:00Z, expected >= 2 (1 of 2 periods)' });
  });

  it('reports an SDK error (access denied) as an error, and no client as not configured', async () => {
    cw.on(GetMetricDataCommand).rejects(Object.assign(new Error('User: arn:aws:iam::123456789012:user/bot is not authorized to perform: cloudwatch:GetMetricData'), { name: 'AccessDenied' }));
    expect(await cloudwatchFamily.run(metric(P99), ctx())).toMatchObject({ status: 'error', summary: expect.stringMatching(/^AccessDenied: .*cloudwatch:GetMetricData$/) });
    expect(await cloudwatchFamily.run(metric(P99), ctx({ cloudwatch: undefined }))).toMatchObject({ status: 'error', summary: 'CloudWatch is not configured: set AWS_REGION (and credentials) for the bot' });
  });
});

describe('alarms now (DescribeAlarms)', () => {
  it('asks for metric and composite alarms by prefix, page by page, and fails naming those in ALARM', async () => {
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [metricAlarm('app-prod-errors', 'OK', at(60))], CompositeAlarms: [], NextToken: 't2' })
      .resolvesOnce({ MetricAlarms: [metricAlarm('app-prod-latency', 'INSUFFICIENT_DATA', at(30))], CompositeAlarms: [compositeAlarm('app-prod-health', 'ALARM', at(3))] });
    const outcome = await cloudwatchAlarmsFamily.run(alarms({ prefix: 'app-prod-' }), ctx());
    const inputs = cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ AlarmNamePrefix: 'app-prod-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] });
    expect(inputs[1]!.NextToken).toBe('t2');
    expect(outcome).toMatchObject({ status: 'fail', summary: '1 of 3 alarms in ALARM: app-prod-health' });
    expect(outcome.evidence.rows![0]).toEqual({ alarm: 'app-prod-health', type: 'composite', state: 'ALARM', since: '2026-11-10T10:27:00Z' });
  });

  it('passes with none in ALARM, and fails when no alarm matches the prefix', async () => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metricAlarm('app-prod-errors', 'OK', at(60)), metricAlarm('app-prod-latency', 'INSUFFICIENT_DATA', at(60))], CompositeAlarms: [] });
    expect(await cloudwatchAlarmsFamily.run(alarms({ prefix: 'app-prod-' }), ctx())).toMatchObject({ status: 'pass', summary: 'none of 2 alarms matching app-prod- in ALARM (1 INSUFFICIENT_DATA)' });
    cw.reset();
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
    expect(await cloudwatchAlarmsFamily.run(alarms({ prefix: 'app-prdo-' }), ctx())).toMatchObject({ status: 'fail', summary: 'no alarm name starts with app-prdo-: nothing was checked' });
  });
});

describe('alarms during a time range (DescribeAlarmHistory)', () => {
  const window = { start: at(40), end: at(10) };

  it('looks at state updates in the promotion window only, paginated, for the prefix', async () => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metricAlarm('app-dev-errors', 'OK', at(20))], CompositeAlarms: [] });
    cw.on(DescribeAlarmHistoryCommand)
      .resolvesOnce({ AlarmHistoryItems: [history('other-service-errors', 'OK', 'ALARM', at(35))], NextToken: 'h2' })
      .resolvesOnce({ AlarmHistoryItems: [history('app-dev-errors', 'OK', 'ALARM', at(30)), history('app-dev-errors', 'ALARM', 'OK', at(20))] });
    const outcome = await cloudwatchAlarmsFamily.run(alarms({ prefix: 'app-dev-', during: 'window' }), ctx({ window }));
    const inputs = cw.commandCalls(DescribeAlarmHistoryCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ StartDate: window.start, EndDate: window.end, HistoryItemType: 'StateUpdate', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] });
    expect(inputs[1]!.NextToken).toBe('h2');
    expect(outcome).toMatchObject({
      status: 'fail',
      summary: '1 alarm in ALARM during the maintenance window (2026-11-10T09:50:00Z to 2026-11-10T10:20:00Z): app-dev-errors',
      evidence: { rows: [{ alarm: 'app-dev-errors', type: 'MetricAlarm', change: 'OK → ALARM', at: '2026-11-10T10:00:00Z' }] },
    });
  });

  it('counts an alarm that was already in ALARM when the range began, with no change inside it', async () => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [compositeAlarm('app-dev-health', 'ALARM', at(120))] });
    cw.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
    const outcome = await cloudwatchAlarmsFamily.run(alarms({ prefix: 'app-dev-', during: 'window' }), ctx({ window }));
    expect(outcome).toMatchObject({ status: 'fail', evidence: { rows: [{ alarm: 'app-dev-health', change: 'in ALARM since before the range' }] } });
  });

  it('passes when no matching alarm changed into or out of ALARM in the range', async () => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metricAlarm('app-dev-errors', 'OK', at(300))], CompositeAlarms: [] });
    cw.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [history('app-dev-errors', 'OK', 'INSUFFICIENT_DATA', at(25)), history('app-dev-errors', 'INSUFFICIENT_DATA', 'OK', at(24))] });
    const outcome = await cloudwatchAlarmsFamily.run(alarms({ prefix: 'app-dev-', since: '1h' }), ctx());
    expect(outcome).toMatchObject({ status: 'pass', summary: 'no alarm starting with app-dev- was in ALARM in the last 1h (2026-11-10T09:30:00Z to 2026-11-10T10:30:00Z)' });
  });

  it('without a window: since when given, an error otherwise; a window still open ends now; one not open yet is an error', () => {
    expect(rangeOf({ during: 'window' }, { now: NOW, window: null })).toEqual({ error: 'no maintenance window is scheduled for this promotion: schedule it, or give the probe since: to look back instead' });
    expect(rangeOf({ during: 'window', since: '2h' }, { now: NOW, window: null })).toMatchObject({ start: at(120), end: NOW, what: expect.stringMatching(/^no maintenance window scheduled, so in the last 2h/) });
    expect(rangeOf({ during: 'window' }, { now: NOW, window: { start: at(10), end: at(-20) } })).toMatchObject({ start: at(10), end: NOW, what: expect.stringContaining('still open') });
    expect(rangeOf({ during: 'window' }, { now: NOW, window: { start: at(-10), end: at(-40) } })).toEqual({ error: 'the maintenance window opens at 2026-11-10T10:40:00Z: nothing to check yet' });
  });
});

describe('placeholders, secrets, client', () => {
  it('names the keys holding REPLACE_ME', () => {
    expect(cloudwatchFamily.placeholders(metric({ ...P99, dimensions: { FunctionName: 'app-prod-REPLACE_ME' } }))).toEqual([{ key: 'dimensions.FunctionName', value: 'app-prod-REPLACE_ME' }]);
    expect(cloudwatchAlarmsFamily.placeholders(alarms({ prefix: 'app-dev-REPLACE_ME' }))).toEqual([{ key: 'prefix', value: 'app-dev-REPLACE_ME' }]);
  });

  it('names the AWS credentials in the bot’s environment as secrets', () => {
    expect(cloudwatchFamily.secrets(metric(P99), ctx({ env: { AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI', AWS_REGION: 'eu-west-1' } }))).toEqual(['wJalrXUtnFEMI']);
  });

  it('builds a client for the region and endpoint', async () => {
    const built = createCloudWatchClient({ region: 'eu-west-1', cloudwatchEndpoint: 'http://127.0.0.1:4566' });
    expect(await built.config.region()).toBe('eu-west-1');
    const endpoint = await built.config.endpoint!();
    expect(endpoint).toMatchObject({ protocol: 'http:', hostname: '127.0.0.1', port: 4566 });
  });
});

describe('template schema', () => {
  it('takes percentiles and refuses a window shorter than the period', () => {
    expect(probeSpecSchema.safeParse({ type: 'cloudwatch', ...P99, statistic: 'p99.9' }).success).toBe(true);
    const short = probeSpecSchema.safeParse({ type: 'cloudwatch', ...P99, period: '1h', window: '15m' });
    expect(short.success).toBe(false);
    expect(short.error?.issues[0]).toMatchObject({ path: ['window'], message: 'must be at least the period' });
    expect(probeSpecSchema.safeParse({ type: 'cloudwatch', ...P99, statistic: 'p999' }).success).toBe(false);
    expect(probeSpecSchema.safeParse({ type: 'cloudwatch-alarms', prefix: 'a', during: 'deploy' }).success).toBe(false);
  });
});
