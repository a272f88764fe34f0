/**
 * Environment locks through signed slash commands (issue 8): one promotion in progress per environment of a workspace.
 * A second start for a locked environment is refused, saying which promotion holds it and where; aborting or completing
 * it releases the lock; `--env` starts beside it; two starts at once on two replicas give one promotion; `/promote
 * locks` lists what is held.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { messageLink } from '../../src/domain/mrkdwn.js';
import { decideApproval } from '../../src/services/approvals.js';
import { decideGo } from '../../src/services/decisions.js';
import { overviewTs } from '../../src/store/messages.js';
import { findActive } from '../../src/store/promotions.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, findCheckbox, startHarness, type Harness } from '../support/harness.js';

/** What the person who typed the command saw, only them: the acknowledgement's text, or the private replies after it. */
async function answer(h: Harness, send: Promise<{ status: number; json?: { text?: string; response_type?: string } }>): Promise<string> {
  const before = h.fake.responses().length;
  const res = await send;
  expect(res.status).toBe(200);
  if (res.json?.text) return res.json.text;
  await h.settle();
  const replies = h.fake.responses().slice(before).map((r) => r.body as { text?: string; blocks?: unknown[]; response_type?: string });
  for (const r of replies) expect(r.response_type).toBe('ephemeral');
  return replies.map((r) => [r.text ?? '', JSON.stringify(r.blocks ?? [])].join('\n')).join('\n');
}

describe('environment locks', () => {
  let database: TestDatabase;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin(bots = 1) {
    database = await postgresDatabase();
    h = await startHarness({ database, bots, templatesDir: 'test/fixtures/home', fake: { usergroups: { S0LEADS: ['U0CAROL'] } } });
  }

  const activeCount = async () => (await h.bot.db.query<{ n: number }>("SELECT count(*)::int AS n FROM promotions WHERE status = 'active'")).rows[0]!.n;

  it('refuses a second start for a locked environment saying where its holder is; an abort releases it, --env starts beside it, /promote locks lists them', async () => {
    await begin();
    expect(await answer(h, h.command('locks'))).toContain('No environment is locked');
    expect(await answer(h, h.command('start v1.50'))).toBe('');
    const first = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!;
    expect(first.environment).toBe('production');
    const ts = (await overviewTs(h.bot.db, first.id))!;

    // Another channel, another release, the same environment: refused, naming the holder and linking its checklist.
    const refused = await answer(h, h.command('start v1.51', { channel: 'C0OTHER', user: 'U0BOB' }));
    expect(refused).toContain('`production` is locked by the promotion of v1.50');
    expect(refused).toContain(messageLink(CHANNEL, ts));
    expect(await findActive(h.bot.db, 'C0OTHER', 'v1.51')).toBeUndefined();

    // --env staging deploys elsewhere: it starts beside the production one.
    expect(await answer(h, h.command('start v1.51 --env staging', { channel: 'C0OTHER', user: 'U0BOB' }))).toBe('');
    expect((await findActive(h.bot.db, 'C0OTHER', 'v1.51'))!.environment).toBe('staging');

    const listed = await answer(h, h.command('locks'));
    expect(listed).toContain('`production`');
    expect(listed).toContain('promotion v1.50');
    expect(listed).toContain(messageLink(CHANNEL, ts));
    expect(listed).toContain('`staging`');
    expect(listed).toContain('promotion v1.51');
    expect(listed.indexOf('`production`')).toBeLessThan(listed.indexOf('`staging`'));

    // A wrong flag gets the usage line.
    const usage = await answer(h, h.command('start v1.52 --envv staging'));
    expect(usage).toContain('The only option is `--env &lt;name&gt;`.');
    expect(usage).toContain('Usage: `/promote start &lt;release&gt; [template] [--env &lt;name&gt;]`');
    expect(await answer(h, h.command('start v1.52 --env Prod!'))).toContain('An environment is lower-case letters');

    // Aborting the holder releases production; the next start works.
    expect(await answer(h, h.command('abort v1.50 postponed'))).toContain('Aborted');
    expect(await answer(h, h.command('start v1.52', { channel: 'C0OTHER', user: 'U0BOB' }))).toBe('');
    expect((await findActive(h.bot.db, 'C0OTHER', 'v1.52'))!.environment).toBe('production');
    const after = await answer(h, h.command('locks'));
    expect(after).toContain('promotion v1.52');
    expect(after).not.toContain('promotion v1.50');
  });

  it('releases the lock on /promote complete, which the channel is told of, and refuses it privately before GO', async () => {
    await begin();
    await answer(h, h.command('start v1.50'));
    const p = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!;
    expect(await answer(h, h.command('complete v1.50', { user: 'U0DAVE' }))).toContain('completed after its GO');
    expect(await answer(h, h.command('complete v9.99', { user: 'U0DAVE' }))).toContain('There is no active promotion of v9.99');
    expect(await answer(h, h.command('complete'))).toContain('Usage: `/promote complete &lt;release&gt;`');

    // GO (the panel's buttons are tested with the panel): the check ticked, approved, decided.
    const box = findCheckbox(h.fake, 'ci-green');
    await h.toggle('U0BOB', box.message, box.blockId, ['ci-green']);
    await h.settle();
    const deps = h.bot.preflight.deps;
    await decideApproval(deps, { promotionId: p.id, approvalId: 'approver', userId: 'U0BOB', receiptKey: 'test-approve', decision: 'approve' });
    await decideGo(deps, { promotionId: p.id, userId: 'U0DAVE' });
    await h.settle();

    expect(await answer(h, h.command('start v1.51', { channel: 'C0OTHER' }))).toContain('`production` is locked by the promotion of v1.50');
    const done = await answer(h, h.command('complete v1.50', { user: 'U0DAVE' }));
    expect(done).toContain('Completed');
    expect(done).toContain('`production` is free');
    const ended = (await h.bot.db.query<{ status: string }>('SELECT status FROM promotions WHERE id = $1', [p.id])).rows[0]!;
    expect(ended.status).toBe('completed');
    // Announced in the channel (the checklist's thread, broadcast), once.
    const announced = h.fake.callsTo('chat.postMessage').filter((c) => !c.rateLimited && c.args.channel === CHANNEL && /complet/i.test(String(c.args.text)));
    expect(announced).toHaveLength(1);
    expect(await answer(h, h.command('locks'))).toContain('No environment is locked');
    expect(await answer(h, h.command('start v1.51', { channel: 'C0OTHER' }))).toBe('');
  });

  it('gives exactly one promotion when two replicas start the same environment at the same moment', async () => {
    await begin(2);
    const [a, b] = h.bots;
    const before = h.fake.responses().length;
    const sent = await Promise.all([
      h.command('start v1.50', { bot: a, channel: 'C0ONE', user: 'U0ALICE' }),
      h.command('start v1.60', { bot: b, channel: 'C0TWO', user: 'U0BOB' }),
    ]);
    for (const res of sent) expect(res.status).toBe(200);
    await h.settle();
    expect(await activeCount()).toBe(1);
    // The loser, and only it, is told which promotion holds production.
    const replies = h.fake.responses().slice(before).map((r) => String((r.body as { text?: string }).text ?? ''));
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('`production` is locked by the promotion of');
    const locks = await h.bot.db.query('SELECT environment FROM environment_locks');
    expect(locks.rows).toEqual([{ environment: 'production' }]);
  });
});
