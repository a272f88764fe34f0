import {
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type AlarmHistoryItem,
  type CloudWatchClient,
  type MessageData,
} from '@aws-sdk/client-cloudwatch';
import { parseDuration } from '../domain/offsets.js';
import { placeholdersIn } from '../domain/template/probes/common.js';
import { ROWS_KEPT, type Evidence, type ProbeContext, type ProbeFamily, type ProbeOutcome } from './types.js';

/**
 * CloudWatch probes, through ctx.cloudwatch (./aws.ts builds it: AWS_REGION, CLOUDWATCH_ENDPOINT, the SDK's credential
 * chain). A metric's statistic through GetMetricData (percentiles included), the alarms matching a prefix now through
 * DescribeAlarms, and over a time range through DescribeAlarmHistory; metric and composite alarms alike. Every call is
 * paginated (NextToken), bounded, and passed the run's abort signal.
 */

/** Pages read at most per call: 20 pages of GetMetricData or 50 of 100 alarms or history items. */
const METRIC_PAGES = 20;
const ALARM_PAGES = 50;
const ALARM_TYPES = ['MetricAlarm', 'CompositeAlarm'] as const;

type EvidenceRow = NonNullable<Evidence['rows']>[number];

export const cloudwatchFamily: ProbeFamily<'cloudwatch'> = {
  type: 'cloudwatch',
  placeholders: (spec) => placeholdersIn(spec as unknown as Record<string, unknown>, ['namespace', 'metric', 'dimensions']),
  secrets: (_spec, ctx) => awsSecrets(ctx),
  run: (spec, ctx) =>
    guarded(ctx, async (cw) => {
      const end = ctx.now;
      const start = new Date(end.getTime() - parseDuration(spec.window));
      const periodS = parseDuration(spec.period) / 1000;
      const dimensions = Object.entries(spec.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value }));
      const what = `${spec.statistic} of ${spec.namespace} ${spec.metric}`;
      const threshold = `${spec.threshold.op} ${spec.threshold.value}`;
      const lines = [
        `GetMetricData ${what}${dimensions.length ? ` (${dimensions.map((d) => `${d.Name}=${d.Value}`).join(', ')})` : ''}, per ${spec.period}, ${iso(start)} to ${iso(end)}`,
      ];

      const points = new Map<number, number>();
      const messages: string[] = [];
      let status: string | undefined;
      let token: string | undefined;
      let pages = 0;
      do {
        const out = await cw.send(
          new GetMetricDataCommand({
            MetricDataQueries: [
              {
                Id: 'm0',
                MetricStat: { Metric: { Namespace: spec.namespace, MetricName: spec.metric, Dimensions: dimensions }, Period: periodS, Stat: spec.statistic },
                ReturnData: true,
              },
            ],
            StartTime: start,
            EndTime: end,
            ScanBy: 'TimestampDescending',
            NextToken: token,
          }),
          { abortSignal: ctx.signal },
        );
        for (const result of out.MetricDataResults ?? []) {
          if (result.Id !== undefined && result.Id !== 'm0') continue;
          (result.Timestamps ?? []).forEach((t, i) => {
            const v = result.Values?.[i];
            if (v !== undefined) points.set(new Date(t).getTime(), v);
          });
          status = result.StatusCode ?? status;
          messages.push(...said(result.Messages));
        }
        messages.push(...said(out.Messages));
        token = out.NextToken;
        pages += 1;
      } while (token && pages < METRIC_PAGES);

      lines.push(`${points.size} data ${points.size === 1 ? 'point' : 'points'}, status ${status ?? '(none)'}${pages > 1 ? `, ${pages} pages` : ''}`);
      if (messages.length) lines.push(`CloudWatch said: ${messages.join('; ')}`);
      if (status === 'InternalError' || status === 'Forbidden') {
        return { status: 'error', summary: `CloudWatch answered ${status} for ${what}${messages.length ? `: ${messages[0]}` : ''}`, evidence: { lines } };
      }
      const partial = status === 'PartialData';
      if (partial) lines.push(token ? `still PartialData after ${pages} pages: the rest was not read` : 'CloudWatch marked the data partial');

      const series = [...points.entries()].sort(([a], [b]) => a - b).map(([t, v]) => ({ at: new Date(t), value: v }));
      const metric = (value: number | null) => ({ metrics: [{ name: `${spec.namespace} ${spec.metric} ${spec.statistic} (${spec.period})`, value, threshold }] });
      if (series.length === 0) {
        if (partial) return { status: 'error', summary: `CloudWatch returned partial data with no points for ${what}`, evidence: { lines, ...metric(null) } };
        return spec.missing_data === 'pass'
          ? { status: 'pass', summary: `no data for ${what} in the last ${spec.window} (missing_data: pass)`, evidence: { lines, ...metric(null) } }
          : { status: 'fail', summary: `no data for ${what} in the last ${spec.window}: check the namespace, metric and dimensions`, evidence: { lines, ...metric(null) } };
      }
      const worstFirst = spec.threshold.op.startsWith('<') ? (a: number, b: number) => b - a : (a: number, b: number) => a - b;
      const worst = [...series].sort((a, b) => worstFirst(a.value, b.value))[0]!;
      const breaches = series.filter((p) => !meets(p.value, spec.threshold.op, spec.threshold.value));
      lines.push(`worst ${round(worst.value)} at ${iso(worst.at)}, latest ${round(series.at(-1)!.value)} at ${iso(series.at(-1)!.at)}`);
      if (breaches.length > 0) {
        return {
          status: 'fail',
          summary: `${what} was ${round(worst.value)} at ${iso(worst.at)}, expected ${threshold} (${breaches.length} of ${series.length} periods)`,
          evidence: { lines, ...metric(worst.value), rows: rowsOf(breaches.map((p) => ({ time: iso(p.at), value: p.value })), lines) },
        };
      }
      if (partial) {
        return { status: 'error', summary: `CloudWatch returned partial data for ${what}: ${series.length} periods meet ${threshold}, the rest is unknown`, evidence: { lines, ...metric(worst.value) } };
      }
      return { status: 'pass', summary: `${what} ${spec.threshold.op.startsWith('<') ? 'at most' : 'at least'} ${round(worst.value)} over ${spec.window} (${threshold}, ${series.length} periods)`, evidence: { lines, ...metric(worst.value) } };
    }),
};

