/**
 * What a real @slack/web-api WebClient makes of the fake's 429: with `rejectRateLimitedCalls` a WebAPIRateLimitedError
 * naming the Retry-After; with retries, its own path (it pauses its queue for Retry-After seconds, then retries),
 * walked on vitest's fake timers and the fake's stepped clock, so nothing sleeps on the wall clock.
 */
import { ErrorCode, LogLevel, WebAPIRateLimitedError, WebClient, WebClientEvent } from '@slack/web-api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../src/playground/fake-slack.js';
import { TOKEN } from './fixtures.js';

let fake: FakeSlack | undefined;
let now = 1_700_000_000_000;

afterEach(async () => {
  vi.useRealTimers();
  await fake?.close();
  fake = undefined;
});

async function start(): Promise<FakeSlack> {
  // chat.update: a burst of 2, then one a second, so Retry-After is 1 s
  fake = await startFakeSlack({
    clock: () => now,
    rateLimits: { methods: { 'chat.update': { perMinute: 60, burst: 2 } } },
  });
  return fake;
}

describe('a WebClient against the rate-limited fake', () => {
  it('with rejectRateLimitedCalls, throws WebAPIRateLimitedError naming the Retry-After', async () => {
    const f = await start();
    const web = new WebClient(TOKEN, { slackApiUrl: f.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    const limited: number[] = [];
    web.on(WebClientEvent.RATE_LIMITED, (seconds: number) => limited.push(seconds));
    const { ts } = await web.chat.postMessage({ channel: 'C1', text: 'x' });
    const update = () => web.chat.update({ channel: 'C1', ts: ts!, text: 'y' });
    await update();
    await update();
    const err = await update().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebAPIRateLimitedError);
    expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    expect((err as Error).message).toMatch(/retry this request in 1 seconds/);
    expect(limited).toEqual([1]);
    expect(f.rateLimitedCount('chat.update')).toBe(1);
    expect(f.message('C1', ts!)?.updates).toBe(2);

    now += 1000;
    await expect(update()).resolves.toMatchObject({ ok: true });
    expect(f.message('C1', ts!)?.updates).toBe(3);
  });

  it('with retries, pauses for Retry-After and succeeds once the bucket has refilled', async () => {
    const f = await start();
    const web = new WebClient(TOKEN, {
      slackApiUrl: f.apiUrl,
      retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 },
      logLevel: LogLevel.ERROR, // it logs the pause (info) and the retried failure (warn)
    });
    const { ts } = await web.chat.postMessage({ channel: 'C1', text: 'x' });
    const update = () => web.chat.update({ channel: 'C1', ts: ts!, text: 'y' });
    await update();
    await update();

    // The client waits Retry-After with setTimeout: fake it (only timers; the fake's clock is stepped by hand).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const limited: number[] = [];
    web.on(WebClientEvent.RATE_LIMITED, (seconds: number) => limited.push(seconds));
    let settled: unknown;
    const third = update().then(
      (r) => (settled = r),
      (e: unknown) => (settled = e),
    );
    await vi.waitFor(() => expect(limited).toEqual([1]));
    expect(f.rateLimitedCount('chat.update')).toBe(1);
    expect(settled).toBeUndefined(); // paused, not failed

    now += 1000; // Slack's side of the pause: the bucket refills
    await vi.waitFor(async () => {
      await vi.advanceTimersByTimeAsync(1000);
      expect(settled).toBeDefined();
    });
    await third;
    expect(settled).toMatchObject({ ok: true });
    expect(f.callsTo('chat.update').map((c) => c.rateLimited ?? false)).toEqual([false, false, true, false]);
    expect(f.message('C1', ts!)?.updates).toBe(3);
  });
});
