import { mkdtemp, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/ids.js';
import { blockActionsPayload, postInteractivity } from '../../src/playground/slack-client/index.js';
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

type Reply = { text?: string; blocks?: Array<Record<string, any>>; response_type?: string; replace_original?: boolean };

/** The private answers posted to response_urls since `before` (a count of `h.fake.responses()`). */
function repliesSince(h: Harness, before: number): Reply[] {
  return h.fake.responses().slice(before).map((r) => r.body as Reply);
}

/**
 * Click a button of a private answer as `user`, as Slack sends it: the answer is ephemeral, so the payload names
 * its container but carries no message, and its response_url belongs to that answer.
 */
async function clickInAnswer(h: Harness, user: string, button: Record<string, any>, channel = CHANNEL): Promise<string> {
  const responseUrl = h.fake.responseUrl({ channel, user });
  const payload = blockActionsPayload(h.bot.sender, {
    userId: user,
    channelId: channel,
    message: { channel, ts: '1700000000.999999', blocks: [], user: 'U0BOT', updates: 0 },
    action: { type: 'button', action_id: button.action_id, block_id: 'choice', value: button.value, action_ts: '1700000001.000001' },
    responseUrl,
  });
  delete payload.message;
  payload.container = { type: 'message', message_ts: '1700000000.999999', channel_id: channel, is_ephemeral: true };
  const res = await postInteractivity(h.bot.sender, payload);
  expect(res.status).toBe(200);
  await h.settle();
  return responseUrl;
}

describe('/promote subcommands', () => {
  let h: Harness;
  harnessForSuite((harness) => (h = harness));

  it('answers help and empty input with the usage', async () => {
    expect(await answer(h, h.command('help'))).toContain('/promote start &lt;release&gt; [template]');
    expect(await answer(h, h.command(''))).toContain('/promote status [release]');
  });

  it('sends placeholders escaped, so Slack shows <release> rather than reading it as a link', async () => {
    const before = h.fake.responses().length;
    await answer(h, h.command('help'));
    const [help] = repliesSince(h, before);
    const asSent = JSON.stringify(help);
    expect(asSent).toContain('&lt;release&gt;');
    expect(asSent).toContain('&lt;reason&gt;');
    expect(asSent).not.toMatch(/<(release|reason|template)>/);
    // Wrong input is answered in the acknowledgement itself: the same holds there.
    const usage = await answer(h, h.command('abort'));
    expect(usage).toContain('`/promote abort &lt;release&gt; &lt;reason&gt;`');
    expect(usage).not.toMatch(/<(release|reason)>/);
  });

  it('answers wrong input with a short usage line and starts nothing', async () => {
    expect(await answer(h, h.command('strat v1.50'))).toContain("I don't know `strat`");
    expect(await answer(h, h.command('start'))).toContain('Usage: `/promote start &lt;release&gt; [template] [--env &lt;name&gt;]`');
    expect(await answer(h, h.command('start v1.50 release-train extra'))).toContain('Usage: `/promote start');
    expect(await answer(h, h.command('start v1;50'))).toContain('A release is letters, digits');
    expect(await answer(h, h.command('abort v1.50'))).toContain('Say why you abort it.');
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('with several templates, asks which one with a button per template', async () => {
    const before = h.fake.responses().length;
    const text = await answer(h, h.command('start v1.50'));
    expect(text).toContain('Which checklist for *v1.50*?');
    for (const id of ['db-housekeeping', 'release-train', 'container-dev-to-prod', 'rls-rollout']) expect(text).toContain(`\`${id}\``);
    expect(text).not.toMatch(/<template>/);
    const buttons = repliesSince(h, before)[0]!.blocks!.map((b) => b.accessory).filter((a) => a?.action_id === ACTION.startWithTemplate);
    expect(buttons.map((b) => b.value).sort()).toEqual(['v1.50|container-dev-to-prod', 'v1.50|db-housekeeping', 'v1.50|release-train', 'v1.50|rls-rollout']);
    expect(await answer(h, h.command('start v1.50 no-such'))).toContain('There is no template `no-such`');
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('starts the promotion with the template whose button is clicked, as the clicker, and says so in place of the question', async () => {
    const before = h.fake.responses().length;
    await answer(h, h.command('start v1.60', { user: 'U0BOB' }));
    const button = repliesSince(h, before)[0]!.blocks!.map((b) => b.accessory).find((a) => a?.value === 'v1.60|release-train')!;
    const url = await clickInAnswer(h, 'U0BOB', button);
    const replaced = h.fake.responses(url).map((r) => r.body as Reply);
    expect(replaced[0]).toMatchObject({ replace_original: true, response_type: 'ephemeral' });
    expect(replaced[0]!.text).toContain('Starting *v1.60* with *Release train environment promotion*');
    const promo = promotionMessages(h.fake).find((p) => visibleText(p.overview).includes('v1.60'))!;
    expect(visibleText(promo.overview)).toContain('Release train');
    expect(visibleText(promo.overview)).toContain('<@U0BOB>');
    // A second click (a double click, or the answer clicked again later) starts nothing more and says why.
    const posted = h.fake.callsTo('chat.postMessage').length;
    const again = await clickInAnswer(h, 'U0BOB', button);
    expect(h.fake.responses(again).map((r) => (r.body as Reply).text).join('\n')).toContain('v1.60 already has an active promotion in this channel');
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(posted);
    await answer(h, h.command('abort v1.60 only a test', { user: 'U0BOB' }));
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
    // The same release in another channel is another promotion (deploying elsewhere: v2.0 holds production's lock).
    await answer(h, h.command('start v2.0 release-train --env qa', { channel: 'C0OTHER' }));
    expect(h.fake.messages('C0OTHER').length).toBeGreaterThan(0);
  });

  it('shows status privately, of every active promotion when none is named, and lists them', async () => {
    await answer(h, h.command('start v2.1 release-train --env staging'));
    const both = await answer(h, h.command('status'));
    expect(both).toContain('2 promotions are active here');
    expect(both).toContain('Promotion v2.0');
    expect(both).toContain('Promotion v2.1');
    expect(both).toMatch(/0 of \d+ items \(0%\)/);
    expect(both).toContain('&lt;release&gt;');
    const status = await answer(h, h.command('status v2.1'));
    expect(status).toContain('Promotion v2.1');
    expect(status).toMatch(/0 of \d+ items \(0%\)/);
    expect(status).toContain('Still open');
    const list = await answer(h, h.command('list'));
    expect(list).toContain('v2.0');
    expect(list).toContain('v2.1');
    expect(await answer(h, h.command('status v9.9'))).toContain('There is no active promotion of v9.9');
  });

  it('aborts a promotion with a reason: the checklist says so, the channel is told once in its thread, the aborter privately', async () => {
    const posts = () => h.fake.callsTo('chat.postMessage').filter((c) => String(c.args.text).includes('aborted promotion *v2.1*'));
    const confirmation = await answer(h, h.command('abort v2.1 staging CI is red <@U0ALL>', { user: 'U0DAN' }));
    expect(confirmation).toContain('Aborted');
    expect(confirmation).toContain('promotion v2.1');
    expect(confirmation).toContain('The channel has been told.');
    await h.settle();
    const promo = promotionMessages(h.fake).find((p) => visibleText(p.overview).includes('v2.1'))!;
    expect(visibleText(promo.overview)).toContain('Aborted by <@U0DAN>');
    expect(visibleText(promo.overview)).toContain('staging CI is red');
    // One post, a reply in the checklist's thread that is also shown in the channel, naming who and why.
    expect(posts()).toHaveLength(1);
    const notice = posts()[0]!.args;
    expect(notice).toMatchObject({ channel: CHANNEL, thread_ts: promo.overview.ts });
    expect(String(notice.reply_broadcast)).toBe('true');
    expect(String(notice.text)).toContain('<@U0DAN> aborted promotion *v2.1*');
    // Slack sends a mention in the reason wrapped (manifest: should_escape): kept as typed, never a ping.
    expect(String(notice.text)).toContain('staging CI is red @U0ALL');
    expect(String(notice.text)).not.toContain('<@U0ALL>');
    for (const m of promo.thread) expect(m.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(await answer(h, h.command('list'))).not.toContain('v2.1');
    // The same command again (a redelivery, or a second person) ends nothing and posts nothing.
    expect(await answer(h, h.command('abort v2.1 staging CI is red', { user: 'U0DAN' }))).toContain('There is no active promotion of v2.1');
    expect(posts()).toHaveLength(1);
    // Once ended, the release can be started again.
    await answer(h, h.command('start v2.1 release-train --env staging'));
    expect(await answer(h, h.command('status v2.1'))).toContain('Promotion v2.1');
  });

  it('still tells the channel and the aborter when the checklist cannot show the abort just then', async () => {
    await answer(h, h.command('start v2.2 release-train --env canary'));
    // Some seconds later (the start spent the channel's chat.postMessage budget, about one a second).
    h.time.advance(10_000);
    const posts = () => h.fake.callsTo('chat.postMessage').filter((c) => String(c.args.text).includes('aborted promotion *v2.2*'));
    // The abort's first update (the overview) fails: the abort is saved all the same.
    h.fake.failNext('chat.update', 'internal_error');
    const confirmation = await answer(h, h.command('abort v2.2 window moved', { user: 'U0DAN' }));
    expect(confirmation).toContain('Aborted');
    expect(confirmation).toContain('The channel has been told.');
    expect(confirmation).toContain('Saved, but the checklist message could not be updated just now');
    expect(posts()).toHaveLength(1);
    expect(await answer(h, h.command('list'))).not.toContain('v2.2');
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