export const cloudwatchAlarmsFamily: ProbeFamily<'cloudwatch-alarms'> = {
  type: 'cloudwatch-alarms',
  placeholders: (spec) => placeholdersIn(spec as unknown as Record<string, unknown>, ['prefix']),
  secrets: (_spec, ctx) => awsSecrets(ctx),
  run: (spec, ctx) =>
    guarded(ctx, async (cw) => {
      if (spec.during === undefined && spec.since === undefined) return alarmsNow(cw, spec.prefix, ctx);
      const range = rangeOf(spec, ctx);
      if ('error' in range) return { status: 'error', summary: range.error, evidence: { lines: [range.error] } };
      return alarmsDuring(cw, spec.prefix, range, ctx);
    }),
};

interface Alarm {
  name: string;
  type: 'metric' | 'composite';
  state: string;
  since: Date | undefined;
}

/** Every alarm whose name starts with the prefix, metric and composite (without AlarmTypes only metric alarms come back). */
async function alarmsMatching(cw: CloudWatchClient, prefix: string, ctx: ProbeContext): Promise<{ alarms: Alarm[]; complete: boolean }> {
  const alarms: Alarm[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, AlarmTypes: [...ALARM_TYPES], MaxRecords: 100, NextToken: token }), { abortSignal: ctx.signal });
    for (const a of out.MetricAlarms ?? []) alarms.push({ name: a.AlarmName ?? '?', type: 'metric', state: a.StateValue ?? '?', since: a.StateUpdatedTimestamp });
    for (const a of out.CompositeAlarms ?? []) alarms.push({ name: a.AlarmName ?? '?', type: 'composite', state: a.StateValue ?? '?', since: a.StateUpdatedTimestamp });
    token = out.NextToken;
    pages += 1;
  } while (token && pages < ALARM_PAGES);
  return { alarms, complete: !token };
}

