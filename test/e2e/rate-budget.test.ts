/**
 * The publisher's rate budget against the fake Slack enforcing Slack's limits, on virtual time that stands still
 * until the test moves it (nothing here sleeps on the wall clock): a burst of clicks over several sections ends on
 * exactly the stored state with no more chat.update calls than the budget allows over the time that went by; a modal
 * opened during the burst opens (the publisher's waits never hold app.client); a 429 from Slack is waited out
 * without telling the clicker, and the message converges; a click re-renders only what it changed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/ids.js';
import { VirtualTime } from '../../src/playground/virtual-time.js';
import { DEFAULT_UPDATES_PER_MINUTE, UPDATE_BURST } from '../../src/slack/rate-budget.js';
import { findActive, loadView } from '../../src/store/promotions.js';
import { BACKENDS, type TestDatabase } from '../support/db.js';
import { CHANNEL, checkboxBlocks, findCheckbox, promotionMessages, startHarness, type Harness, type HarnessOptions } from '../support/harness.js';

describe.each(BACKENDS)('the rate budget on %s', (_kind, create) => {
  let database: TestDatabase;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin(fake?: HarnessOptions['fake']) {
    database = await create();
    const time = new VirtualTime('manual', Date.parse('2026-11-21T10:00:00Z'));
    h = await startHarness({ database, templatesDir: 'test/fixtures/checklists', time, ...(fake ? { fake } : {}) });
    await h.command('start v1.50');
    await settle();
    return (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
  }

  /** Wait for the bots to finish, moving virtual time on to the end of each wait for the budget as it starts. */
  async function settle(): Promise<void> {
    let done = false;
    const settled = h.settle().then(() => (done = true));
    while (!done) {
      if (!h.time.advanceToNext()) await new Promise((resolve) => setImmediate(resolve));
    }
    await settled;
  }

  const accepted = (method: string) => h.fake.callsTo(method).filter((c) => !c.rateLimited);

  it('re-renders only the message a click changed and the overview', async () => {
    await begin();
    const before = accepted('chat.update').length;
    const box = findCheckbox(h.fake, 'gate-0');
    await h.toggle('U0A', box.message, box.blockId, ['gate-0']);
    await settle();
    const overviewTs = promotionMessages(h.fake)[0]!.overview.ts;
    expect(accepted('chat.update').slice(before).map((c) => c.args['ts'])).toEqual([box.message.ts, overviewTs]);
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(true);
  });

  it('ends a burst over several sections on the stored state, within the budget, and a modal opened meanwhile opens', async () => {
    const promotionId = await begin();
    const startedAt = h.time.now();
    const before = accepted('chat.update').length;
    const thread = promotionMessages(h.fake)[0]!.thread;
    const boxes = thread.flatMap((message) => checkboxBlocks(message).flatMap((b) => b.values.slice(0, 2).map((value) => ({ message, blockId: b.blockId, value }))));
    // Several sections, in more than one thread message.
    expect(new Set(boxes.map((b) => b.message.ts)).size).toBeGreaterThanOrEqual(2);
    expect(new Set(boxes.map((b) => b.blockId)).size).toBeGreaterThanOrEqual(3);
    const clicks = boxes.slice(0, 24);

    // Clicks one after the other until the publisher has spent its burst and waits for its budget (time stands
    // still), then the rest at once, landing while it waits.
    /** Until the publisher waits for its budget or has nothing left to do; bounded by attempts, not by time. */
    const waitingOrIdle = async (): Promise<boolean> => {
      let idle = false;
      void h.settle().then(() => (idle = true));
      for (let i = 0; i < 2_000; i++) {
        if (h.time.waiting > 0) return true;
        if (idle) return false;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error('the publisher neither waited nor finished');
    };
    let n = 0;
    for (; n < clicks.length; n++) {
      const c = clicks[n]!;
      expect((await h.toggle(`U0U${n}`, c.message, c.blockId, [c.value])).status).toBe(200);
      if (await waitingOrIdle()) break;
    }
    expect(n).toBeLessThan(clicks.length - 1);
    const acks = await Promise.all(clicks.slice(n + 1).map((c, i) => h.toggle(`U0U${n + 1 + i}`, c.message, c.blockId, [c.value])));
    expect(acks.every((r) => r.status === 200)).toBe(true);
    expect(h.bot.preflight.publisher.updates.waiting).toBeGreaterThan(0);
    const field = h.fake.messages(CHANNEL).flatMap((m) => m.blocks.map((blk: any) => ({ m, blk })))
      .find(({ blk }) => String(blk.block_id).includes('|deployed-sha|'))!;
    expect(field).toBeDefined();
    const viewsBefore = h.fake.views().length;
    const click = await h.click('U0BOB', field.m, { type: 'button', action_id: ACTION.openField, block_id: field.blk.block_id, value: field.blk.accessory.value, action_ts: '1795300000.000009' });
    expect(click.status).toBe(200);
    await h.fake.waitFor(() => h.fake.views().length > viewsBefore, { what: 'the modal, with no time gone by' });
    expect(h.time.now()).toBe(startedAt);

    await settle();
    // Exactly the stored state is shown.
    const view = (await loadView(h.bot.db, promotionId))!;
    for (const c of clicks) {
      expect(view.states.get(c.value)!.state).toBe('done');
      expect(findCheckbox(h.fake, c.value).ticked).toBe(true);
    }
    // No more updates than the budget allows over the time that went by, and Slack refused none.
    const elapsedMin = (h.time.now() - startedAt) / 60_000;
    const updates = accepted('chat.update').length - before;
    expect(updates).toBeLessThanOrEqual(UPDATE_BURST + Math.ceil(DEFAULT_UPDATES_PER_MINUTE * elapsedMin));
    expect(h.fake.rateLimitedCount('chat.update')).toBe(0);
    // Changes that waited for the budget folded: fewer updates than clicks times the two messages each touches.
    expect(updates).toBeLessThan(clicks.length * 2);
    expect(h.fake.ephemerals().filter((e) => e.user.startsWith('U0U'))).toHaveLength(0);
  });

  it('waits out a 429 without telling the clicker, and the message converges afterwards', async () => {
    // Slack's chat.update limit tighter than the bot's budget: the bot runs into 429s.
    await begin({ rateLimits: { methods: { 'chat.update': { perMinute: 6, burst: 1 } } } });
    const ids = ['gate-0', 'gate-1', 'safe-0'];
    for (const [i, id] of ids.entries()) {
      const t = findCheckbox(h.fake, id);
      await h.toggle(`U0R${i}`, t.message, t.blockId, [id]);
    }
    await settle();
    expect(h.fake.rateLimitedCount('chat.update')).toBeGreaterThan(0);
    for (const t of ['gate-0', 'gate-1', 'safe-0']) expect(findCheckbox(h.fake, t).ticked).toBe(true);
    expect(h.fake.ephemerals().filter((e) => e.user.startsWith('U0R'))).toHaveLength(0);
    const promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    const behind = await h.bot.db.query('SELECT idx FROM promotion_messages p JOIN promotions x ON x.id = p.promotion_id WHERE p.promotion_id = $1 AND p.rendered_version < x.version', [promotionId]);
    expect(behind.rows).toEqual([]);
  });
});
