/**
 * A loopback CloudWatch for the playground's CloudWatch probes (CLOUDWATCH_ENDPOINT pointed at it, dummy credentials).
 *
 * It speaks the protocol @aws-sdk/client-cloudwatch 3.1162 sends (runtimeConfig.shared.js: `AwsJson1_0Protocol`, with
 * `awsQueryCompatible`): `POST /`, `content-type: application/x-amz-json-1.0`, `x-amz-target:
 * GraniteServiceVersion20100801.<Operation>`, a JSON body, and a JSON answer whose timestamps are epoch seconds. An
 * error is `{ __type, message }` with the status and, as CloudWatch's JSON endpoint sends for query-compatible
 * clients, `x-amzn-query-error: <Code>;Sender`. The signature is not checked.
 *
 * - GetMetricData: every MetricStat query gets one point per period from StartTime to EndTime (newest first with
 *   `TimestampDescending`), a steady value per metric that `metrics` sets (default 42), StatusCode Complete;
 * - DescribeAlarms: the `alarms` whose names start with AlarmNamePrefix, metric or composite per AlarmTypes (metric only
 *   when absent, as CloudWatch does);
 * - DescribeAlarmHistory: `history` (StateUpdate items) within StartDate..EndDate, filtered by AlarmName.
 * Anything else: 400 UnknownOperationException.
 *
 * `fail`, while set, answers every call with that error instead (a refused key: 403 `InvalidClientTokenId` or
 * `SignatureDoesNotMatch`; throttling: 400 `Throttling`), as CloudWatch's JSON endpoint shapes errors.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeAlarm {
  name: string;
  type: 'MetricAlarm' | 'CompositeAlarm';
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  since: Date;
}

export interface FakeAlarmHistoryItem {
  name: string;
  type: 'MetricAlarm' | 'CompositeAlarm';
  at: Date;
  from: FakeAlarm['state'];
  to: FakeAlarm['state'];
}

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';

export class FakeCloudWatch {
  /** `Namespace/MetricName` -> the value of every period (default 42). */
  readonly metrics: Record<string, number> = {};
  readonly alarms: FakeAlarm[] = [];
  readonly history: FakeAlarmHistoryItem[] = [];
  /** Every call, as its operation name. */
  readonly calls: string[] = [];
  /** While set, every call is answered with this error (HTTP status, AWS error code, message). */
  fail: { status: number; code: string; message: string } | undefined = undefined;
  url = '';
  private server!: Server;
  private readonly sockets = new Set<Socket>();

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res).catch(() => this.error(res, 500, 'InternalFailure', 'the stand-in failed')));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
      return this.error(res, 400, 'UnknownOperationException', 'expected a POST with x-amz-target GraniteServiceVersion20100801.<Operation> (AWS JSON 1.0)');
    }
    const op = target.slice(TARGET_PREFIX.length);
    this.calls.push(op);
    if (this.fail) return this.error(res, this.fail.status, this.fail.code, this.fail.message);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return this.error(res, 400, 'SerializationException', 'the body is not JSON');
    }
    switch (op) {
      case 'GetMetricData':
        return this.send(res, this.getMetricData(body));
      case 'DescribeAlarms':
        return this.send(res, this.describeAlarms(body));
      case 'DescribeAlarmHistory':
        return this.send(res, this.describeAlarmHistory(body));
      default:
        return this.error(res, 400, 'UnknownOperationException', `the playground's CloudWatch does not answer ${op}`);
    }
  }

  private getMetricData(body: Record<string, unknown>): unknown {
    const start = seconds(body['StartTime']);
    const end = seconds(body['EndTime']);
    const queries = (body['MetricDataQueries'] ?? []) as Array<{ Id: string; Label?: string; MetricStat?: { Metric?: { Namespace?: string; MetricName?: string }; Period?: number } }>;
    const results = queries.map((q) => {
      const period = q.MetricStat?.Period ?? 300;
      const key = `${q.MetricStat?.Metric?.Namespace ?? ''}/${q.MetricStat?.Metric?.MetricName ?? ''}`;
      const value = this.metrics[key] ?? 42;
      const timestamps: number[] = [];
      // Periods aligned as CloudWatch aligns them, from the first whole period at or after StartTime.
      for (let t = Math.ceil(start / period) * period; t < end; t += period) timestamps.push(t);
      if (body['ScanBy'] !== 'TimestampAscending') timestamps.reverse();
      return { Id: q.Id, Label: q.Label ?? q.MetricStat?.Metric?.MetricName ?? q.Id, Timestamps: timestamps, Values: timestamps.map(() => value), StatusCode: 'Complete', Messages: [] };
    });
    return { MetricDataResults: results, Messages: [] };
  }

  private describeAlarms(body: Record<string, unknown>): unknown {
    const prefix = String(body['AlarmNamePrefix'] ?? '');
    const types = (body['AlarmTypes'] as string[] | undefined) ?? ['MetricAlarm'];
    const matching = this.alarms.filter((a) => a.name.startsWith(prefix) && types.includes(a.type));
    const shown = (a: FakeAlarm) => ({
      AlarmName: a.name,
      AlarmArn: `arn:aws:cloudwatch:eu-west-1:000000000000:alarm:${a.name}`,
      StateValue: a.state,
      StateReason: a.state === 'OK' ? 'Threshold Crossed: no datapoint was above the threshold' : `Playground alarm in ${a.state}`,
      StateUpdatedTimestamp: a.since.getTime() / 1000,
    });
    return {
      MetricAlarms: matching.filter((a) => a.type === 'MetricAlarm').map((a) => ({ ...shown(a), Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Period: 60, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1 })),
      CompositeAlarms: matching.filter((a) => a.type === 'CompositeAlarm').map((a) => ({ ...shown(a), AlarmRule: 'ALARM(app-prod-errors)' })),
    };
  }

  private describeAlarmHistory(body: Record<string, unknown>): unknown {
    const start = body['StartDate'] === undefined ? -Infinity : seconds(body['StartDate']);
    const end = body['EndDate'] === undefined ? Infinity : seconds(body['EndDate']);
    const name = body['AlarmName'] as string | undefined;
    const items = this.history
      .filter((h) => (!name || h.name === name) && h.at.getTime() / 1000 >= start && h.at.getTime() / 1000 <= end)
      .sort((a, b) => (body['ScanBy'] === 'TimestampAscending' ? a.at.getTime() - b.at.getTime() : b.at.getTime() - a.at.getTime()));
    return {
      AlarmHistoryItems: items.map((h) => ({
        AlarmName: h.name,
        AlarmType: h.type,
        Timestamp: h.at.getTime() / 1000,
        HistoryItemType: 'StateUpdate',
        HistorySummary: `Alarm updated from ${h.from} to ${h.to}`,
        HistoryData: JSON.stringify({ version: '1.0', oldState: { stateValue: h.from }, newState: { stateValue: h.to } }),
      })),
    };
  }

  private send(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': crypto.randomUUID() }).end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, code: string, message: string): void {
    if (res.headersSent) return void res.end();
    res
      .writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': crypto.randomUUID(), 'x-amzn-query-error': `${code};Sender` })
      .end(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${code}`, message }));
  }
}

/** A timestamp as the SDK sends it in JSON 1.0 (epoch seconds; an ISO string accepted too). */
function seconds(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return new Date(value).getTime() / 1000;
  return Date.now() / 1000;
}
