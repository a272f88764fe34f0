/**
 * The maintenance window and its T-minus timeline, end to end through signed requests into real bot processes and the
 * fake Slack (issue 11): scheduling by command and by modal, reminders posted from the template's timeline as the
 * injected clock moves (never sleeping), decision points answered and escalated, late reminders caught up or skipped,
 * rescheduling, cancellation, a ramp's holds, and two replicas sending each reminder once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT, VIEW } from '../../src/ids.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { listAudit } from '../../src/store/audit.js';
import { findActive, getPromotion, setStage } from '../../src/store/promotions.js';
import { listReminders } from '../../src/store/reminders.js';
import { listMessages } from '../../src/store/messages.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, findCheckbox, promotionMessages, startHarness, visibleText, type Harness } from '../support/harness.js';

const T0 = new Date('2026-11-24T02:00:00Z');
const MIN = 60_000;

describe('the maintenance window and its timeline', () => {
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

  async function begin(opts: { bots?: number; announce?: boolean } = {}): Promise<void> {
    database = await postgresDatabase();
    now = new Date('2026-11-20T10:00:00Z');
    h = await startHarness({ database, bots: opts.bots ?? 1, templatesDir: 'test/fixtures/timeline', clock: () => now, fake: { usergroups: { S0ONCALL: ['U0ONCALL'] } } });
    await h.command('start v1.50 timeline', { user: 'U0LEAD' });
    await h.settle();
    pid = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    checklistTs = new Set((await listMessages(h.bot.db, pid)).flatMap((m) => (m.ts ? [m.ts] : [])));
  }

  /** Move the bots' clock to `at` and run one reminder tick (what the scheduler does every few seconds). */
  async function at(when: Date, bot = h.bot): Promise<number> {
    now = when;
    const posted = await bot.preflight.remind();
    await h.settle();
    return posted;
  }

  const overview = () => promotionMessages(h.fake)[0]!.overview;
  /** The bot's replies in the checklist's thread that are not checklist messages, in post order. */
  let checklistTs = new Set<string>();
  const posts = (): FakeMessage[] => {
    const thread = promotionMessages(h.fake)[0]!.overview.ts;
    return h.fake.messages(CHANNEL).filter((m) => m.thread_ts === thread && !checklistTs.has(m.ts));
  };
  /** Posts that say `text`, other than the window's announcements (which name the next reminders). */
  const postsSaying = (text: string) => posts().filter((m) => visibleText(m).includes(text) && (text.includes('maintenance window') || !visibleText(m).includes(':calendar:')));
  const lastAnswer = () => {
    const r = h.fake.responses().at(-1)?.body as { text?: string; blocks?: unknown[] } | undefined;
    return `${r?.text ?? ''}\n${JSON.stringify(r?.blocks ?? [])}`;
  };

  async function command(text: string, user = 'U0LEAD'): Promise<string> {
    const res = await h.command(text, { user });
    await h.settle();
    return res.json?.text ?? lastAnswer();
  }

  /** Tick (or untick) items as `user` sees the checklist now: one click on the checkboxes that hold them. */
  function tickIn(_section: string, values: string[], user = 'U0LEAD') {
    const { message, blockId } = findCheckbox(h.fake, values[0]!);
    return h.toggle(user, message, blockId, values);
  }

  function checkpointButton(message: FakeMessage, actionId: string) {
    const block = message.blocks.find((b: any) => b.type === 'actions');
    const el = block.elements.find((e: any) => e.action_id === actionId);
    return { ...el, block_id: block.block_id, action_ts: actionTs() };
  }

  it('schedules by command, announces it, shows it, and posts the timeline as the clock reaches each offset', async () => {
    await begin();
    const reply = await command('schedule v1.50 2026-11-24 02:00 UTC');
    expect(reply).toContain('Scheduled the window of *v1.50*');
    expect(reply).toContain('<!date^1795485600^');
    // Announced once, in the thread and broadcast to the channel; the overview shows the window and a Reschedule button.
    const announced = postsSaying('maintenance window scheduled by <@U0LEAD>');
    expect(announced).toHaveLength(1);
    expect(h.fake.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('maintenance window scheduled'))!.args.reply_broadcast).toBeTruthy();
    // And once in the stakeholder channel, readable on its own, linking to the checklist (after the start's announcement).
    const stakeholders = h.fake.messages('C0STAKE').filter((m) => visibleText(m).includes(':calendar:'));
    expect(h.fake.messages('C0STAKE')).toHaveLength(2);
    expect(stakeholders).toHaveLength(1);
    expect(visibleText(stakeholders[0]!)).toContain('maintenance window scheduled');
    expect(visibleText(stakeholders[0]!)).toContain('https://slack.com/archives/');
    expect(visibleText(overview())).toContain('*Window:* <!date^1795485600^');
    expect(JSON.stringify(overview().blocks)).toContain('Reschedule');
    expect(await command('status v1.50')).toContain('Window: <!date^1795485600^');

    // Nothing is due yet.
    expect(await at(new Date(T0.getTime() - 61 * MIN))).toBe(0);
    expect(await at(new Date(T0.getTime() - 60 * MIN))).toBe(1);
    const sixty = postsSaying('T-60min: all systems ready.');
    expect(sixty).toHaveLength(1);
    // What is still open in the sections it concerns, linked, and the people who must act.
    expect(visibleText(sixty[0]!)).toContain('No active database locks');
    expect(visibleText(sixty[0]!)).toContain('<@U0LEAD>');
    expect(visibleText(sixty[0]!)).not.toContain('_(due at');

    // Final checks done before T-5m: the reminder says so briefly, mentions nobody, and no items-due callout nags.
    await tickIn('Final checks', ['no-locks', 'no-long-queries']);
    await h.settle();
    expect(await at(new Date(T0.getTime() - 5 * MIN))).toBe(1);
    const five = postsSaying('Final checks (T-5 minutes)');
    expect(five).toHaveLength(1);
    expect(visibleText(five[0]!)).toContain('Nothing open');
    expect(visibleText(five[0]!)).not.toContain('<@U0LEAD>');
    expect(h.fake.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('Final checks (T-5'))!.args.reply_broadcast).toBeTruthy();
    expect(postsSaying('still open past their due time')).toHaveLength(0);
    // A second tick at the same time posts nothing more.
    expect(await at(new Date(T0.getTime() - 5 * MIN))).toBe(0);
    expect(postsSaying('Final checks (T-5 minutes)')).toHaveLength(1);
  });

  it('calls out items still open at their due time, with their assignee', async () => {
    await begin();
    await command('schedule v1.50 2026-11-24 02:00 UTC');
    await tickIn('Final checks', ['no-locks']);
    await h.settle();
    await at(new Date(T0.getTime() - 5 * MIN));
    const due = postsSaying('still open past their due time');
    expect(due).toHaveLength(1);
    expect(visibleText(due[0]!)).toContain('No long-running queries');
    expect(visibleText(due[0]!)).not.toContain('No active database locks');
  });

  it('posts a decision point with buttons for the decider, refuses anyone else, records the answer once', async () => {
    await begin();
    await command('schedule v1.50 2026-11-24 02:00 UTC');
    await at(new Date(T0.getTime() + 2 * MIN));
    const [point] = postsSaying('T+2 min: are canary metrics healthy?');
    expect(point).toBeDefined();
    expect(visibleText(point!)).toContain('Canary error rate under 1%: not run yet');
    expect(JSON.stringify(point!.blocks)).toContain('YES - Continue');
    expect(visibleText(point!)).toContain('<@U0CHAIR>');

    await h.click('U0LEAD', point!, checkpointButton(point!, ACTION.checkpointContinue));
    await h.settle();
    expect(lastAnswer()).toContain('Only');
    expect(lastAnswer()).toContain('<@U0CHAIR>');
    expect((await listReminders(h.bot.db, pid)).find((r) => r.kind === 'checkpoint')!.answer).toBeNull();

    // Before GO there is no deployment to roll back: refused, saying what to do instead.
    await h.click('U0CHAIR', point!, checkpointButton(point!, ACTION.checkpointRollback));
    await h.settle();
    expect(lastAnswer()).toContain('no GO yet');
    expect((await getPromotion(h.bot.db, pid))!.stage).toBe('preparing');

    await h.click('U0CHAIR', point!, checkpointButton(point!, ACTION.checkpointContinue));
    await h.settle();
    const answered = postsSaying('decided by <@U0CHAIR>');
    expect(answered).toHaveLength(1);
    expect(visibleText(answered[0]!)).toContain('“YES - Continue”');
    // A second answer is refused and changes nothing; the escalation never comes.
    await h.click('U0CHAIR', point!, checkpointButton(point!, ACTION.checkpointRollback));
    await h.settle();
    expect(lastAnswer()).toContain('already answered');
    await at(new Date(T0.getTime() + 10 * MIN));
    expect(postsSaying('unanswered')).toHaveLength(0);
    expect((await getPromotion(h.bot.db, pid))!.stage).toBe('preparing');
  });

  it('escalates an unanswered decision point once, mentioning the escalation contacts; Roll back starts the rollback stage', async () => {
    await begin();
    await command('schedule v1.50 2026-11-24 02:00 UTC');
    // GO is recorded (how GO is decided is test/e2e/approvals.test.ts): a rollback is of a deployment under way.
    await setStage(h.bot.db, pid, 'go');
    await at(new Date(T0.getTime() + 2 * MIN));
    expect(await at(new Date(T0.getTime() + 4 * MIN))).toBe(0);
    expect(await at(new Date(T0.getTime() + 5 * MIN))).toBe(1);
    const escalated = postsSaying('decision point unanswered for 3m');
    expect(escalated).toHaveLength(1);
    expect(visibleText(escalated[0]!)).toContain('<!subteam^S0ONCALL>');
    expect(visibleText(escalated[0]!)).toContain('<@U0CHAIR>');
    await at(new Date(T0.getTime() + 9 * MIN));
    expect(postsSaying('decision point unanswered')).toHaveLength(1);

    // After GO, Roll back opens the rollback form (test/e2e/rollback.test.ts); submitted, it answers the decision point.
    await h.click('U0CHAIR', escalated[0]!, checkpointButton(escalated[0]!, ACTION.checkpointRollback));
    await h.settle();
    const form = h.fake.views().at(-1)!;
    expect(form.view.callback_id).toBe(VIEW.rollback);
    await h.submit('U0CHAIR', { ...form.view, id: form.id, state: { values: { [INPUT.rollbackIssue]: { [INPUT.value]: { type: 'plain_text_input', value: 'canary error rate 7%' } } } } });
    await h.settle();
    expect(postsSaying('Rolling back due to canary error rate 7%')).toHaveLength(1);
    expect((await getPromotion(h.bot.db, pid))!.stage).toBe('rolling-back');
    expect((await listReminders(h.bot.db, pid)).find((r) => r.kind === 'checkpoint')!.answer).toBe('rollback');
    // The rest of the timeline is cancelled: the hourly checks never come.
    await at(new Date(T0.getTime() + 5 * 60 * MIN));
    expect(postsSaying('Hourly health check')).toHaveLength(0);
    const audit = (await listAudit(h.bot.db, pid)).map((e) => e.action);
    expect(audit).toContain('checkpoint.answered');
    expect(audit).toContain('reminders.cancelled');
  });

  it('posts a reminder that fell due while the bot was down late, saying when it was due, and skips one a later one superseded', async () => {
    await begin();
    await command('schedule v1.50 2026-11-24 02:00 UTC');
    await at(new Date(T0.getTime() + 2 * MIN));
    // Down from T+2m to T+2h10m: T+1h and T+2h of the hourly check both fell due.
    await at(new Date(T0.getTime() + 130 * MIN));
    const hourly = postsSaying('Hourly health check');
    expect(hourly).toHaveLength(1);
    expect(visibleText(hourly[0]!)).toContain('T+2h');
    expect(visibleText(hourly[0]!)).toContain('sent late');
    const skipped = (await listAudit(h.bot.db, pid)).filter((e) => e.action === 'reminder.skipped').map((e) => e.data);
    expect(skipped).toHaveLength(2);
    expect(skipped).toContainEqual(expect.objectContaining({ offset: 'T+1h', why: 'superseded by the T+2h reminder, also due' }));
    // The decision point's escalation (due T+5m, in the 1h window) is not posted two hours late.
    expect(skipped).toContainEqual(expect.objectContaining({ kind: 'escalation', why: 'the window it was for is over' }));
    expect(postsSaying('unanswered')).toHaveLength(0);
    expect(h.logs.some((l) => l.includes('reminder skipped'))).toBe(true);
  });

  it('rescheduling replaces every pending reminder and announces the new time', async () => {
    await begin();
    await command('schedule v1.50 2026-11-24 02:00 UTC');
    const reply = await command('schedule v1.50 2026-11-25T02:00Z 2h');
    expect(reply).toContain('Moved the window');
    expect(postsSaying('maintenance window moved by <@U0LEAD>')).toHaveLength(1);
    expect(h.fake.messages('C0STAKE').filter((m) => visibleText(m).includes('maintenance window moved'))).toHaveLength(1);
    // The old T-60m passes in silence; the new one is posted once.
    expect(await at(new Date(T0.getTime() - 60 * MIN))).toBe(0);
    expect(await at(new Date(T0.getTime() + 24 * 60 * MIN - 60 * MIN))).toBe(1);
    expect(postsSaying('T-60min: all systems ready.')).toHaveLength(1);
    const reminders = await listReminders(h.bot.db, pid);
    expect(reminders.filter((r) => r.scheduleSeq === 1).every((r) => r.state === 'cancelled')).toBe(true);
    expect((await getPromotion(h.bot.db, pid))!.window!.end.toISOString()).toBe('2026-11-25T04:00:00.000Z');
    // A decision point of the old window cannot be answered: the moved window posts its own.
    await setStage(h.bot.db, pid, 'go');
    await at(new Date(T0.getTime() + 24 * 60 * MIN + 2 * MIN));
    await command('schedule v1.50 2026-11-26T02:00Z 2h');
    const [old] = postsSaying('T+2 min: are canary metrics healthy?');
    await h.click('U0CHAIR', old!, checkpointButton(old!, ACTION.checkpointContinue));
    await h.settle();
    expect(lastAnswer()).toContain('before it was moved');

  });

  it('answers a wrong or past date with a clear line and an example, and schedules nothing', async () => {
    await begin();
    expect(await command('schedule v1.50 2026-11-24 02:00')).toContain('Say the time zone');
    expect(await command('schedule v1.50 2026-13-01 02:00 UTC')).toContain('YYYY-MM-DD');
    expect(await command('schedule v1.50 2026-11-01 02:00 UTC')).toContain('in the past');
    expect(await command('schedule v1.50')).toContain('/promote schedule');
    expect(await command('schedule v1.50 in 400d')).toContain('more than a year ahead');
    expect(await command('schedule v1.50 in 2h', 'U0NOBODY')).toContain('Only');
    expect(await listReminders(h.bot.db, pid)).toHaveLength(0);
    expect((await getPromotion(h.bot.db, pid))!.window).toBeNull();
  });

  it('schedules by the overview\'s modal, and shows a past start next to its input', async () => {
    await begin();
    const button = overview().blocks.find((b: any) => b.accessory?.action_id === ACTION.scheduleWindow);
    await h.click('U0LEAD', overview(), { ...button.accessory, block_id: button.block_id, action_ts: actionTs() });
    await h.settle();
    const modal = h.fake.views().at(-1)!;
    expect(modal.view.callback_id).toBe(VIEW.schedule);
    const submit = (start: number) =>
      h.submit('U0LEAD', {
        ...modal.view,
        id: modal.id,
        state: {
          values: {
            [INPUT.windowStart]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: start } },
            [INPUT.windowDuration]: { [INPUT.value]: { type: 'plain_text_input', value: '2h30m' } },
            [INPUT.windowEnd]: { [INPUT.value]: { type: 'datetimepicker', selected_date_time: null } },
          },
        },
      });
    const refused = await submit(Math.floor(new Date('2026-11-01T00:00:00Z').getTime() / 1000));
    expect(refused.json).toMatchObject({ response_action: 'errors' });
    expect(JSON.stringify(refused.json)).toContain('in the past');
    await submit(T0.getTime() / 1000);
    await h.settle();
    const window = (await getPromotion(h.bot.db, pid))!.window!;
    expect(window.start.toISOString()).toBe(T0.toISOString());
    expect(window.end.toISOString()).toBe('2026-11-24T04:30:00.000Z');
    expect(postsSaying('maintenance window scheduled')).toHaveLength(1);
  });

  it('cancels the reminders of an aborted promotion', async () => {
    await begin();
    await command('schedule v1.50 2026-11-24 02:00 UTC');
    await command('abort v1.50 the release is pulled');
    expect(await at(new Date(T0.getTime() + 5 * 60 * MIN))).toBe(0);
    expect(posts().filter((m) => visibleText(m).includes(':alarm_clock:'))).toHaveLength(0);
    expect((await listReminders(h.bot.db, pid)).every((r) => r.state === 'cancelled')).toBe(true);
  });

  it('holds a ramp step: the next step waits, the end of the hold is said with what to check, and who moved it on is recorded', async () => {
    await begin();
    await tickIn('Ingest ramp', ['ramp-10']);
    await h.settle();
    await tickIn('Ingest ramp', ['ramp-50'], 'U0BOB');
    await h.settle();
    expect(h.fake.ephemerals().at(-1)?.text ?? lastAnswer()).toContain('is held');
    expect((await listAudit(h.bot.db, pid)).some((e) => e.action === 'items.toggled' && JSON.stringify(e.data).includes('ramp-50'))).toBe(false);
    expect(await at(new Date(now.getTime() + 29 * MIN))).toBe(0);
    expect(await at(new Date(now.getTime() + 1 * MIN))).toBe(1);
    const over = postsSaying('hold after “Step 1: 10%” is over');
    expect(over).toHaveLength(1);
    expect(visibleText(over[0]!)).toContain('moved on by <@U0LEAD>');
    expect(visibleText(over[0]!)).toContain('Canary error rate under 1%: not run yet');
    await tickIn('Ingest ramp', ['ramp-50'], 'U0BOB');
    await h.settle();
    const audit = await listAudit(h.bot.db, pid);
    expect(audit.filter((e) => e.action === 'hold.started').map((e) => [e.actor, (e.data as { item: string }).item])).toEqual([
      ['U0LEAD', 'ramp-10'],
      ['U0BOB', 'ramp-50'],
    ]);
  });

  it('with two bot processes ticking at once, posts each reminder exactly once', async () => {
    await begin({ bots: 2 });
    await command('schedule v1.50 2026-11-24 02:00 UTC');
    now = new Date(T0.getTime() + 4 * 60 * MIN);
    const counts = await Promise.all([h.bots[0]!.preflight.remind(), h.bots[1]!.preflight.remind(), h.bots[0]!.preflight.remind()]);
    await h.settle();
    const reminders = (await listReminders(h.bot.db, pid)).filter((r) => r.state === 'sent');
    expect(counts.reduce((a, b) => a + b, 0)).toBe(reminders.length);
    const keys = h.fake.callsTo('chat.postMessage').map((c) => JSON.stringify(c.args.metadata ?? '')).filter((k) => k.includes('reminder:'));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(reminders.length);
  });
});
