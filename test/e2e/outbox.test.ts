/**
 * One-off posts through the outbox (src/slack/outbox.ts), against the rate-limited fake Slack on virtual time (auto:
 * a wait for a budget moves time on at once, nothing sleeps on the wall clock): the abort notice is posted once right
 * after a start in the same channel (the channel's budget waits, no 429 loses it); two bot processes sending one row
 * at once post it once; a row whose sender died after claiming it, or whose answer never came after Slack stored the
 * message, is looked for by its metadata and not posted again. And the channel's budget against the fake's bucket on
 * manual time: a caller slow between its token and its call does not leave the budget ahead of Slack's (no 429).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, RateLimiter } from '../../src/playground/fake-slack/rate-limits.js';
import { VirtualTime } from '../../src/playground/virtual-time.js';
import { OUTBOX_EVENT_TYPE } from '../../src/slack/outbox.js';
import { POSTS_PER_CHANNEL, RateBudget } from '../../src/slack/rate-budget.js';
import { enqueue, getOutboxRow, type OutboxPost } from '../../src/store/outbox.js';
import { findActive } from '../../src/store/promotions.js';
import { BACKENDS, type TestDatabase } from '../support/db.js';
import { CHANNEL, promotionMessages, startHarness, type Harness } from '../support/harness.js';

describe.each(BACKENDS)('the outbox on %s', (_kind, create) => {
  let database: TestDatabase;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin(bots = 1) {
    database = await create();
    h = await startHarness({ database, bots, templatesDir: 'test/fixtures/checklists' });
  }

  /** What the person saw: the private replies posted to response_urls by the command. */
  async function answer(send: Promise<{ status: number }>): Promise<string> {
    const before = h.fake.responses().length;
    expect((await send).status).toBe(200);
    await h.settle();
    return h.fake
      .responses()
      .slice(before)
      .map((r) => String((r.body as { text?: string }).text ?? ''))
      .join('\n');
  }

  /** Messages in the fake carrying this outbox key in their metadata. */
  const postedWithKey = (key: string) =>
    h.fake.messages().filter((m) => m.metadata?.event_type === OUTBOX_EVENT_TYPE && m.metadata.event_payload['key'] === key);
  const postCallsWithKey = (key: string) =>
    h.fake.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.args['metadata'] ?? '').includes(key));

  /** A post of a kind there is (the abort notice), named after its key. */
  const post = (key: string, threadTs?: string, release = key): OutboxPost => ({
    key,
    channelId: CHANNEL,
    message: { kind: 'abort-notice', release, templateName: 'Test', abortedBy: null, reason: null },
    ...(threadTs ? { threadTs, broadcast: true } : {}),
  });

  it('posts the abort notice once right after a start in the same channel: it waits for the budget, no 429 loses it', async () => {
    await begin();
    // No time passes between the two commands: the start's posts spent the channel's chat.postMessage budget.
    await answer(h.command('start v1.50'));
    const confirmation = await answer(h.command('abort v1.50 window moved', { user: 'U0DAN' }));
    expect(confirmation).toContain('The channel has been told.');
    await h.settle();
    const promotion = (await findActive(h.bot.db, CHANNEL, 'v1.50')) ?? undefined;
    expect(promotion).toBeUndefined();
    const notices = h.fake.messages(CHANNEL).filter((m) => String(m.text).includes('aborted promotion *v1.50*'));
    expect(notices).toHaveLength(1);
    // In the checklist's thread, with the outbox's metadata, and recorded.
    const overview = promotionMessages(h.fake)[0]!.overview;
    expect(notices[0]!.thread_ts).toBe(overview.ts);
    const key = String(notices[0]!.metadata?.event_payload['key']);
    expect(key).toMatch(/^abort-notice:/);
    const row = await getOutboxRow(h.bot.db, key);
    expect(row).toMatchObject({ state: 'posted', postedTs: notices[0]!.ts, attempts: 1 });
    // The start's three posts spent the channel's burst: the notice waited for its budget (virtual time, about a
    // second at Slack's one post a second) instead of being refused.
    expect(h.fake.rateLimitedCount('chat.postMessage')).toBe(0);
    expect(Number(notices[0]!.ts) - Number(overview.ts)).toBeGreaterThanOrEqual(0.99);
  });

  it('tells the aborter the notice is not confirmed when Slack\'s answer was lost, and the sweep does not post it again', async () => {
    await begin();
    await answer(h.command('start v1.50'));
    h.fake.loseNextAnswer('chat.postMessage');
    const confirmation = await answer(h.command('abort v1.50 window moved', { user: 'U0DAN' }));
    expect(confirmation).toContain('not confirmed posted yet');
    expect(await h.bot.preflight.publisher.outbox.sendDue()).toBe(1);
    expect(h.fake.callsTo('conversations.replies')).toHaveLength(1);
    const notices = h.fake.messages(CHANNEL).filter((m) => String(m.text).includes('aborted promotion *v1.50*'));
    expect(notices).toHaveLength(1);
    expect(h.fake.callsTo('chat.postMessage').filter((c) => String(c.args.text).includes('aborted promotion'))).toHaveLength(1);
    expect(await getOutboxRow(h.bot.db, String(notices[0]!.metadata?.event_payload['key']))).toMatchObject({ state: 'posted', postedTs: notices[0]!.ts });
  });

  it('tells the aborter to tell the channel when Slack refuses the notice for good', async () => {
    await begin();
    await answer(h.command('start v1.50'));
    h.fake.failNext('chat.postMessage', 'is_archived');
    const confirmation = await answer(h.command('abort v1.50 window moved', { user: 'U0DAN' }));
    expect(confirmation).toContain('tell the channel yourself');
    expect(await h.bot.preflight.publisher.outbox.sendDue()).toBe(0);
  });

  it('posts a row two bot processes send at the same moment once', async () => {
    await begin(2);
    await enqueue(h.bot.db, post('test:both'), new Date());
    // The first sender's post is in flight (held by Slack) while the second looks for due rows.
    h.fake.hold('chat.postMessage');
    const first = h.bots[0]!.preflight.publisher.outbox.send('test:both');
    await h.fake.waitFor(() => h.fake.pending('chat.postMessage') === 1);
    const [second, swept] = await Promise.all([
      h.bots[1]!.preflight.publisher.outbox.send('test:both'),
      h.bots[1]!.preflight.publisher.outbox.sendDue(),
    ]);
    expect(second).toBe('pending');
    expect(swept).toBe(0);
    h.fake.release('chat.postMessage');
    expect(await first).toBe('posted');
    expect(await h.bots[1]!.preflight.publisher.outbox.sendDue()).toBe(0);
    expect(postCallsWithKey('test:both')).toHaveLength(1);
    expect(postedWithKey('test:both')).toHaveLength(1);
    expect((await getOutboxRow(h.bot.db, 'test:both'))!.postedTs).toBe(postedWithKey('test:both')[0]!.ts);
  });

  it('does not post again a row whose sender died after posting it: the look-up finds it by its metadata', async () => {
    await begin();
    await enqueue(h.bot.db, post('test:crashed'), new Date());
    // A process claimed it, posted it, and died before recording the ts.
    await h.bot.db.query(
      `UPDATE slack_outbox SET state = 'claimed', claimed_by = 'dead/1', claimed_until = clock_timestamp() - interval '1 second', attempts = 1 WHERE key = $1`,
      ['test:crashed'],
    );
    const ts = h.fake.storeMessage(CHANNEL, { text: 'notice test:crashed', metadata: { event_type: OUTBOX_EVENT_TYPE, event_payload: { key: 'test:crashed' } } });
    expect(await h.bot.preflight.publisher.outbox.sendDue()).toBe(1);
    expect(postCallsWithKey('test:crashed')).toHaveLength(0);
    expect(h.fake.callsTo('conversations.history')).toHaveLength(1);
    expect(h.fake.callsTo('conversations.history')[0]!.args).toMatchObject({ channel: CHANNEL, limit: '15', include_all_metadata: 'true' });
    expect(await getOutboxRow(h.bot.db, 'test:crashed')).toMatchObject({ state: 'posted', postedTs: ts });
  });

  it('posts a row whose sender died before posting it, once, after looking for it', async () => {
    await begin();
    await enqueue(h.bot.db, post('test:unsent'), new Date());
    await h.bot.db.query(
      `UPDATE slack_outbox SET state = 'claimed', claimed_by = 'dead/1', claimed_until = clock_timestamp() - interval '1 second', attempts = 1 WHERE key = $1`,
      ['test:unsent'],
    );
    expect(await h.bot.preflight.publisher.outbox.sendDue()).toBe(1);
    expect(h.fake.callsTo('conversations.history')).toHaveLength(1);
    expect(postedWithKey('test:unsent')).toHaveLength(1);
    expect(await h.bot.preflight.publisher.outbox.sendDue()).toBe(0);
    expect(postedWithKey('test:unsent')).toHaveLength(1);
  });

  it('does not post twice a reply whose answer never came after Slack stored it', async () => {
    await begin();
    const parent = h.fake.storeMessage(CHANNEL, { text: 'a thread' });
    await enqueue(h.bot.db, post('test:timeout', parent), new Date());
    h.fake.loseNextAnswer('chat.postMessage');
    expect(await h.bot.preflight.publisher.outbox.send('test:timeout')).toBe('pending');
    expect(postedWithKey('test:timeout')).toHaveLength(1);
    expect(await getOutboxRow(h.bot.db, 'test:timeout')).toMatchObject({ state: 'claimed', postedTs: null });
    // The sweep finds it in doubt, looks in the thread, and records what it finds.
    expect(await h.bot.preflight.publisher.outbox.sendDue()).toBe(1);
    expect(h.fake.callsTo('conversations.replies')).toHaveLength(1);
    expect(postCallsWithKey('test:timeout')).toHaveLength(1);
    expect(postedWithKey('test:timeout')).toHaveLength(1);
    expect(await getOutboxRow(h.bot.db, 'test:timeout')).toMatchObject({ state: 'posted', postedTs: postedWithKey('test:timeout')[0]!.ts });
  });

  it('threads a reply under the post it names once that post is up, holding it back until then; in the channel if that post failed', async () => {
    await begin();
    await enqueue(h.bot.db, post('test:parent'), new Date());
    await enqueue(h.bot.db, { ...post('test:child'), threadOf: 'test:parent' }, new Date());
    // The parent is not posted yet: the reply waits rather than landing in the channel on its own.
    expect(await h.bot.preflight.publisher.outbox.send('test:child')).toBe('pending');
    expect(postedWithKey('test:child')).toHaveLength(0);
    expect(await h.bot.preflight.publisher.outbox.send('test:parent')).toBe('posted');
    await h.bot.db.query(`UPDATE slack_outbox SET next_attempt_at = NULL WHERE key = 'test:child'`);
    expect(await h.bot.preflight.publisher.outbox.send('test:child')).toBe('posted');
    const [parent] = postedWithKey('test:parent');
    expect(postedWithKey('test:child')[0]!.thread_ts).toBe(parent!.ts);
    expect((await getOutboxRow(h.bot.db, 'test:child'))!.threadTs).toBe(parent!.ts);

    h.fake.failNext('chat.postMessage', 'channel_not_found');
    await enqueue(h.bot.db, post('test:gone'), new Date());
    expect(await h.bot.preflight.publisher.outbox.send('test:gone')).toBe('failed');
    await enqueue(h.bot.db, { ...post('test:orphan'), threadOf: 'test:gone' }, new Date());
    expect(await h.bot.preflight.publisher.outbox.send('test:orphan')).toBe('posted');
    expect(postedWithKey('test:orphan')[0]!.thread_ts).toBeUndefined();
  });

  it('enqueues one key once', async () => {
    await begin();
    expect(await enqueue(h.bot.db, post('test:once'), new Date())).toBe(true);
    expect(await enqueue(h.bot.db, post('test:once', undefined, 'another'), new Date())).toBe(false);
    expect((await getOutboxRow(h.bot.db, 'test:once'))!.content).toEqual({ type: 'message', message: post('test:once').message });
  });

  it('refuses to enqueue a post that does not have its kind\'s shape', async () => {
    await begin();
    const bad = { ...post('test:bad'), message: { kind: 'abort-notice', release: '' } } as unknown as OutboxPost;
    await expect(enqueue(h.bot.db, bad, new Date())).rejects.toThrow('outbox message abort-notice: release');
    expect(await getOutboxRow(h.bot.db, 'test:bad')).toBeUndefined();
  });

  it('renders a post from its kind when it sends it', async () => {
    await begin();
    await enqueue(h.bot.db, { ...post('test:kind'), message: { kind: 'abort-notice', release: 'v2', templateName: 'Web <app>', abortedBy: 'U0DAN', reason: 'red' } }, new Date());
    expect(await h.bot.preflight.publisher.outbox.send('test:kind')).toBe('posted');
    expect(postedWithKey('test:kind').map((m) => m.text)).toEqual([':no_entry: <@U0DAN> aborted promotion *v2* (Web &lt;app&gt;): red']);
  });

  it('posts a row the previous version wrote (text and blocks rendered when enqueued) as it is', async () => {
    await begin();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'rendered before' } }];
    await h.bot.db.query(
      `INSERT INTO slack_outbox (key, channel_id, text, blocks, created_at) VALUES ($1, $2, $3, $4::jsonb, $5)`,
      ['test:legacy', CHANNEL, 'rendered before', JSON.stringify(blocks), new Date()],
    );
    expect(await getOutboxRow(h.bot.db, 'test:legacy')).toMatchObject({ content: { type: 'rendered', text: 'rendered before', blocks } });
    expect(await h.bot.preflight.publisher.outbox.sendDue()).toBe(1);
    expect(postedWithKey('test:legacy')).toMatchObject([{ text: 'rendered before', blocks }]);
  });

  it('leaves a post of a kind it does not know (a newer version\'s) for a version that does, without failing it', async () => {
    await begin();
    await h.bot.db.query(
      `INSERT INTO slack_outbox (key, channel_id, kind, data, created_at) VALUES ($1, $2, 'from-the-future', '{}'::jsonb, $3)`,
      ['test:newer', CHANNEL, new Date()],
    );
    expect(await h.bot.preflight.publisher.outbox.send('test:newer')).toBe('pending');
    expect(postCallsWithKey('test:newer')).toHaveLength(0);
    const row = await getOutboxRow(h.bot.db, 'test:newer');
    expect(row).toMatchObject({ state: 'pending', content: { type: 'unreadable', kind: 'from-the-future' } });
    expect(row!.lastError).toContain('cannot render');
  });
});

