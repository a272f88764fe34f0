/**
 * The overview links to its thread's replies ("Next:", "Before GO:"), but it is posted before them: its ts is the
 * thread's. A render pass that posted replies renders the overview once more at its end (`recheckIfHeld`), so the
 * links are there from the start; an unchanged render calls Slack for nothing, and a reply whose post failed for good
 * leaves the overview behind for the sweep. On PostgreSQL and on PGlite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findActive } from '../../src/store/promotions.js';
import { recheckIfHeld } from '../../src/store/render-leases.js';
import { BACKENDS, type TestDatabase } from '../support/db.js';
import { CHANNEL, promotionMessages, startHarness, visibleText, type Harness } from '../support/harness.js';

describe.each(BACKENDS)('the overview\'s links to its replies on %s', (_kind, create) => {
  let database: TestDatabase;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin(): Promise<void> {
    database = await create();
    h = await startHarness({ database, templatesDir: 'test/fixtures/checklists' });
  }
  const overview = () => promotionMessages(h.fake)[0]!.overview;
  const reply = (title: string) => promotionMessages(h.fake)[0]!.thread.find((m) => m.blocks.some((b: any) => b.type === 'header' && b.text.text === title));
  /** How Slack links a reply: its permalink, naming its thread. */
  const link = (title: string) => `<https://slack.com/archives/${CHANNEL}/p${reply(title)!.ts.replace('.', '')}?thread_ts=${overview().ts}&cid=${CHANNEL}|${title}>`;
  const overviewUpdates = () => h.fake.callsTo('chat.update').filter((c) => !c.rateLimited && c.args['ts'] === overview().ts).length;
  /** The version the overview is recorded as showing (-1: marked behind). */
  const overviewVersion = async (promotionId: string) =>
    (await h.bot.db.query<{ v: number }>('SELECT rendered_version AS v FROM promotion_messages WHERE promotion_id = $1 AND idx = 0', [promotionId])).rows[0]!.v;

  it('links every section from the start, with one update of the overview, and none when nothing changed', async () => {
    await begin();
    await h.command('start v1.50');
    await h.settle();
    expect(visibleText(overview())).toContain(`*Next:* ${link('Gates')} · 10 open`);
    expect(visibleText(overview())).toContain(`${link('Safety')} (8), ${link('Deployment')} (8)`);
    expect(overviewUpdates()).toBe(1);

    // Marked for a recheck with nothing changed: rendered again, and Slack is not called.
    const promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    await h.bot.db.query("INSERT INTO render_leases (promotion_id, owner, expires_at) VALUES ($1, 'this-test', clock_timestamp() + interval '30 seconds')", [promotionId]);
    await recheckIfHeld(h.bot.db, promotionId, 0, 'this-test');
    await h.bot.db.query('DELETE FROM render_leases');
    expect(await overviewVersion(promotionId)).toBe(-1);
    await h.bot.preflight.repair();
    expect(overviewUpdates()).toBe(1);
    const shown = await overviewVersion(promotionId);
    expect(shown).toBeGreaterThanOrEqual(0);

    // Without the render lease, a recheck changes nothing: the holder renders.
    await recheckIfHeld(h.bot.db, promotionId, 0, 'this-test');
    expect(await overviewVersion(promotionId)).toBe(shown);
  });

  it('links the replies posted before one whose post failed for good, once the sweep runs', async () => {
    await begin();
    // The posts one at a time: the overview, the first reply, then the last reply, refused for good.
    h.fake.hold('chat.postMessage');
    await h.command('start v1.50');
    for (let posted = 0; posted < 2; posted++) {
      await h.fake.waitFor(() => h.fake.pending('chat.postMessage') === 1, { what: `post ${posted + 1}` });
      h.fake.release('chat.postMessage');
      h.fake.hold('chat.postMessage');
    }
    await h.fake.waitFor(() => h.fake.pending('chat.postMessage') === 1, { what: 'the last reply\'s post' });
    h.fake.failNext('chat.postMessage', 'channel_not_found');
    h.fake.release('chat.postMessage');
    await h.settle();
    expect(reply('Gates')).toBeDefined();
    expect(reply('Deployment')).toBeUndefined();
    // The pass stopped at the refused post; the sweep renders the overview it left behind.
    await h.bot.preflight.repair();
    expect(visibleText(overview())).toContain(`*Next:* ${link('Gates')} · 10 open`);
  });
});
