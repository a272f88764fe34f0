import { afterEach, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/store/audit.js';
import { findActive, loadView } from '../../src/store/promotions.js';
import type { Db } from '../../src/store/db.js';
import { blockActionsPayload, postInteractivity, toggleCheckboxes } from '../../src/playground/slack-client/index.js';
import { BACKENDS, type TestDatabase } from '../support/db.js';
import { CHANNEL, checkboxBlocks, findCheckbox, promotionMessages, startHarness, type Harness } from '../support/harness.js';

/** Poll the database until a condition holds; bounded by attempts, not by a clock. */
async function until(check: () => Promise<boolean>, attempts = 500): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition never held');
}

async function doneItems(db: Db, promotionId: string): Promise<Set<string>> {
  const view = await loadView(db, promotionId);
  return new Set([...view!.states.values()].filter((s) => s.state === 'done').map((s) => s.itemId));
}

describe.each(BACKENDS)('concurrent clicks on %s, two bot processes', (_kind, create) => {
  let database: TestDatabase;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin(bots: number) {
    database = await create();
    h = await startHarness({ database, bots, templatesDir: 'test/fixtures/checklists' });
    await h.command('start v1.50');
    await h.settle();
    return (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
  }

  it('ends with every item ticked when 30 people tick from clients that had not seen each other', async () => {
    const promotionId = await begin(2);
    // Every client has the checklist as it was first posted: none sees anyone else's tick.
    const stale = promotionMessages(h.fake)[0]!.thread;
    const groups = stale.flatMap((message) => checkboxBlocks(message).map((b) => ({ message, ...b })));
    const full = groups.find((g) => g.values.length === 10)!;
    expect(full).toBeDefined();
    const others = groups.filter((g) => g !== full).flatMap((g) => g.values.map((v) => ({ ...g, value: v }))).slice(0, 20);
    expect(others).toHaveLength(20);
    const clicks = [
      ...full.values.map((value) => ({ message: full.message, blockId: full.blockId, value })),
      ...others.map((o) => ({ message: o.message, blockId: o.blockId, value: o.value })),
    ];
    const results = await Promise.all(
      clicks.map((c, i) => h.toggle(`U0USER${i}`, c.message, c.blockId, [c.value], h.bots[i % h.bots.length])),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    await h.settle();

    const done = await doneItems(h.bot.db, promotionId);
    for (const c of clicks) expect(done.has(c.value)).toBe(true);
    expect(done.size).toBe(30);
    // And every message ends showing it.
    for (const c of clicks) expect(findCheckbox(h.fake, c.value).ticked).toBe(true);
  });

  it('applies a click delivered twice once, with one audit event', async () => {
    const promotionId = await begin(1);
    const box = findCheckbox(h.fake, 'safe-3');
    const payload = blockActionsPayload(h.bot.sender, {
      userId: 'U0BOB',
      channelId: CHANNEL,
      message: box.message,
      action: toggleCheckboxes(box.message, box.blockId, ['safe-3']),
      responseUrl: h.fake.responseUrl({ channel: CHANNEL, user: 'U0BOB' }),
    });
    const before = (await listAudit(h.bot.db, promotionId)).length;
    const [a, b] = await Promise.all([postInteractivity(h.bot.sender, payload), postInteractivity(h.bot.sender, payload)]);
    await postInteractivity(h.bot.sender, payload);
    expect([a.status, b.status]).toEqual([200, 200]);
    await h.settle();
    const audit = await listAudit(h.bot.db, promotionId);
    expect(audit).toHaveLength(before + 1);
    expect(audit.at(-1)).toMatchObject({ action: 'items.toggled', actor: 'U0BOB', data: { ticked: ['safe-3'], unticked: [] } });
    expect(findCheckbox(h.fake, 'safe-3').ticked).toBe(true);
  });
});

describe('a burst of clicks on one checklist, two bot processes on one PostgreSQL', () => {
  let database: TestDatabase;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  it('coalesces into few chat.update calls and ends on the latest state', async () => {
    database = await BACKENDS[0][1]();
    h = await startHarness({ database, bots: 2, templatesDir: 'test/fixtures/checklists' });
    await h.command('start v1.50');
    await h.settle();
    const promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    const target = promotionMessages(h.fake)[0]!.thread[0]!;
    const items = checkboxBlocks(target).flatMap((b) => b.values.map((value) => ({ blockId: b.blockId, value })));
    expect(items.length).toBeGreaterThanOrEqual(10);
    const clicks = items.slice(0, 10);

    // Slack is slow to answer the first update: everything else arrives meanwhile.
    h.fake.hold('chat.update');
    const updatesBefore = h.fake.callsTo('chat.update').length;
    const acks = await Promise.all(clicks.map((c, i) => h.toggle(`U0U${i}`, target, c.blockId, [c.value], h.bots[i % 2])));
    expect(acks.every((r) => r.status === 200)).toBe(true);
    await until(async () => (await doneItems(h.bot.db, promotionId)).size === clicks.length);
    h.fake.release('chat.update');
    await h.settle();

    const updatesOfTarget = h.fake.callsTo('chat.update').slice(updatesBefore).filter((c) => c.args['ts'] === target.ts);
    expect(updatesOfTarget.length).toBeGreaterThan(0);
    expect(updatesOfTarget.length).toBeLessThanOrEqual(4);
    for (const c of clicks) expect(findCheckbox(h.fake, c.value).ticked).toBe(true);
    expect(h.fake.message(CHANNEL, target.ts)!.updates).toBe(updatesOfTarget.length);
  });
});