async function alarmsNow(cw: CloudWatchClient, prefix: string, ctx: ProbeContext): Promise<ProbeOutcome> {
  const { alarms, complete } = await alarmsMatching(cw, prefix, ctx);
  const lines = [`DescribeAlarms prefix ${prefix} (metric and composite): ${alarms.length} ${alarms.length === 1 ? 'alarm' : 'alarms'}${complete ? '' : ' (more not read)'}`];
  if (alarms.length === 0) return { status: 'fail', summary: `no alarm name starts with ${prefix}: nothing was checked`, evidence: { lines } };
  const firing = alarms.filter((a) => a.state === 'ALARM');
  const counts = countBy(alarms.map((a) => a.state));
  lines.push(Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', '));
  const rows = [...firing, ...alarms.filter((a) => a.state !== 'ALARM')].map((a) => ({ alarm: a.name, type: a.type, state: a.state, since: a.since ? iso(a.since) : null }));
  if (firing.length > 0) {
    return { status: 'fail', summary: `${firing.length} of ${alarms.length} alarms in ALARM: ${listed(firing.map((a) => a.name))}`, evidence: { lines, rows: rowsOf(rows, lines) } };
  }
  if (!complete) return { status: 'error', summary: `more alarms start with ${prefix} than could be read: none in ALARM among the first ${alarms.length}`, evidence: { lines } };
  const other = alarms.length - (counts['OK'] ?? 0);
  return {
    status: 'pass',
    summary: `none of ${alarms.length} ${alarms.length === 1 ? 'alarm' : 'alarms'} matching ${prefix} in ALARM${other ? ` (${other} ${Object.keys(counts).filter((s) => s !== 'OK').join('/')})` : ''}`,
    evidence: { lines, rows: rowsOf(rows, lines) },
  };
}

type Range = { start: Date; end: Date; what: string };

/** The time range of a history check: the promotion's window (up to now), or the last `since`. */
export function rangeOf(spec: { during?: 'window' | undefined; since?: string | undefined }, ctx: Pick<ProbeContext, 'now' | 'window'>): Range | { error: string } {
  const now = ctx.now;
  if (spec.during === 'window' && ctx.window) {
    if (ctx.window.start.getTime() > now.getTime()) return { error: `the maintenance window opens at ${iso(ctx.window.start)}: nothing to check yet` };
    const end = ctx.window.end.getTime() < now.getTime() ? ctx.window.end : now;
    return { start: ctx.window.start, end, what: `during the maintenance window (${iso(ctx.window.start)} to ${iso(end)}${end === now ? ', still open' : ''})` };
  }
  if (spec.since === undefined) return { error: 'no maintenance window is scheduled for this promotion: schedule it, or give the probe since: to look back instead' };
  const start = new Date(now.getTime() - parseDuration(spec.since));
  const fallback = spec.during === 'window' ? 'no maintenance window scheduled, so ' : '';
  return { start, end: now, what: `${fallback}in the last ${spec.since} (${iso(start)} to ${iso(now)})` };
}

/** From an alarm history item, the states it went from and to. */
function transition(item: AlarmHistoryItem): { from: string | undefined; to: string | undefined } {
  try {
    const data = JSON.parse(item.HistoryData ?? '') as { oldState?: { stateValue?: string }; newState?: { stateValue?: string } };
    if (data.newState?.stateValue) return { from: data.oldState?.stateValue, to: data.newState.stateValue };
  } catch {
    /* fall back to the summary */
  }
  const m = /from (\w+) to (\w+)/.exec(item.HistorySummary ?? '');
  return { from: m?.[1], to: m?.[2] };
}

