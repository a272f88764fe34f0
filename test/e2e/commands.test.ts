import { mkdtemp, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, promotionMessages, startHarness, visibleText, type Harness } from '../support/harness.js';
import { harnessForSuite } from '../support/suite.js';

/**
 * What the person who typed the command saw, only them: the acknowledgement's text, or the private replies
 * that came after it ('' when the command answered nothing).
 */
async function answer(h: Harness, send: Promise<{ status: number; body: string; json?: { text?: string; response_type?: string } }>): Promise<string> {
  const before = h.fake.responses().length;
  const res = await send;
  expect(res.status).toBe(200);
  if (res.json?.text) {
    expect(res.json.response_type).toBe('ephemeral');
    return res.json.text;
  }
  await h.settle();
  const replies = h.fake.responses().slice(before).map((r) => r.body as { text?: string; blocks?: unknown[]; response_type?: string });
  for (const r of replies) expect(r.response_type).toBe('ephemeral');
  return replies.map((r) => [r.text ?? '', JSON.stringify(r.blocks ?? [])].join('\n')).join('\n');
}

describe('/promote subcommands', () => {
  let h: Harness;
  harnessForSuite((harness) => (h = harness));

  it('answers help and empty input with the usage', async () => {
    expect(await answer(h, h.command('help'))).toContain('/promote start <release> [template]');
    expect(await answer(h, h.command(''))).toContain('/promote status [release]');
  });

  it('answers wrong input with a short usage line and starts nothing', async () => {
    expect(await answer(h, h.command('strat v1.50'))).toContain("I don't know `strat`");
    expect(await answer(h, h.command('start'))).toContain('Usage: `/promote start <release> [template]`');
    expect(await answer(h, h.command('start v1.50 release-train extra'))).toContain('Usage: `/promote start');
    expect(await answer(h, h.command('start v1;50'))).toContain('A release is letters, digits');
    expect(await answer(h, h.command('abort v1.50'))).toContain('Say why you abort it.');
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('with several templates, asks which one and lists them', async () => {
    const text = await answer(h, h.command('start v1.50'));
    expect(text).toContain('Which checklist?');
    for (const id of ['db-housekeeping', 'release-train', 'container-dev-to-prod', 'rls-rollout']) expect(text).toContain(`\`${id}\``);
    expect(await answer(h, h.command('start v1.50 no-such'))).toContain('There is no template `no-such`');
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('lists the templates', async () => {
    const text = await answer(h, h.command('templates'));
    expect(text).toContain('Database housekeeping promotion');
    expect(text).toContain('RLS rollout');
  });

  it('refuses a second active promotion of the same release in the channel and points at the first', async () => {
    await answer(h, h.command('start v2.0 container-dev-to-prod'));
    const posted = h.fake.callsTo('chat.postMessage').length;
    const text = await answer(h, h.command('start v2.0 release-train', { user: 'U0BOB' }));
    expect(text).toContain('v2.0 already has an active promotion in this channel');
    expect(text).toContain('https://slack.com/archives/');
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(posted);
    // The same release in another channel is another promotion.
    await answer(h, h.command('start v2.0 release-train', { channel: 'C0OTHER' }));
    expect(h.fake.messages('C0OTHER').length).toBeGreaterThan(0);
  });

  it('shows status privately and lists active promotions', async () => {
    await answer(h, h.command('start v2.1 release-train'));
    const ambiguous = await answer(h, h.command('status'));
    expect(ambiguous).toContain('Several promotions are active here');
    const status = await answer(h, h.command('status v2.1'));
    expect(status).toContain('Promotion v2.1');
    expect(status).toMatch(/0 of \d+ items \(0%\)/);
    expect(status).toContain('Still open');
    const list = await answer(h, h.command('list'));
    expect(list).toContain('v2.0');
    expect(list).toContain('v2.1');
    expect(await answer(h, h.command('status v9.9'))).toContain('There is no active promotion of v9.9');
  });

  it('aborts a promotion with a reason: the checklist says so and loses its controls', async () => {
    expect(await answer(h, h.command('abort v2.1 staging CI is red', { user: 'U0DAN' }))).toBe('');
    await h.settle();
    const promo = promotionMessages(h.fake).find((p) => visibleText(p.overview).includes('v2.1'))!;
    expect(visibleText(promo.overview)).toContain('Aborted by <@U0DAN>');
    expect(visibleText(promo.overview)).toContain('staging CI is red');
    for (const m of promo.thread) expect(m.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(await answer(h, h.command('list'))).not.toContain('v2.1');
    expect(await answer(h, h.command('abort v2.1 again'))).toContain('There is no active promotion of v2.1');
    // Once ended, the release can be started again.
    await answer(h, h.command('start v2.1 release-train'));
    expect(await answer(h, h.command('status v2.1'))).toContain('Promotion v2.1');
  });
});

describe('/promote start with one template configured', () => {
  let database: TestDatabase;
  let h: Harness;
  beforeAll(async () => {
    database = await postgresDatabase();
    const dir = await mkdtemp(path.join(tmpdir(), 'preflight-one-'));
    await copyFile('checklists/release-train.yml', path.join(dir, 'release-train.yml'));
    h = await startHarness({ database, templatesDir: dir });
  });
  afterAll(async () => {
    await h.close();
    await database.drop();
  });

  it('uses it without being told', async () => {
    const res = await h.command('start v1.50');
    expect(res.status).toBe(200);
    await h.settle();
    expect(visibleText(promotionMessages(h.fake, CHANNEL)[0]!.overview)).toContain('Release train');
  });
});
