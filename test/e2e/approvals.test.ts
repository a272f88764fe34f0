/**
 * Named approvals and the GO decision, end to end through signed requests into real bot processes and the fake Slack
 * (issue 8): who may approve (named users, a user group read through the port's cache, the requester refused), N of
 * M, clicks at once / twice / on two replicas, approvals bound to the commit SHA, the GO gate, NO-GO, and Complete.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, approvalBlockId, INPUT, VIEW } from '../../src/ids.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { GROUP_TTL_MS } from '../../src/slack/port.js';
import { listAudit } from '../../src/store/audit.js';
import { findActive, getPromotion } from '../../src/store/promotions.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, promotionMessages, startHarness, visibleText, type BotProcess, type Harness } from '../support/harness.js';

const LEADS = 'Only <@U0LEAD1>, <@U0LEAD2> or <@U0ALICE> can approve “Code review (2 leads)”. Nothing was recorded.';

describe('approvals and the GO decision', () => {
  let database: TestDatabase;
  let h: Harness;
  let pid: string;
  let ts = 1795300000;
  const actionTs = () => `${ts++}.000001`;

  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin(bots = 1): Promise<void> {
    database = await postgresDatabase();
    h = await startHarness({ database, bots, templatesDir: 'test/fixtures/approvals', fake: { usergroups: { S0DBA: ['U0DB1', 'U0DB2'] } } });
    await h.command('start v1.50 approvals');
    await h.settle();
    pid = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
  }

  const overview = () => promotionMessages(h.fake)[0]!.overview;
  const thread = () => promotionMessages(h.fake)[0]!.thread;
  const overviewText = () => visibleText(overview());

  /** The element `actionId` as the overview shows it in block `blockId`, as Slack would send it when clicked. */
  function element(blockId: string, actionId: string): { message: FakeMessage; action: Record<string, unknown> } {
    const message = overview();
    const block = message.blocks.find((b: any) => b.block_id === blockId);
    const el = block?.elements?.find((e: any) => e.action_id === actionId);
    if (!el) throw new Error(`the overview shows no ${actionId} in ${blockId}`);
    return { message, action: { ...el, block_id: blockId, action_ts: actionTs() } };
  }

  async function approve(user: string, approvalId: string, opts: { bot?: BotProcess; settle?: boolean } = {}) {
    const { message, action } = element(approvalBlockId(pid, approvalId), ACTION.approve);
    const res = await h.click(user, message, action, opts.bot);
    if (opts.settle !== false) await h.settle();
    return res;
  }

  async function withdraw(user: string, approvalId: string) {
    const { message, action } = element(approvalBlockId(pid, approvalId), ACTION.withdraw);
    await h.click(user, message, { ...action, selected_option: (action['options'] as unknown[])[0] });
    await h.settle();
  }

  async function reject(user: string, approvalId: string, reason: string) {
    const { message, action } = element(approvalBlockId(pid, approvalId), ACTION.reject);
    await h.click(user, message, action);
    await h.settle();
    const modal = h.fake.views().at(-1)!;
    expect(modal.view.callback_id).toBe(VIEW.reject);
    const res = await h.submit(user, { ...modal.view, id: modal.id, state: { values: { [INPUT.rejectReason]: { [INPUT.value]: { type: 'plain_text_input', value: reason } } } } });
    await h.settle();
    return res;
  }

  async function decide(user: string, what: 'go' | 'noGo' | 'complete', bot?: BotProcess) {
    const { message, action } = element(`decision|${pid}`, ACTION[what]);
    const res = await h.click(user, message, action, bot);
    await h.settle();
    return res;
  }

  async function noGo(user: string, reason: string, date: string | null) {
    await decide(user, 'noGo');
    const modal = h.fake.views().at(-1)!;
    expect(modal.view.callback_id).toBe(VIEW.noGo);
    const values = {
      [INPUT.noGoReason]: { [INPUT.value]: { type: 'plain_text_input', value: reason } },
      [INPUT.noGoDate]: { [INPUT.value]: { type: 'datepicker', selected_date: date } },
    };
    const res = await h.submit(user, { ...modal.view, id: modal.id, state: { values } });
    await h.settle();
    return res;
  }

  async function setSha(value: string, user = 'U0DAN') {
    const message = thread().find((m) => m.blocks.some((b: any) => String(b.block_id).startsWith(`field|${pid}|deployed-sha|`)))!;
    const block = message.blocks.find((b: any) => String(b.block_id).startsWith(`field|${pid}|deployed-sha|`));
    await h.click(user, message, { ...block.accessory, block_id: block.block_id, action_ts: actionTs() });
    await h.settle();
    const modal = h.fake.views().at(-1)!;
    await h.submit(user, { ...modal.view, id: modal.id, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value } } } } });
    await h.settle();
  }

  async function tickBackup(user = 'U0DAN') {
    const message = thread().find((m) => m.blocks.some((b: any) => String(b.block_id).startsWith(`chk|${pid}|`)))!;
    const block = message.blocks.find((b: any) => String(b.block_id).startsWith(`chk|${pid}|`) && b.elements[0].options.some((o: any) => o.value === 'backup'));
    await h.toggle(user, message, block.block_id, ['backup']);
    await h.settle();
  }

  /** Everything GO needs: the backup ticked, the SHA set, two leads and a DBA approving. */
  async function readyForGo() {
    await tickBackup();
    await setSha('abc1234');
    await approve('U0LEAD1', 'lead');
    await approve('U0LEAD2', 'lead');
    await approve('U0DB1', 'dba');
  }

  const standing = async () =>
    (await h.bot.db.query<{ approval_id: string; user_id: string; decision: string; voided: boolean }>(
      'SELECT approval_id, user_id, decision, voided_at IS NOT NULL AS voided FROM approvals WHERE promotion_id = $1 ORDER BY at, user_id',
      [pid],
    )).rows;
  const decisions = async () => (await h.bot.db.query<{ decision: string; reason: string | null }>('SELECT decision, reason, to_char(new_date, \'YYYY-MM-DD\') AS new_date FROM decisions WHERE promotion_id = $1 ORDER BY seq', [pid])).rows;
  const actions = async () => (await listAudit(h.bot.db, pid)).map((e) => e.action);
  const lastReply = (user: string) => h.fake.ephemerals().filter((e) => e.user === user).at(-1)?.text ?? '';
  /** Posts (not the overview, which shows the decision too) that carry this headline. */
  const announcements = (headline: string) =>
    h.fake.messages(CHANNEL).filter((m) => m.ts !== overview().ts && ((m.text ?? '').includes(headline) || JSON.stringify(m.blocks).includes(headline)));

  it('shows each approval of the stage with who may give it, how many it needs, its buttons, and GO / NO-GO for the decider', async () => {
    await begin();
    const text = overviewText();
    expect(text).toContain('*Approvals before GO* · 0 of 2 complete');
    expect(text).toContain(':hourglass_flowing_sand: *Code review (2 leads)* · 0 of 2 approvals');
    expect(text).toContain('_2 different people of:_ <@U0LEAD1>, <@U0LEAD2>, <@U0ALICE>');
    expect(text).toContain('_Any of:_ <!subteam^S0DBA>');
    // The after-deploy sign-off is not in play yet.
    expect(text).not.toContain('Operational sign-off');
    expect(text).toContain('*GO / NO-GO* · decided by <@U0CHAIR>');
    expect(text).toContain('_GO still needs:_ 2 items, 3 approvals');
    for (const id of ['lead', 'dba']) for (const a of [ACTION.approve, ACTION.reject, ACTION.withdraw]) expect(() => element(approvalBlockId(pid, id), a)).not.toThrow();
    expect(() => element(`decision|${pid}`, ACTION.go)).not.toThrow();
    expect(() => element(`decision|${pid}`, ACTION.complete)).toThrow();
  });

  it('refuses a non-approver, the requester and someone outside the group, saying who can; only the attempt is audited', async () => {
    await begin();
    const before = await actions();
    await approve('U0RANDOM', 'lead');
    expect(lastReply('U0RANDOM')).toBe(`:no_entry_sign: ${LEADS}`);
    await approve('U0ALICE', 'lead');
    expect(lastReply('U0ALICE')).toBe(':no_entry_sign: You started this promotion, so you cannot approve it (separation of duties). Ask <@U0LEAD1>, <@U0LEAD2> or <@U0ALICE>.');
    await approve('U0DB9', 'dba');
    expect(lastReply('U0DB9')).toBe(':no_entry_sign: Only members of <!subteam^S0DBA> can approve “Database review”. Nothing was recorded.');
    expect(await standing()).toEqual([]);
    expect((await actions()).slice(before.length)).toEqual(['approval.refused', 'approval.refused', 'approval.refused']);
    expect(overviewText()).toContain('0 of 2 approvals');
  });

  it('refuses a person removed from the group once the cached members are older than the cache allows', async () => {
    await begin();
    await approve('U0DB1', 'dba');
    expect(await standing()).toMatchObject([{ approval_id: 'dba', user_id: 'U0DB1', decision: 'approve' }]);
    await withdraw('U0DB1', 'dba');
    expect(await standing()).toEqual([]);
    h.fake.setUsergroup('S0DBA', ['U0DB1']);
    h.time.advance(GROUP_TTL_MS + 1_000);
    await approve('U0DB2', 'dba');
    expect(lastReply('U0DB2')).toBe(':no_entry_sign: Only members of <!subteam^S0DBA> can approve “Database review”. Nothing was recorded.');
    expect(await standing()).toEqual([]);
    expect(h.fake.callsTo('usergroups.users.list')).toHaveLength(2);
  });

  it('counts two approvers clicking at once, and the same click delivered twice once', async () => {
    await begin();
    await Promise.all([approve('U0LEAD1', 'lead', { settle: false }), approve('U0LEAD2', 'lead', { settle: false })]);
    await h.settle();
    expect((await standing()).map((r) => r.user_id).sort()).toEqual(['U0LEAD1', 'U0LEAD2']);
    expect(overviewText()).toContain(':white_check_mark: *Code review (2 leads)* · 2 of 2 approvals');

    // One click, delivered twice (Slack retries a request it thinks was lost): one receipt, one approval.
    const { message, action } = element(approvalBlockId(pid, 'dba'), ACTION.approve);
    await Promise.all([h.click('U0DB1', message, action), h.click('U0DB1', message, action)]);
    await h.settle();
    expect((await standing()).filter((r) => r.approval_id === 'dba')).toHaveLength(1);
    expect((await actions()).filter((a) => a === 'approval.given')).toHaveLength(3);
  });

  it('counts both approvals when two replicas receive the two clicks', async () => {
    await begin(2);
    await Promise.all([approve('U0LEAD1', 'lead', { bot: h.bots[0], settle: false }), approve('U0LEAD2', 'lead', { bot: h.bots[1], settle: false })]);
    await h.settle();
    expect((await standing()).map((r) => r.user_id).sort()).toEqual(['U0LEAD1', 'U0LEAD2']);
    expect(overviewText()).toContain('2 of 2 approvals');
  });

  it('voids exactly the approvals bound to a changed SHA, mentions their approvers once, and refuses GO until they are renewed', async () => {
    await begin();
    await readyForGo();
    await setSha('def5678');
    const rows = await standing();
    expect(rows.filter((r) => r.voided).map((r) => r.user_id).sort()).toEqual(['U0LEAD1', 'U0LEAD2']);
    expect(rows.filter((r) => !r.voided)).toMatchObject([{ approval_id: 'dba', user_id: 'U0DB1' }]);
    const text = overviewText();
    expect(text).toContain(':hourglass_flowing_sand: *Code review (2 leads)* · 0 of 2 approvals');
    expect(text).toContain(':warning: Void: <@U0LEAD1>');
    expect(text).toContain('“Deployed commit SHA” changed from `abc1234` to `def5678`: approve again');
    const notices = thread().filter((m) => (m.text ?? '').includes('are void') || JSON.stringify(m.blocks).includes('is void because'));
    expect(notices).toHaveLength(1);
    expect(JSON.stringify(notices[0]!.blocks)).toContain('<@U0LEAD1>, <@U0LEAD2>: your approval of “Code review (2 leads)”');

    await decide('U0CHAIR', 'go');
    expect(lastReply('U0CHAIR')).toContain('“Code review (2 leads)”: 0 of 2 approvals (void: <@U0LEAD1>');
    expect(await decisions()).toEqual([]);

    await approve('U0LEAD1', 'lead');
    await approve('U0LEAD2', 'lead');
    await decide('U0CHAIR', 'go');
    expect(await decisions()).toMatchObject([{ decision: 'go' }]);
    // Setting the same SHA again, or GO, mentions nobody again.
    expect(thread().filter((m) => JSON.stringify(m.blocks).includes('is void because'))).toHaveLength(1);
  });

  it('refuses GO with the exact list of what is missing, and a GO from someone else than the decider', async () => {
    await begin();
    await decide('U0LEAD1', 'go');
    expect(lastReply('U0LEAD1')).toBe(':no_entry_sign: Only <@U0CHAIR> can decide GO or NO-GO. Nothing was recorded.');
    await decide('U0CHAIR', 'go');
    const reply = lastReply('U0CHAIR');
    const lines = reply.split('\n');
    expect(lines[0]).toBe(':no_entry_sign: GO refused: 4 things are missing.');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^• <https:\/\/slack\.com\/archives\/C0DEPLOYS\/p\d+\|Gates>: “Backup taken” to be ticked$/),
      expect.stringMatching(/^• <https:\/\/slack\.com\/archives\/C0DEPLOYS\/p\d+\|Gates>: “Deployed commit SHA” to be filled in$/),
      '• “Code review (2 leads)”: 0 of 2 approvals',
      '• “Database review”: 0 of 1 approval',
    ]);
    expect(await decisions()).toEqual([]);
    expect((await actions()).at(-1)).toBe('decision.refused');
  });

  it('records GO once after a double click, with one announcement, and then offers Complete', async () => {
    await begin();
    await readyForGo();
    const first = element(`decision|${pid}`, ACTION.go);
    const second = element(`decision|${pid}`, ACTION.go);
    await Promise.all([h.click('U0CHAIR', first.message, first.action), h.click('U0CHAIR', second.message, second.action)]);
    await h.settle();
    expect(await decisions()).toMatchObject([{ decision: 'go' }]);
    expect(announcements(':large_green_circle: GO')).toHaveLength(1);
    expect(lastReply('U0CHAIR')).toContain('GO was already decided');
    expect((await getPromotion(h.bot.db, pid))!.stage).toBe('go');
    const text = overviewText();
    expect(text).toContain(':large_green_circle: *GO* by <@U0CHAIR>');
    expect(text).toContain('*Sign-offs after the deployment* · 0 of 1 complete');
    expect(text).not.toContain('Code review (2 leads)');
    expect(() => element(`decision|${pid}`, ACTION.complete)).not.toThrow();
    expect(() => element(`decision|${pid}`, ACTION.go)).toThrow();
  });

  it('records GO once when two replicas receive the two clicks', async () => {
    await begin(2);
    await readyForGo();
    const first = element(`decision|${pid}`, ACTION.go);
    const second = element(`decision|${pid}`, ACTION.go);
    await Promise.all([h.click('U0CHAIR', first.message, first.action, h.bots[0]), h.click('U0CHAIR', second.message, second.action, h.bots[1])]);
    await h.settle();
    expect(await decisions()).toHaveLength(1);
    expect(announcements(':large_green_circle: GO')).toHaveLength(1);
  });

  it('records NO-GO with its reason and new date, shows and announces it, and lets the promotion be decided again', async () => {
    await begin();
    await noGo('U0CHAIR', 'Staging is not validated <yet> & the DBA is away', '2030-01-15');
    expect(await decisions()).toEqual([{ decision: 'no-go', reason: 'Staging is not validated <yet> & the DBA is away', new_date: '2030-01-15' }]);
    const text = overviewText();
    expect(text).toContain(':red_circle: *NO-GO* by <@U0CHAIR>');
    expect(text).toContain('Staging is not validated &lt;yet&gt; &amp; the DBA is away · *New date:* 2030-01-15');
    expect(announcements(':red_circle: NO-GO')).toHaveLength(1);
    expect(JSON.stringify(announcements(':red_circle: NO-GO')[0]!.blocks)).toContain('New date: 2030-01-15');
    const p = (await getPromotion(h.bot.db, pid))!;
    expect([p.status, p.stage]).toEqual(['active', 'no-go']);
    // Still open: the approvals before GO and the decision buttons stay, and GO can come once everything holds.
    await readyForGo();
    await decide('U0CHAIR', 'go');
    expect((await decisions()).map((d) => d.decision)).toEqual(['no-go', 'go']);
  });

  it('refuses NO-GO without a reason, in the modal', async () => {
    await begin();
    const res = await noGo('U0CHAIR', '   ', null);
    expect(res.json).toMatchObject({ response_action: 'errors', errors: { [INPUT.noGoReason]: 'Say why: the reason is announced with the NO-GO.' } });
    expect(await decisions()).toEqual([]);
  });

  it('shows a rejection with its reason, which blocks GO until withdrawn', async () => {
    await begin();
    await readyForGo();
    await reject('U0LEAD2', 'lead', 'The migration is not reversible');
    expect(overviewText()).toContain(':no_entry: Rejected by <@U0LEAD2>');
    expect(overviewText()).toContain('The migration is not reversible');
    await decide('U0CHAIR', 'go');
    expect(lastReply('U0CHAIR')).toContain('• “Code review (2 leads)”: rejected by <@U0LEAD2>: The migration is not reversible');
    await withdraw('U0LEAD2', 'lead');
    await approve('U0LEAD2', 'lead');
    await decide('U0CHAIR', 'go');
    expect(await decisions()).toMatchObject([{ decision: 'go' }]);
  });

  it('refuses Complete until the after-deploy sign-offs are in, then completes the promotion and announces it', async () => {
    await begin();
    await readyForGo();
    await decide('U0CHAIR', 'go');
    await decide('U0CHAIR', 'complete');
    expect(lastReply('U0CHAIR')).toBe(':no_entry_sign: Complete refused: 1 thing is missing.\n• “Operational sign-off”: 0 of 1 approval');
    expect((await getPromotion(h.bot.db, pid))!.status).toBe('active');
    await approve('U0OPS', 'ops-after-deploy');
    expect(overviewText()).toContain(':white_check_mark: *Operational sign-off* · 1 of 1 approval');
    await decide('U0CHAIR', 'complete');
    expect((await getPromotion(h.bot.db, pid))!.status).toBe('completed');
    expect(announcements(':checkered_flag: Completed')).toHaveLength(1);
    const text = overviewText();
    expect(text).toContain(':checkered_flag: Completed');
    expect(overview().blocks.filter((b: any) => b.type === 'actions')).toEqual([]);
  });
});