async function alarmsDuring(cw: CloudWatchClient, prefix: string, range: Range, ctx: ProbeContext): Promise<ProbeOutcome> {
  const { alarms, complete: allAlarms } = await alarmsMatching(cw, prefix, ctx);
  const items: AlarmHistoryItem[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    // DescribeAlarmHistory takes an exact AlarmName or none: the prefix is applied here.
    const out = await cw.send(
      new DescribeAlarmHistoryCommand({
        AlarmTypes: [...ALARM_TYPES],
        HistoryItemType: 'StateUpdate',
        StartDate: range.start,
        EndDate: range.end,
        ScanBy: 'TimestampAscending',
        MaxRecords: 100,
        NextToken: token,
      }),
      { abortSignal: ctx.signal },
    );
    items.push(...(out.AlarmHistoryItems ?? []).filter((i) => (i.AlarmName ?? '').startsWith(prefix)));
    token = out.NextToken;
    pages += 1;
  } while (token && pages < ALARM_PAGES);
  const complete = !token;

  const lines = [`DescribeAlarmHistory StateUpdate ${range.what}: ${items.length} state ${items.length === 1 ? 'change' : 'changes'} of alarms starting with ${prefix}${complete ? '' : ' (more not read)'}`];
  lines.push(`DescribeAlarms prefix ${prefix}: ${alarms.length} ${alarms.length === 1 ? 'alarm' : 'alarms'} now`);
  if (alarms.length === 0 && items.length === 0) return { status: 'fail', summary: `no alarm name starts with ${prefix}: nothing was checked`, evidence: { lines } };

  const offenders = new Map<string, EvidenceRow>();
  for (const item of items) {
    const { from, to } = transition(item);
    const name = item.AlarmName ?? '?';
    if (offenders.has(name)) continue;
    const at = item.Timestamp ? iso(item.Timestamp) : null;
    if (to === 'ALARM') offenders.set(name, { alarm: name, type: item.AlarmType ?? null, change: `${from ?? '?'} → ALARM`, at });
    else if (from === 'ALARM') offenders.set(name, { alarm: name, type: item.AlarmType ?? null, change: `in ALARM until ${to ?? '?'}`, at });
  }
  // In ALARM since before the range began: no change inside it, but firing all along.
  for (const a of alarms) {
    if (a.state === 'ALARM' && a.since && a.since.getTime() < range.start.getTime() && !offenders.has(a.name)) {
      offenders.set(a.name, { alarm: a.name, type: a.type, change: 'in ALARM since before the range', at: iso(a.since) });
    }
  }
  if (offenders.size > 0) {
    const names = [...offenders.keys()];
    return { status: 'fail', summary: `${names.length} ${names.length === 1 ? 'alarm' : 'alarms'} in ALARM ${range.what}: ${listed(names)}`, evidence: { lines, rows: rowsOf([...offenders.values()], lines) } };
  }
  if (!complete || !allAlarms) return { status: 'error', summary: `too much alarm history to read in full ${range.what}: none in ALARM in what was read`, evidence: { lines } };
  return { status: 'pass', summary: `no alarm starting with ${prefix} was in ALARM ${range.what}`, evidence: { lines } };
}

// --------------------------------------------------------------------------------------------------------- helpers

/** Runs a call with the client, turning SDK errors (access denied, throttled, aborted) into an error outcome. */
async function guarded(ctx: ProbeContext, call: (cw: CloudWatchClient) => Promise<ProbeOutcome>): Promise<ProbeOutcome> {
  const cw = ctx.cloudwatch;
  if (!cw) return { status: 'error', summary: 'CloudWatch is not configured: set AWS_REGION (and credentials) for the bot', evidence: { lines: [] } };
  try {
    return await call(cw);
  } catch (error) {
    if (ctx.signal.aborted) return { status: 'error', summary: `timed out after ${Math.round(ctx.timeoutMs / 100) / 10} s`, evidence: { lines: [] } };
    const e = error as { name?: string; message?: string };
    const summary = `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${(e.message ?? String(error)).split('\n')[0]}`;
    return { status: 'error', summary, evidence: { lines: [summary] } };
  }
}

/** The bot's AWS credentials when they are in its environment (the SDK reads them there): never evidence. */
function awsSecrets(ctx: ProbeContext): string[] {
  return ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID'].map((k) => ctx.env[k]).filter((v): v is string => !!v);
}

function said(messages: MessageData[] | undefined): string[] {
  return (messages ?? []).map((m) => [m.Code, m.Value].filter(Boolean).join(': ')).filter(Boolean);
}

function rowsOf(rows: EvidenceRow[], lines: string[]): EvidenceRow[] {
  if (rows.length > ROWS_KEPT) lines.push(`${rows.length - ROWS_KEPT} more rows not kept`);
  return rows.slice(0, ROWS_KEPT);
}

function meets(value: number, op: '<' | '<=' | '>' | '>=', threshold: number): boolean {
  return op === '<' ? value < threshold : op === '<=' ? value <= threshold : op === '>' ? value > threshold : value >= threshold;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function listed(items: string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
