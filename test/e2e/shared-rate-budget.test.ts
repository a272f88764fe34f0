/**
 * The chat.update budget is the workspace's, not a process's: two replicas (two Publishers, each with its own pool and
 * its own Slack client) rendering two promotions at once on one database spend one budget between them, so together
 * they stay within what the fake Slack allows (set to exactly the bot's budget, where two budgets of their own would
 * have earned 429s); a 429 one replica meets pauses the other for its Retry-After. And a refresh may name the message
 * to render first. On virtual time that stands still until the test moves it, on PostgreSQL and PGlite.
 */
import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { VirtualTime } from '../../src/playground/virtual-time.js';
import { Publisher } from '../../src/slack/publisher.js';
import { DEFAULT_UPDATES_PER_MINUTE, UPDATE_BURST } from '../../src/slack/rate-budget.js';
import { findActive } from '../../src/store/promotions.js';
import { BACKENDS, type TestDatabase } from '../support/db.js';
import { BOT_TOKEN, CHANNEL, checkboxBlocks, promotionMessages, startHarness, type BotProcess, type Harness, type HarnessOptions } from '../support/harness.js';

/** One chat.update a replica made: when (virtual time), and whether Slack took it. */
interface Update {
  by: string;
  at: number;
  ts: string;
  retryAfter?: number;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe.each(BACKENDS)('the shared chat.update budget on %s', (_kind, create) => {
  let database: TestDatabase;
  let h: Harness;
  const publishers: Publisher[] = [];
  afterEach(async () => {
    for (const p of publishers.splice(0)) {
      p.stop();
      await p.idle();
    }
    await h.close();
    await database.drop();
  });

  async function begin(fake?: HarnessOptions['fake'], releases = ['v1.50', 'v1.51']): Promise<string[]> {
    database = await create();
    const time = new VirtualTime('manual', Date.parse('2026-11-21T10:00:00Z'));
    h = await startHarness({ database, bots: 2, templatesDir: 'test/fixtures/checklists', time, ...(fake ? { fake } : {}) });
    const ids: string[] = [];
    for (const release of releases) {
      await h.command(`start ${release}`);
      await settle();
      ids.push((await findActive(h.bot.db, CHANNEL, release))!.id);
    }
    // A minute later every bucket, the bot's and Slack's, is full again.
    h.time.advance(60_000);
    return ids;
  }

  /** Wait for the bots to finish, moving virtual time on to the end of each wait for a budget as it starts. */
  async function settle(): Promise<void> {
    let done = false;
    const settled = h.settle().then(() => (done = true));
    while (!done) if (!h.time.advanceToNext()) await new Promise((resolve) => setImmediate(resolve));
    await settled;
  }

  /** A replica: its own Slack client (whose chat.update calls land in `updates`) over `bot`'s pool. */
  function replica(bot: BotProcess, name: string, updates: Update[]): Publisher {
    const slack = new WebClient(BOT_TOKEN, { slackApiUrl: h.fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    const update = slack.chat.update.bind(slack.chat);
    slack.chat.update = (async (args: Parameters<typeof update>[0]) => {
      const call: Update = { by: name, at: h.time.now(), ts: String(args.ts) };
      updates.push(call);
      try {
        return await update(args);
      } catch (err) {
        const retryAfter = (err as { retryAfter?: number }).retryAfter;
        if (retryAfter !== undefined) call.retryAfter = retryAfter;
        throw err;
      }
    }) as typeof slack.chat.update;
    const publisher = new Publisher({ db: bot.db, client: slack, poster: slack, log: createLogger('silent'), clock: () => h.time.date(), timer: h.time });
    publishers.push(publisher);
    return publisher;
  }

  /** Every message of the promotion shows an outdated state: a render updates each of them. */
  const allBehind = (id: string) => h.bot.db.query('UPDATE promotion_messages SET rendered_version = -1, rendered_hash = NULL WHERE promotion_id = $1', [id]);
  const behind = async (id: string) =>
    (
      await h.bot.db.query(
        'SELECT p.idx FROM promotion_messages p JOIN promotions x ON x.id = p.promotion_id WHERE p.promotion_id = $1 AND p.rendered_version < x.version',
        [id],
      )
    ).rows;

  /**
   * Until every publisher is done (or `until` holds): time moves on to the end of the earliest wait only once every
   * render still running waits for the budget, so that a call is made at the virtual time its token was granted.
   * Every message is posted already, so a render only ever waits for the chat.update budget: a publisher is waiting
   * when each of its renders is in that budget's queue (one render per promotion, so a publisher rendering two
   * promotions has two) and the first of them sleeps on virtual time (a budget has at most one sleeper). A sleeper per
   * publisher is not enough: one render of a publisher may sleep while another holds a token just granted and has
   * not called Slack yet, and moving time then would make that call later than its token.
   */
  async function drive(running: Publisher[], until?: () => boolean): Promise<void> {
    const busy = new Set(running);
    for (const p of running) void p.idle().then(() => busy.delete(p));
    const allWaiting = () => [...busy].every((p) => p.updates.waiting === p.rendering) && h.time.waiting >= busy.size;
    while (busy.size > 0 && !until?.()) {
      if (allWaiting()) h.time.advanceToNext();
      else await tick();
    }
  }

  it('keeps two replicas rendering at once within one budget, which Slack allows', async () => {
    // Slack allows exactly the bot's budget: a replica spending a budget of its own beside the other earns 429s.
    const ids = await begin({ rateLimits: { methods: { 'chat.update': { perMinute: DEFAULT_UPDATES_PER_MINUTE, burst: UPDATE_BURST } } } }, ['v1.50', 'v1.51', 'v1.52']);
    const [a, b, c] = ids;
    const updates: Update[] = [];
    const one = replica(h.bots[0]!, 'one', updates);
    const two = replica(h.bots[1]!, 'two', updates);
    for (const id of ids) await allBehind(id);
    const startedAt = h.time.now();
    void one.refresh(a!).catch(() => undefined);
    void two.refresh(b!).catch(() => undefined);
    void one.refresh(c!).catch(() => undefined);
    await drive([one, two]);

    // While time stood still, together they spent the burst, no more.
    expect(updates.filter((u) => u.at === startedAt)).toHaveLength(UPDATE_BURST);

    expect(updates.filter((u) => u.retryAfter !== undefined)).toEqual([]);
    expect(h.fake.rateLimitedCount('chat.update')).toBe(0);
    expect(new Set(updates.map((u) => u.by))).toEqual(new Set(['one', 'two']));
    // At every call, no more calls so far than the budget's burst and refill allow over the time gone by.
    for (const [i, u] of updates.entries()) {
      expect(i + 1).toBeLessThanOrEqual(UPDATE_BURST + ((u.at - startedAt) * DEFAULT_UPDATES_PER_MINUTE) / 60_000 + 1e-6);
    }
    expect(updates.length).toBeGreaterThan(UPDATE_BURST + 2);
    for (const id of ids) expect(await behind(id)).toEqual([]);
  });

  it("pauses every replica for a 429's Retry-After", async () => {
    // Slack's limit tighter than the bot's budget: the bot runs into 429s.
    const [a, b] = await begin({ rateLimits: { methods: { 'chat.update': { perMinute: 6, burst: 1 } } } });
    const updates: Update[] = [];
    const one = replica(h.bots[0]!, 'one', updates);
    const two = replica(h.bots[1]!, 'two', updates);
    await allBehind(a!);
    await allBehind(b!);
    const startedAt = h.time.now();

    // The first replica spends Slack's one token, meets a 429 and waits.
    void one.refresh(a!).catch(() => undefined);
    await drive([one], () => updates.some((u) => u.retryAfter !== undefined) && h.time.waiting >= 1);
    const limited = updates.find((u) => u.retryAfter !== undefined)!;
    expect(limited).toMatchObject({ by: 'one', at: startedAt });
    const pausedUntil = startedAt + limited.retryAfter! * 1000;
    const row = (await h.bot.db.query<{ paused_until: Date }>("SELECT paused_until FROM rate_budgets WHERE key = 'chat.update'")).rows[0]!;
    expect(new Date(row.paused_until).getTime()).toBe(pausedUntil);

    // The other replica, with tokens of its own by its own reckoning before, now waits without calling Slack.
    void two.refresh(b!).catch(() => undefined);
    await drive([one, two], () => h.time.waiting >= 2);
    expect(updates.filter((u) => u.by === 'two')).toEqual([]);

    await drive([one, two]);
    // Neither called Slack during any pause, and both finished.
    for (const pause of updates.filter((u) => u.retryAfter !== undefined)) {
      const end = pause.at + pause.retryAfter! * 1000;
      expect(updates.filter((u) => u.at > pause.at && u.at < end)).toEqual([]);
    }
    expect(updates.find((u) => u.by === 'two')!.at).toBeGreaterThanOrEqual(pausedUntil);
    expect(await behind(a!)).toEqual([]);
    expect(await behind(b!)).toEqual([]);
  });

  it('renders first the message a refresh names, then the other section messages, then the overview', async () => {
    const [id] = await begin(undefined, ['v1.50']);
    const { overview, thread } = promotionMessages(h.fake)[0]!;
    const withBoxes = thread.filter((m) => checkboxBlocks(m).length > 0);
    expect(withBoxes.length).toBeGreaterThanOrEqual(2);
    const [early, late] = [withBoxes[0]!, withBoxes.at(-1)!];
    const itemOf = (m: typeof early, n: number) => checkboxBlocks(m)[0]!.values[n]!;
    const publisher = h.bot.preflight.publisher;

    /** Tick the `n`th item of both messages in one change, behind the publisher's back; the ts each update went to. */
    const change = async (n: number, opts?: { first?: string }) => {
      await h.bot.db.tx(async (q) => {
        await q.query("UPDATE item_states SET state = 'done' WHERE promotion_id = $1 AND item_id = ANY($2::text[])", [id, [itemOf(early, n), itemOf(late, n)]]);
        await q.query('UPDATE promotions SET version = version + 1 WHERE id = $1', [id]);
      });
      const before = h.fake.callsTo('chat.update').length;
      await publisher.refresh(id!, opts);
      await settle();
      return h.fake.callsTo('chat.update').slice(before).map((c) => c.args['ts']);
    };

    expect(await change(0)).toEqual([early.ts, late.ts, overview.ts]);
    expect(await change(1, { first: late.ts })).toEqual([late.ts, early.ts, overview.ts]);
    // The overview named: before the section messages.
    expect(await change(2, { first: overview.ts })).toEqual([overview.ts, early.ts, late.ts]);
    expect(await behind(id!)).toEqual([]);
  });
});