describe("a channel's post budget against Slack's", () => {
  it('is not ahead of Slack\'s when the caller is slow between the grant and the call: the notice after a burst gets no 429', async () => {
    // Manual time: it moves only where this test says, so Slack's bucket (the fake's) and the budget see the same instants.
    const time = new VirtualTime('manual', Date.parse('2026-01-01T00:00:00Z'));
    const slack = new RateLimiter(DEFAULT_RATE_LIMITS, () => time.now());
    const budget = new RateBudget(POSTS_PER_CHANNEL, () => time);
    /** One post the way the publisher and the outbox make it: a token, some work (reading the database), then the call. */
    async function post(workMs: number): Promise<number | undefined> {
      const taking = budget.take();
      while (time.waiting > 0 || budget.waiting > 0) {
        if (!time.advanceToNext()) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await taking).toBe(true);
      time.advance(workMs);
      const takenAt = budget.now();
      const refused = slack.take('T1', 'chat.postMessage', 'C1');
      time.advance(5);
      budget.answered(takenAt);
      return refused;
    }
    // The start's three posts, the first from a full bucket 300 ms before it reached Slack (a busy process).
    expect(await post(300)).toBeUndefined();
    expect(await post(0)).toBeUndefined();
    expect(await post(0)).toBeUndefined();
    // The abort notice waits for the budget, then Slack takes it.
    expect(await post(0)).toBeUndefined();
  });
});
