/**
 * Issue 12, end to end through signed requests into a real bot and the fake Slack: stakeholder channels are told once
 * that a promotion started (readable on its own, linking to the checklist), also when the overview is posted by the
 * repair sweep after a restart, never twice for a redelivered start, and nothing without `announce.channels`. A
 * stakeholder channel that refuses a post for good is reported to the lead in the checklist's thread, once per post,
 * while the other channels still get theirs; a refused post in the promotion's own channel, or of the notice itself,
 * is never reported that way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage, FakeSlackOptions } from '../../src/playground/fake-slack.js';
import { postFailedKey } from '../../src/slack/outbox.js';
import { enqueue, getOutboxRow } from '../../src/store/outbox.js';
import { findActive } from '../../src/store/promotions.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, promotionMessages, startHarness, visibleText, type Harness } from '../support/harness.js';

describe('announcements in stakeholder channels', () => {
  let database: TestDatabase;
  let h: Harness;
  let now: Date;

  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin(fake: Omit<FakeSlackOptions, 'clock'> = {}): Promise<void> {
    database = await postgresDatabase();
    now = new Date('2026-11-20T10:00:00Z');
    h = await startHarness({ database, templatesDir: 'test/fixtures/announcements', clock: () => now, fake });
  }

  /** `/promote <text>` as the lead; what the lead was answered. */
  async function command(text: string): Promise<string> {
    const before = h.fake.responses().length;
    const res = await h.command(text, { user: 'U0LEAD' });
    await h.settle();
    const answers = h.fake.responses().slice(before).map((r) => String((r.body as { text?: string }).text ?? ''));
    return [res.json?.text ?? '', ...answers].join('\n');
  }

  const overview = (): FakeMessage => promotionMessages(h.fake)[0]!.overview;
  const linkToChecklist = () => `https://slack.com/archives/${CHANNEL}/p${overview().ts.replace('.', '')}`;
  const started = (channel: string) => h.fake.messages(channel).filter((m) => visibleText(m).includes(':rocket: Promotion of'));
  /** The lead's notices in the checklist's thread that a post could not be made elsewhere. */
  const notices = () => promotionMessages(h.fake)[0]!.thread.filter((m) => visibleText(m).includes('I could not post'));
  /** What the background jobs do every few seconds: render what fell behind, send what the outbox holds. */
  async function sweep(): Promise<void> {
    await h.bot.preflight.repair();
    await h.bot.preflight.publisher.outbox.sendDue();
    await h.settle();
  }

  it('tells each stakeholder channel once that the promotion started, readable on its own and linking to the checklist', async () => {
    await begin();
    expect(await command('start v1.50 announced')).not.toContain('could not');
    for (const channel of ['C0STAKE', 'C0GONE']) {
      const [post, ...more] = started(channel);
      expect(more).toHaveLength(0);
      const text = visibleText(post!);
      expect(text).toContain('*v1.50*');
      expect(text).toContain('Announced checklist');
      expect(text).toContain('started by <@U0LEAD>');
      expect(text).toContain('`staging`');
      expect(text).toContain(`<${linkToChecklist()}|checklist>`);
      // What a notification shows.
      expect(post!.text).toBe('v1.50: promotion started to staging (Announced checklist)');
      // A post in the channel, not a reply somewhere.
      expect(post!.thread_ts).toBeUndefined();
    }
    // The deployment channel has the checklist, not a stakeholder's announcement (even though the template lists it).
    expect(started(CHANNEL)).toHaveLength(0);

    // The start again (a retried command, a redelivery) is refused as already active and announces nothing more;
    // neither do the background jobs.
    expect(await command('start v1.50 announced')).toContain('already has an active promotion');
    await sweep();
    expect(started('C0STAKE')).toHaveLength(1);
    expect(started('C0GONE')).toHaveLength(1);
    expect(notices()).toHaveLength(0);
  });

  it('announces nothing when the template names no stakeholder channels', async () => {
    await begin();
    await command('start v1.50 quiet');
    await sweep();
    expect(promotionMessages(h.fake)).toHaveLength(1);
    expect(h.fake.messages().filter((m) => m.channel !== CHANNEL)).toEqual([]);
    expect(h.fake.callsTo('chat.postMessage').filter((c) => c.args['channel'] !== CHANNEL)).toEqual([]);
  });

  it('announces the start once when the checklist is posted only after a restart', async () => {
    await begin();
    // Slack fails the overview's post: the promotion is started, its checklist not posted, nobody told yet.
    h.fake.failNext('chat.postMessage', 'internal_error');
    expect(await command('start v1.50 announced')).toContain('could not be posted just now');
    expect(started('C0STAKE')).toHaveLength(0);
    expect(promotionMessages(h.fake)).toHaveLength(0);

    // The bot restarts; its sweeps post the checklist, then the announcements, linking to it.
    await h.bot.stop();
    await h.addBot();
    now = new Date(now.getTime() + 60_000);
    await sweep();
    expect(promotionMessages(h.fake)).toHaveLength(1);
    expect(started('C0STAKE')).toHaveLength(1);
    expect(visibleText(started('C0STAKE')[0]!)).toContain(`<${linkToChecklist()}|checklist>`);
    expect(started('C0GONE')).toHaveLength(1);

    // Later sweeps, and a second replica's, post nothing more.
    const replica = await h.addBot();
    await replica.preflight.repair();
    await replica.preflight.publisher.outbox.sendDue();
    await sweep();
    expect(started('C0STAKE')).toHaveLength(1);
    expect(started('C0GONE')).toHaveLength(1);
  });

  it('tells the lead in the thread, once per post, that a stakeholder channel refused it; the other channel still gets it', async () => {
    await begin({ refuse: { C0GONE: 'not_in_channel' } });
    await command('start v1.50 announced');
    const pid = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;

    // The other stakeholder channel got the start's announcement; the one that refused got nothing.
    expect(started('C0STAKE')).toHaveLength(1);
    expect(h.fake.messages('C0GONE')).toHaveLength(0);
    // The lead is told in the checklist's thread what was not posted where, why, and what to do.
    const [first, ...others] = notices();
    expect(others).toHaveLength(0);
    const said = visibleText(first!);
    expect(said).toContain('<@U0LEAD>');
    expect(said).toContain('the start announcement of *v1.50* in <#C0GONE>');
    expect(said).toContain('I am not a member of <#C0GONE>. Invite @Preflight to <#C0GONE>');
    expect(first!.thread_ts).toBe(overview().ts);
    expect(first!.reply_broadcast).toBeFalsy();
    expect((await getOutboxRow(h.bot.db, `started:${pid}:C0GONE`))!.state).toBe('failed');

    // The window's announcement: posted in C0STAKE, refused in C0GONE, told once more, naming that post.
    expect(await command('schedule v1.50 2026-11-25T02:00Z 2h')).toContain('Window of v1.50 scheduled');
    expect(h.fake.messages('C0STAKE').filter((m) => visibleText(m).includes('maintenance window scheduled'))).toHaveLength(1);
    expect(notices()).toHaveLength(2);
    expect(visibleText(notices()[1]!)).toContain('the window announcement of *v1.50* in <#C0GONE>');

    // Said once: the background jobs and a second replica say nothing more.
    await sweep();
    const replica = await h.addBot();
    await replica.preflight.publisher.outbox.sendDue();
    await h.settle();
    expect(notices()).toHaveLength(2);

    // A notice that Slack refuses for good is not reported in turn (no loop).
    const stray = `post-failed:stray:${pid}`;
    await enqueue(
      h.bot.db,
      { key: stray, promotionId: pid, channelId: 'C0GONE', message: { kind: 'post-failed', release: 'v1.50', requester: 'U0LEAD', channel: 'C0ELSE', what: 'a test post', error: 'is_archived' } },
      now,
    );
    expect(await h.bot.preflight.publisher.outbox.send(stray)).toBe('failed');
    expect(await getOutboxRow(h.bot.db, postFailedKey(stray))).toBeUndefined();

    // A post refused in the promotion's own channel is the checklist's problem, not reported in its thread.
    h.fake.failNext('chat.postMessage', 'is_archived');
    const aborted = await command('abort v1.50 moving to next week');
    expect(aborted).toContain('Aborted');
    expect((await getOutboxRow(h.bot.db, `abort-notice:${pid}`))!.state).toBe('failed');
    expect(await getOutboxRow(h.bot.db, postFailedKey(`abort-notice:${pid}`))).toBeUndefined();
    await sweep();
    expect(notices()).toHaveLength(2);
  });
});
