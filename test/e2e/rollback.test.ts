/**
 * The rollback, end to end through signed requests into real bot processes and the fake Slack (issue 12): who may,
 * the form prefilled from the template's communication, the broadcast once in every channel, the chosen path's steps,
 * acknowledgements, update reminders until the rollback completes, updates threaded under the broadcast, completion,
 * and two replicas receiving the same rollback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT, VIEW } from '../../src/ids.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { listAudit } from '../../src/store/audit.js';
import { listLocks } from '../../src/store/locks.js';
import { findActive, getPromotion, loadView } from '../../src/store/promotions.js';
import { listReminders } from '../../src/store/reminders.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, findCheckbox, promotionMessages, startHarness, visibleText, type BotProcess, type Harness } from '../support/harness.js';

const MIN = 60_000;

describe('the rollback', () => {
  let database: TestDatabase;
  let h: Harness;
  let now: Date;
  let pid: string;
  let ts = 1795300000;
  const actionTs = () => `${ts++}.000001`;

  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  /** A promotion with GO decided: the deployment is under way. */
  async function begin(bots = 1): Promise<void> {
    database = await postgresDatabase();
    now = new Date('2026-11-24T02:10:00Z');
    h = await startHarness({ database, bots, templatesDir: 'test/fixtures/rollback', clock: () => now });
    await h.command('start v1.50 rollback', { user: 'U0LEAD' });
    await h.settle();
    pid = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    const { message, blockId } = findCheckbox(h.fake, 'backup');
    await h.toggle('U0LEAD', message, blockId, ['backup']);
    await h.settle();
    await click('U0CHAIR', overview(), `decision|${pid}`, ACTION.go);
    expect((await getPromotion(h.bot.db, pid))!.stage).toBe('go');
  }

  const overview = () => promotionMessages(h.fake)[0]!.overview;
  const lastAnswer = () => {
    const r = h.fake.responses().at(-1)?.body as { text?: string } | undefined;
    return r?.text ?? '';
  };
  const saying = (channel: string, text: string) => h.fake.messages(channel).filter((m) => visibleText(m).includes(text));

  async function click(user: string, message: FakeMessage, blockId: string, actionId: string, bot?: BotProcess) {
    const block = message.blocks.find((b: any) => b.block_id === blockId);
    const el = block?.elements?.find((e: any) => e.action_id === actionId) ?? (block?.accessory?.action_id === actionId ? block.accessory : undefined);
    if (!el) throw new Error(`no ${actionId} in ${blockId}`);
    const res = await h.click(user, message, { ...el, block_id: blockId, action_ts: actionTs() }, bot);
    await h.settle();
    return res;
  }

  function values(v: Record<string, string | null>) {
    return Object.fromEntries(
      Object.entries(v).map(([block, value]) =>
        block === INPUT.rollbackPath
          ? [block, { [INPUT.value]: { type: 'radio_buttons', selected_option: value ? { value } : null } }]
          : [block, { [INPUT.value]: { type: 'plain_text_input', value } }],
      ),
    );
  }

  async function submit(user: string, callbackId: string, v: Record<string, string | null>, bot?: BotProcess) {
    const modal = h.fake.views().filter((x) => x.view.callback_id === callbackId).at(-1)!;
    const res = await h.submit(user, { ...modal.view, id: modal.id, state: { values: values(v) } }, bot);
    await h.settle();
    return res;
  }

  const FILLED = {
    [INPUT.rollbackIssue]: 'error rate over 5% for 5 minutes',
    [INPUT.rollbackImpact]: 'checkout is slow for 20% of users <!channel>',
    [INPUT.rollbackEta]: '20 minutes',
    [INPUT.rollbackAction]: null,
    [INPUT.rollbackPath]: 'immediate',
  };

  async function rollBack(user = 'U0LEAD') {
    await click(user, overview(), `decision|${pid}`, ACTION.rollback);
    return submit(user, VIEW.rollback, FILLED);
  }

  it('refuses a person not allowed to roll back, saying who can, and records nothing', async () => {
    await begin();
    const views = h.fake.views().length;
    await click('U0PM', overview(), `decision|${pid}`, ACTION.rollback);
    expect(lastAnswer()).toContain('Only <@U0LEAD>');
    expect(lastAnswer()).toContain('<@U0CHAIR>');
    expect(lastAnswer()).toContain('<@U0ONCALL>');
    expect(h.fake.views()).toHaveLength(views);
    expect((await getPromotion(h.bot.db, pid))!.stage).toBe('go');
  });

  it('broadcasts the filled-in communication once in every channel, posts the path\'s steps, and shows who acknowledged', async () => {
    await begin();
    await click('U0LEAD', overview(), `decision|${pid}`, ACTION.rollback);
    // The form is the template's: its hints under each input, the paths to choose from.
    const form = h.fake.views().at(-1)!.view;
    expect(JSON.stringify(form)).toContain('Description of impact');
    expect(JSON.stringify(form)).toContain('Partial rollback of the flags');
    const missingPath = await submit('U0LEAD', VIEW.rollback, { ...FILLED, [INPUT.rollbackPath]: null });
    expect(JSON.stringify(missingPath.json)).toContain('Pick the rollback path');
    await submit('U0LEAD', VIEW.rollback, FILLED);

    expect((await getPromotion(h.bot.db, pid))!.stage).toBe('rolling-back');
    for (const channel of [CHANNEL, 'C0STAKE', 'C0EXEC']) {
      const broadcast = saying(channel, '[ROLLBACK INITIATED] Test service');
      expect(broadcast).toHaveLength(1);
      const text = visibleText(broadcast[0]!);
      expect(text).toContain('Rolling back due to error rate over 5% for 5 minutes');
      expect(text).toContain('Impact: checkout is slow for 20% of users &lt;!channel&gt;');
      expect(text).toContain('ETA: 20 minutes');
      expect(text).toContain('Action Required: not known yet');
      expect(text).not.toMatch(/\[[A-Z][^\]]*\]\n/);
      expect(text).toContain('<@U0ONCALL>');
      expect(text).toContain('path: Immediate restore');
      expect(JSON.stringify(broadcast[0]!.blocks).includes(ACTION.acknowledgeRollback)).toBe(channel !== CHANNEL);
    }
    const steps = saying(CHANNEL, 'Rollback steps: Immediate restore');
    expect(steps).toHaveLength(1);
    expect(visibleText(steps[0]!)).toContain('Restore the snapshot');
    expect(visibleText(steps[0]!)).not.toContain('Turn the new flags off');
    // The path not taken is set aside: its steps are not applicable, so the progress counts the chosen path only.
    const view = (await loadView(h.bot.db, pid))!;
    expect(view.states.get('flags-off')).toMatchObject({ state: 'na', note: 'rollback path “Immediate restore” was chosen', by: 'U0LEAD' });
    expect(view.states.get('restore-snapshot')!.state).toBe('open');
    // The panel: who the lead waits for.
    expect(visibleText(overview())).toContain('*Rolling back*');
    expect(visibleText(overview())).toContain('*waiting for* <@U0PM>, <@U0CTO>');

    const [stake] = saying('C0STAKE', '[ROLLBACK INITIATED]');
    await click('U0PM', stake!, `rollback-ack|${pid}`, ACTION.acknowledgeRollback);
    expect(lastAnswer()).toContain('Acknowledged');
    await click('U0PM', stake!, `rollback-ack|${pid}`, ACTION.acknowledgeRollback);
    expect(lastAnswer()).toContain('already acknowledged');
    expect(visibleText(overview())).toContain('*Acknowledged:* <@U0PM>');
    expect(visibleText(overview())).toContain('*waiting for* <@U0CTO>');
    expect((await listAudit(h.bot.db, pid)).filter((e) => e.action === 'rollback.acknowledged')).toHaveLength(1);
    // The same submission delivered again broadcasts nothing more.
    await submit('U0LEAD', VIEW.rollback, FILLED);
    expect(saying('C0STAKE', '[ROLLBACK INITIATED]')).toHaveLength(1);
  });

  it('reminds the lead every 15 minutes until it is complete, threads updates under each broadcast, and ends rolled back', async () => {
    await begin();
    await rollBack();
    const remind = async (minutes: number) => {
      now = new Date(now.getTime() + minutes * MIN);
      await h.bot.preflight.remind();
      await h.settle();
    };
    await remind(14);
    expect(saying(CHANNEL, 'time to post an update')).toHaveLength(0);
    await remind(1);
    const due = saying(CHANNEL, 'time to post an update');
    expect(due).toHaveLength(1);
    expect(visibleText(due[0]!)).toContain('<@U0LEAD>');

    await click('U0LEAD', due[0]!, `rollback-update|${pid}`, ACTION.rollbackUpdate);
    await submit('U0LEAD', VIEW.rollbackUpdate, { [INPUT.rollbackText]: 'Snapshot restored, services restarting' });
    for (const channel of [CHANNEL, 'C0STAKE', 'C0EXEC']) {
      const update = saying(channel, 'rollback, update 1');
      expect(update).toHaveLength(1);
      const broadcast = saying(channel, '[ROLLBACK INITIATED]')[0]!;
      // Threaded under the broadcast (in the deployment channel, the checklist's thread that holds it).
      expect(update[0]!.thread_ts).toBe(broadcast.thread_ts ?? broadcast.ts);
    }
    // The update resets the clock: no reminder 14 minutes after it, one at 15.
    await remind(14);
    expect(saying(CHANNEL, 'time to post an update')).toHaveLength(1);
    await remind(1);
    expect(saying(CHANNEL, 'time to post an update')).toHaveLength(2);

    await click('U0LEAD', overview(), `rollback|${pid}`, ACTION.rollbackComplete);
    await submit('U0LEAD', VIEW.rollbackComplete, { [INPUT.rollbackText]: 'v1.49 serving, error rate back to 0.1%' });
    const promotion = (await getPromotion(h.bot.db, pid))!;
    expect(promotion.status).toBe('rolled-back');
    for (const channel of [CHANNEL, 'C0STAKE', 'C0EXEC']) expect(saying(channel, 'rollback complete*, declared by <@U0LEAD>')).toHaveLength(1);
    expect(await listLocks(h.bot.db, promotion.teamId ?? '')).toHaveLength(0);
    expect(visibleText(overview())).toContain('Rolled back');
    // No reminder after completion.
    await remind(120);
    expect(saying(CHANNEL, 'time to post an update')).toHaveLength(2);
    expect((await listReminders(h.bot.db, pid)).filter((r) => r.state === 'pending')).toHaveLength(0);
  });

  it('opens the form from /promote rollback with the words as the issue, and from a decision point after GO', async () => {
    await begin();
    await h.command('rollback v1.50 error rate over 5%', { user: 'U0LEAD' });
    await h.settle();
    const form = h.fake.views().at(-1)!.view;
    expect(form.callback_id).toBe(VIEW.rollback);
    expect(JSON.stringify(form)).toContain('error rate over 5%');

    await h.command('schedule v1.50 in 1h', { user: 'U0LEAD' });
    await h.settle();
    const t0 = (await getPromotion(h.bot.db, pid))!.window!.t0;
    now = new Date(t0.getTime() + 2 * MIN);
    await h.bot.preflight.remind();
    await h.settle();
    const [point] = saying(CHANNEL, 'are canary metrics healthy?').filter((m) => JSON.stringify(m.blocks).includes(ACTION.checkpointRollback));
    const block = point!.blocks.find((b: any) => b.type === 'actions');
    await click('U0CHAIR', point!, block.block_id, ACTION.checkpointRollback);
    expect(h.fake.views().at(-1)!.view.callback_id).toBe(VIEW.rollback);
    await submit('U0CHAIR', VIEW.rollback, FILLED);
    expect((await getPromotion(h.bot.db, pid))!.stage).toBe('rolling-back');
    expect((await listReminders(h.bot.db, pid)).find((r) => r.kind === 'checkpoint')!.answer).toBe('rollback');
  });

  it('records a decision point\'s Roll back pressed once the rollback is under way, and keeps the lead\'s update reminders', async () => {
    await begin();
    await h.command('schedule v1.50 in 1h', { user: 'U0LEAD' });
    await h.settle();
    const t0 = (await getPromotion(h.bot.db, pid))!.window!.t0;
    now = new Date(t0.getTime() + 2 * MIN);
    await h.bot.preflight.remind();
    await h.settle();
    await rollBack();
    const [point] = saying(CHANNEL, 'are canary metrics healthy?').filter((m) => JSON.stringify(m.blocks).includes(ACTION.checkpointRollback));
    await click('U0CHAIR', point!, point!.blocks.find((b: any) => b.type === 'actions').block_id, ACTION.checkpointRollback);
    expect(saying(CHANNEL, 'The rollback is under way.')).toHaveLength(1);
    expect((await listReminders(h.bot.db, pid)).filter((r) => r.kind === 'rollback-update' && r.state === 'pending')).toHaveLength(1);
  });

  it('with two bot processes receiving a rollback at once, broadcasts once in every channel', async () => {
    await begin(2);
    await click('U0LEAD', overview(), `decision|${pid}`, ACTION.rollback);
    await click('U0CHAIR', overview(), `decision|${pid}`, ACTION.rollback);
    const forms = h.fake.views().filter((x) => x.view.callback_id === VIEW.rollback);
    expect(forms).toHaveLength(2);
    const send = (form: (typeof forms)[number], user: string, bot: BotProcess) => h.submit(user, { ...form.view, id: form.id, state: { values: values(FILLED) } }, bot);
    const answers = await Promise.all([send(forms[0]!, 'U0LEAD', h.bots[0]!), send(forms[1]!, 'U0CHAIR', h.bots[1]!)]);
    await h.settle();
    // One of them rolled back; the other is told it is already rolling back.
    expect(answers.filter((a) => JSON.stringify(a.json ?? '').includes('already rolling back'))).toHaveLength(1);
    for (const channel of [CHANNEL, 'C0STAKE', 'C0EXEC']) expect(saying(channel, '[ROLLBACK INITIATED]')).toHaveLength(1);
    expect((await listAudit(h.bot.db, pid)).filter((e) => e.action === 'rollback.started')).toHaveLength(1);
  });
});
