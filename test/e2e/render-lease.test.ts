/**
 * The render lease (`render_leases`): a row, not a held connection, says which replica renders a promotion. A
 * lease left by a replica that died mid-render holds the others off until it lapses, and then the sweep renders;
 * a render that lost its lease records nothing as rendered, so the message is rendered again from the latest
 * state. Leases are timed by the database's clock, so replicas whose clocks disagree still render one at a time.
 * On PostgreSQL and on PGlite.
 */
import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { Publisher } from '../../src/slack/publisher.js';
import { findActive } from '../../src/store/promotions.js';
import { BACKENDS, type TestDatabase } from '../support/db.js';
import { BOT_TOKEN, CHANNEL, findCheckbox, startHarness, type BotProcess, type Harness } from '../support/harness.js';

describe.each(BACKENDS)('the render lease on %s', (_kind, create) => {
  let database: TestDatabase;
  let h: Harness;
  let now = new Date('2026-11-21T10:00:00Z');
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin(bots = 1) {
    now = new Date('2026-11-21T10:00:00Z');
    database = await create();
    h = await startHarness({ database, bots, templatesDir: 'test/fixtures/checklists', clock: () => now });
    await h.command('start v1.50');
    await h.settle();
    return (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
  }
  const leases = async () => (await h.bot.db.query<{ owner: string }>('SELECT owner FROM render_leases')).rows;
  /** A lease as the database's clock has it: `seconds` from now (negative: lapsed). */
  const leaseFor = (seconds: number) => `clock_timestamp() + ${seconds} * interval '1 second'`;
  const rendered = async (promotionId: string, ts: string) =>
    (await h.bot.db.query<{ v: number }>('SELECT rendered_version AS v FROM promotion_messages WHERE promotion_id = $1 AND ts = $2', [promotionId, ts])).rows[0]!.v;

  it('leaves none behind once a render is done', async () => {
    await begin();
    const box = findCheckbox(h.fake, 'gate-0');
    await h.toggle('U0A', box.message, box.blockId, ['gate-0']);
    await h.settle();
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(true);
    expect(await leases()).toEqual([]);
  });

  it('waits out the lease of a replica that died mid-render, then the sweep catches the message up', async () => {
    const promotionId = await begin();
    await h.bot.db.query(`INSERT INTO render_leases (promotion_id, owner, expires_at) VALUES ($1, $2, ${leaseFor(30)})`, [
      promotionId,
      'a-replica-that-died',
    ]);
    const box = findCheckbox(h.fake, 'gate-0');
    await h.toggle('U0A', box.message, box.blockId, ['gate-0']);
    await h.settle();
    // Saved; the holder would render it, so nobody else does, and the person is not told anything failed.
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(false);
    expect(h.fake.ephemerals().filter((e) => e.user === 'U0A')).toHaveLength(0);
    // The injected clock has no say over leases: an hour later by it, the lease is still live by the database's.
    now = new Date(now.getTime() + 3_600_000);
    await h.bot.preflight.repair();
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(false);

    // The lease lapses, by the database's clock.
    await h.bot.db.query(`UPDATE render_leases SET expires_at = ${leaseFor(-1)}`);
    await h.bot.preflight.repair();
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(true);
    expect(await leases()).toEqual([]);
  });

  it('records nothing as rendered after losing its lease, so the message is rendered again', async () => {
    const promotionId = await begin();
    const box = findCheckbox(h.fake, 'gate-0');
    const updatesBefore = h.fake.callsTo('chat.update').filter((c) => !c.rateLimited).length;
    h.fake.hold('chat.update');
    await h.toggle('U0A', box.message, box.blockId, ['gate-0']);
    await h.fake.waitFor(() => h.fake.pending('chat.update') >= 1, { what: 'the update in flight' });
    // The render stalled past its lease and another replica claimed it meanwhile.
    await h.bot.db.query(`UPDATE render_leases SET owner = $2, expires_at = ${leaseFor(30)} WHERE promotion_id = $1`, [
      promotionId,
      'the-replica-that-took-over',
    ]);
    const heldTs = String(h.fake.callsTo('chat.update').at(-1)!.args['ts']);
    h.fake.release('chat.update');
    await h.settle();
    // Slack took that update, but it may have landed after the new holder's: the message is left marked behind,
    // and the rest is left to the new holder.
    expect(await rendered(promotionId, heldTs)).toBe(-1);
    expect(await leases()).toEqual([{ owner: 'the-replica-that-took-over' }]);
    // (The held update was the first of the render, the message the click changed: nothing was updated after it.)
    expect(heldTs).toBe(box.message.ts);
    expect(h.fake.callsTo('chat.update').filter((c) => !c.rateLimited)).toHaveLength(updatesBefore + 1);

    // The new holder finishes; whoever renders next brings every message to the latest state.
    await h.bot.db.query('DELETE FROM render_leases');
    const next = findCheckbox(h.fake, 'gate-1');
    await h.toggle('U0B', next.message, next.blockId, ['gate-1']);
    await h.settle();
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(true);
    expect(findCheckbox(h.fake, 'gate-1').ticked).toBe(true);
    const version = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.version;
    expect(await rendered(promotionId, heldTs)).toBe(version);
    expect(await rendered(promotionId, box.message.ts)).toBe(version);
  });

  it('lets one replica render a promotion at a time when their clocks disagree by minutes', async () => {
    const promotionId = await begin(2);
    // Two replicas on one database, each with its own pool and its own idea of the time: five minutes apart.
    const replica = (bot: BotProcess, clock: () => Date) => {
      const slack = new WebClient(BOT_TOKEN, { slackApiUrl: h.fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
      return new Publisher({ db: bot.db, client: slack, poster: slack, log: createLogger('silent'), clock, timer: h.time });
    };
    const slow = replica(h.bots[0]!, () => now);
    const fast = replica(h.bots[1]!, () => new Date(now.getTime() + 5 * 60_000));

    // Whichever claims first, the other finds the lease live and leaves the render to it.
    for (const [first, second] of [[slow, fast], [fast, slow]] as const) {
      await h.bot.db.query('UPDATE promotion_messages SET rendered_version = -1, rendered_hash = NULL WHERE promotion_id = $1 AND idx = 0', [promotionId]);
      const updatesBefore = h.fake.callsTo('chat.update').length;
      h.fake.hold('chat.update');
      const rendering = first.refresh(promotionId);
      await h.fake.waitFor(() => h.fake.pending('chat.update') >= 1, { what: 'the first update in flight' });
      // The second replica returns at once, finding the lease live; were it to take the lease, its own update
      // would be held beside the first one's.
      const secondDone = second.refresh(promotionId);
      await Promise.race([secondDone, h.fake.waitFor(() => h.fake.pending('chat.update') >= 2, { what: 'a second update' }).catch(() => undefined)]);
      expect(h.fake.pending('chat.update')).toBe(1);
      await secondDone;
      expect(await leases()).toHaveLength(1);

      h.fake.release('chat.update');
      await rendering;
      expect(h.fake.callsTo('chat.update').length - updatesBefore).toBe(1);
      expect(await leases()).toEqual([]);
    }
  });
});
