/**
 * App Home through signed requests (issue 8): `app_home_opened` publishes the person's Home (pending approvals first,
 * each with the checklist's own Approve button and a link to the checklist; then their active promotions; then recent
 * decisions); approving from Home records the approval and refreshes the checklist and the Homes; a GO republishes the
 * Homes of those it concerns who opened theirs, and nobody else's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { messageLink } from '../../src/domain/mrkdwn.js';
import { ACTION, refValue } from '../../src/ids.js';
import { appHomeOpened, homeBlockActions } from '../../src/playground/slack-client/index.js';
import { overviewTs } from '../../src/store/messages.js';
import { findActive } from '../../src/store/promotions.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, findCheckbox, promotionMessages, startHarness, type Harness } from '../support/harness.js';

type Block = { type: string; text?: { text: string }; accessory?: Record<string, any>; elements?: Array<{ text?: string }>; block_id?: string };

describe('App Home', () => {
  let database: TestDatabase;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin() {
    database = await postgresDatabase();
    h = await startHarness({ database, templatesDir: 'test/fixtures/home', fake: { usergroups: { S0LEADS: ['U0CAROL'] } } });
  }

  /** The Home the fake Slack shows this person (the latest views.publish for them). */
  function home(user: string): { id: string; hash: string; blocks: Block[] } | undefined {
    const view = h.fake.views().find((v) => v.method === 'views.publish' && v.user_id === user);
    return view && { id: view.id, hash: view.view.hash, blocks: view.view.blocks as Block[] };
  }

  const publishes = (user: string) => h.fake.callsTo('views.publish').filter((c) => !c.rateLimited && c.args.user_id === user).length;

  function texts(blocks: Block[]): string[] {
    return blocks.map((b) => b.text?.text ?? (b.elements ?? []).map((e) => e.text ?? '').join(' '));
  }

  async function open(user: string, tab: 'home' | 'messages' = 'home') {
    const res = await appHomeOpened(h.bot.sender, { userId: user, tab });
    expect(res.status).toBe(200);
    await h.settle();
    return home(user);
  }

  async function start(release: string) {
    await h.command(`start ${release}`);
    await h.settle();
    const p = (await findActive(h.bot.db, CHANNEL, release))!;
    return { promotion: p, ts: (await overviewTs(h.bot.db, p.id))! };
  }

  it('shows the approvals waiting for the person first, with a link and the Approve button, then their promotions', async () => {
    await begin();
    const { promotion, ts } = await start('v1.50');

    // Carol is an approver through the user group S0LEADS.
    const carol = (await open('U0CAROL'))!;
    const lines = texts(carol.blocks);
    expect(carol.blocks[0]!.type).toBe('header');
    expect(lines[1]).toContain('Waiting for your approval* (1)');
    expect(lines[2]).toContain(`<${messageLink(CHANNEL, ts)}|v1.50>`);
    expect(lines[2]).toContain('Release approved');
    expect(carol.blocks[2]!.accessory).toMatchObject({ type: 'button', action_id: ACTION.approve, value: refValue(promotion.id, 'approver') });
    expect(lines.findIndex((l) => l.includes('Your active promotions'))).toBeGreaterThan(2);
    expect(lines.join('\n')).toContain('You are part of no active promotion.');

    // Alice started it: nothing to approve (separation of duties), and it is hers.
    const alice = (await open('U0ALICE'))!;
    const aliceText = texts(alice.blocks).join('\n');
    expect(aliceText).toContain('Nothing waits for your approval.');
    expect(aliceText).toContain('you started it');
    expect(aliceText).toContain('`production`');

    // Dave decides GO: the promotion is his to decide, but he approves nothing.
    const dave = texts((await open('U0DAVE'))!.blocks).join('\n');
    expect(dave).toContain('Nothing waits for your approval.');
    expect(dave).toContain('you decide GO');

    // Someone named nowhere sees nothing of it; the Messages tab publishes nothing.
    expect(texts((await open('U0ERIN'))!.blocks).join('\n')).not.toContain('v1.50');
    await open('U0FRANK', 'messages');
    expect(publishes('U0FRANK')).toBe(0);
  });

  it('approves from Home: the approval is recorded, the checklist and the Homes of those concerned are refreshed', async () => {
    await begin();
    const { promotion, ts } = await start('v1.50');
    const bob = (await open('U0BOB'))!;
    await open('U0CAROL');
    await open('U0ERIN');
    const before = { bob: publishes('U0BOB'), carol: publishes('U0CAROL'), erin: publishes('U0ERIN') };
    const overviewUpdates = () => h.fake.callsTo('chat.update').filter((c) => !c.rateLimited && c.args.ts === ts).length;
    const updatesBefore = overviewUpdates();

    const button = bob.blocks[2]!;
    const res = await homeBlockActions(h.bot.sender, {
      userId: 'U0BOB',
      view: bob,
      action: { type: 'button', action_id: button.accessory!.action_id, block_id: button.block_id, value: button.accessory!.value, action_ts: '1700000100.000100' },
    });
    expect(res.status).toBe(200);
    await h.settle();

    const rows = await h.bot.db.query<{ user_id: string; decision: string }>('SELECT user_id, decision FROM approvals WHERE promotion_id = $1', [promotion.id]);
    expect(rows.rows).toEqual([{ user_id: 'U0BOB', decision: 'approve' }]);
    expect(overviewUpdates()).toBeGreaterThan(updatesBefore);
    expect(JSON.stringify(promotionMessages(h.fake)[0]!.overview.blocks)).toContain('<@U0BOB>');

    // Bob's Home: nothing left to approve, and the promotion is one he approved. Carol's: enough approvals, nothing asked.
    expect(publishes('U0BOB')).toBeGreaterThan(before.bob);
    const bobText = texts(home('U0BOB')!.blocks).join('\n');
    expect(bobText).toContain('Nothing waits for your approval.');
    expect(bobText).toContain('you approved');
    expect(publishes('U0CAROL')).toBeGreaterThan(before.carol);
    expect(texts(home('U0CAROL')!.blocks).join('\n')).toContain('Nothing waits for your approval.');
    // Erin is not concerned: her Home is not published again.
    expect(publishes('U0ERIN')).toBe(before.erin);
  });

  it('republishes the Homes of those a GO concerns, with the decision', async () => {
    await begin();
    const { promotion, ts } = await start('v1.50');
    const box = findCheckbox(h.fake, 'ci-green');
    await h.toggle('U0BOB', box.message, box.blockId, ['ci-green']);
    await h.settle();
    const bob = (await open('U0BOB'))!;
    const button = bob.blocks[2]!;
    await homeBlockActions(h.bot.sender, {
      userId: 'U0BOB',
      view: bob,
      action: { type: 'button', action_id: ACTION.approve, block_id: button.block_id, value: refValue(promotion.id, 'approver'), action_ts: '1700000100.000200' },
    });
    await h.settle();
    for (const user of ['U0ALICE', 'U0DAVE', 'U0ERIN']) await open(user);
    const before = Object.fromEntries(['U0ALICE', 'U0BOB', 'U0DAVE', 'U0ERIN'].map((u) => [u, publishes(u)]));

    // GO from the checklist's decision buttons, as Dave's client shows the overview.
    const overview = promotionMessages(h.fake)[0]!.overview;
    const goBlock = (overview.blocks as Array<{ block_id?: string; elements?: Array<Record<string, any>> }>).find((b) => b.elements?.some((e) => e.action_id === ACTION.go))!;
    const go = goBlock.elements!.find((e) => e.action_id === ACTION.go)!;
    const res = await h.click('U0DAVE', overview, { type: 'button', action_id: ACTION.go, block_id: goBlock.block_id, value: go.value, action_ts: '1700000200.000100' });
    expect(res.status).toBe(200);
    await h.settle();
    expect((await findActive(h.bot.db, CHANNEL, 'v1.50'))!.stage).toBe('go');

    for (const user of ['U0ALICE', 'U0BOB', 'U0DAVE']) {
      expect(publishes(user)).toBeGreaterThan(before[user]!);
      const text = texts(home(user)!.blocks).join('\n');
      expect(text).toContain('Recent decisions* (1)');
      expect(text).toContain(`GO · *<${messageLink(CHANNEL, ts)}|v1.50>*`);
      expect(text).toContain('GO given');
    }
    expect(publishes('U0ERIN')).toBe(before['U0ERIN']);
  });
});
