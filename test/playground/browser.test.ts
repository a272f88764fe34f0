/**
 * The playground in a browser (issue 9): headless Chromium (Debian's, through playwright-core) runs a promotion through
 * the page as people would, every click reaching the real bot as Slack sends it (signed, form-encoded, response_url,
 * trigger_id) through the emulator. Screenshots go to SCREENSHOTS_DIR (default test-results/playground, gitignored);
 * `npm run screenshots` writes them to docs/screenshots for the README.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INPUT } from '../../src/ids.js';
import { startPlayground, type Playground } from '../../src/playground/web/playground.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.resolve(process.env.SCREENSHOTS_DIR ?? 'test-results/playground');
const WAIT_MS = 20_000;

describe('the playground page, in Chromium', () => {
  let playground: Playground;
  let browser: Browser;
  let page: Page;
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (what .ci/run does)`);
    await mkdir(SHOTS, { recursive: true });
    dataDir = await mkdtemp(path.join(tmpdir(), 'preflight-playground-'));
    playground = await startPlayground({ dataDir, port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1480, height: 960 }, timezoneId: 'Europe/London' });
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(playground.url);
  }, 120_000);

  // A failure in CI leaves what the page showed beside the other screenshots, and what the feeds said in the log.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || !page) return;
    const name = `failed-${ctx.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`;
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }).catch(() => undefined);
    const feed = await page.locator('#feed').innerText().catch(() => '');
    const thread = await page.locator('#thread-feed').innerText().catch(() => '');
    console.error(`the page when "${ctx.task.name}" failed (${name}.png):\n--- channel ---\n${feed.slice(-3000)}\n--- thread ---\n${thread.slice(-3000)}`);
  });

  afterAll(async () => {
    await browser?.close();
    await playground?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  const overview = () => page.locator('#feed .message').filter({ hasText: 'Promotion v1.50' }).first();
  const thread = () => page.locator('#thread-feed');
  const modal = () => page.locator('#modal-root .modal');

  async function as(name: string): Promise<void> {
    await page.selectOption('#you-are', { label: name });
    await until(`the page shows ${name}`, async () => (await page.locator('#you-role').textContent()) !== '' && (await page.locator('#you-are option:checked').textContent()) === name);
  }

  async function until(what: string, check: () => Promise<boolean>, ms = WAIT_MS): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await check()) return;
      await page.waitForTimeout(100);
    }
    throw new Error(`timed out waiting until ${what}`);
  }

  const textOf = async (l: Locator) => (await l.textContent()) ?? '';
  const overviewSays = (text: string) => until(`the overview says "${text}"`, async () => (await textOf(overview())).includes(text));

  /** The checkbox of an item in the thread, as the page shows it. */
  const checkbox = (item: string) => thread().locator(`label.option[data-value="${item}"] input`);

  async function tick(item: string, ticked: boolean): Promise<void> {
    await checkbox(item).click();
    // The bot stores the click, renders the message again, and the page shows what the bot rendered.
    await until(`${item} shows ${ticked ? 'ticked' : 'unticked'} as the bot rendered it`, async () => (await checkbox(item).isChecked()) === ticked);
  }

  /** Open an item's field modal with its Set/Edit button, type a value and submit; returns the modal's error, if any. */
  async function setField(item: string, fill: (m: Locator) => Promise<void>): Promise<string | undefined> {
    await thread().locator(`[data-block*="|${item}|"] button`).first().click();
    await modal().waitFor();
    await fill(modal());
    await modal().locator('.modal-submit').click();
    const outcome = await Promise.race([
      modal().locator('.input-error').first().waitFor().then(() => 'error' as const),
      modal().waitFor({ state: 'detached' }).then(() => 'closed' as const),
    ]);
    return outcome === 'error' ? textOf(modal().locator('.input-error').first()) : undefined;
  }

  /** Reset the playground from the page, as a person would, and wait until #deploys is empty again. */
  async function resetPlayground(): Promise<void> {
    await page.locator('#reset').click();
    await page.locator('#confirm-root .confirm-yes').click();
    await page.locator('#toasts .toast', { hasText: 'The playground was reset' }).waitFor({ timeout: 60_000 });
    await page.locator('#channel-list .nav-item[data-channel="deploys"]').click();
    await page.locator('#feed .empty', { hasText: 'Nothing here yet' }).waitFor();
  }

  /** The last "only visible to you" message in the channel. */
  const lastEphemeral = () => page.locator('#feed .message.ephemeral').last();

  /** Press a button of the overview (v1.50's, or the one `ov` finds) in a block whose id contains `blockPart`. */
  async function clickInOverview(blockPart: string, button: string, ov = overview): Promise<void> {
    await ov().locator(`[data-block*="${blockPart}"] button`, { hasText: button }).first().click();
  }

  /** Switch to `person` and press Approve on an approval of the overview. */
  async function approveAs(person: string, approvalId: string, ov = overview): Promise<void> {
    await as(person);
    await clickInOverview(`|${approvalId}`, 'Approve', ov);
  }

  /** Press GO as the decider (and confirm, if the button asks). */
  async function pressGo(ov = overview): Promise<void> {
    await as('Eleanor Hughes');
    await clickInOverview('decision|', 'GO', ov);
    await page.locator('#confirm-root .confirm-yes').click({ timeout: 500 }).catch(() => undefined);
  }

  /** A probe item's line in the thread (not its evidence replies), and what it shows. */
  const probeLine = (label: string) => thread().locator('.blk.section', { hasText: label, has: page.locator('button') });
  const probeResult = async (label: string) => textOf(probeLine(label));
  const HEALTH = '/health/ready returns 200';
  /** The template's live checks, each asking a stand-in the playground started (src/playground/targets.ts). */
  const LIVE = ['Build workflow green on main', 'PGHOST_PROD and PGPASSWORD_PROD set', HEALTH, 'No database session waiting for a lock', 'Note the current WAL position', 'HTTP 5xx under 5', 'No production alarm firing', 'The bot has its GitHub token'];

  /** Run all checks from the open thread and wait until every live check has passed. */
  async function runAllChecks(): Promise<void> {
    await thread().locator('button', { hasText: 'Run all checks' }).first().click();
    for (const label of LIVE) {
      await until(`"${label}" passes`, async () => {
        const text = await probeResult(label);
        if (/(fail|error) · /.test(text)) throw new Error(`"${label}" did not pass: ${text}`);
        return text.includes('pass · ');
      });
    }
  }

  /**
   * The shortest way to GO for a promotion the release lead has just started (its overview is `ov`): what the GO test
   * below does without its detours (refusals, withdrawals, the health switch), through the same clicks. `commitSet`:
   * the release commit is set already (a GitHub job's SHA), and left as it is.
   */
  async function reachGo(ov: () => Locator, opts: { commitSet?: boolean } = {}): Promise<void> {
    await as('Riley Chen');
    await ov().locator('.replies').click();
    await thread().locator('label.option[data-value="ci-green"]').waitFor();
    for (const item of ['ci-green', 'staging-healthy', 'feature-flags']) await tick(item, true);
    if (!opts.commitSet) expect(await setField('deployed-sha', (m) => m.locator('input.text-input').fill('abc1234'))).toBeUndefined();
    await thread().locator('[data-block*="|restore-tested|"] select').selectOption({ label: 'Yes' });
    await until('the choice is recorded', async () => (await thread().locator('[data-block*="|restore-tested|"] select').inputValue()) === 'yes');
    expect(await setField('change-ticket', (m) => m.locator('input.text-input').fill('CHG-1234'))).toBeUndefined();
    expect(await setField('maintenance-start', async (m) => {
      await m.locator('input[type="date"]').fill('2026-12-01');
      await m.locator('input[type="time"]').fill('09:30');
    })).toBeUndefined();
    expect(await setField('on-call', (m) => m.locator('select').selectOption({ label: 'Sam Okafor' }).then(() => undefined))).toBeUndefined();
    await runAllChecks();
    await approveAs('Morgan Blake', 'code-review', ov);
    await until('one code review', async () => (await textOf(ov())).includes('1 of 2 approvals'));
    await approveAs('Jordan Reyes', 'code-review', ov);
    await until('two code reviews', async () => (await textOf(ov())).includes('2 of 2 approvals'));
    await approveAs('Sam Okafor', 'dba-review', ov);
    await until('every approval before GO', async () => (await textOf(ov())).includes('2 of 2 complete'));
    await pressGo(ov);
    await until('GO is accepted', async () => {
      const refusal = (await lastEphemeral().count()) > 0 ? await textOf(lastEphemeral()) : '';
      if (/missing|still needs/i.test(refusal)) throw new Error(`GO was refused: ${refusal}`);
      const text = await textOf(ov());
      return !text.includes('GO still needs') && text.includes('Roll back…');
    });
  }

  it('renders mrkdwn as Slack does: formatting, mentions with names, channels, groups, dates in the viewer\'s zone', async () => {
    const text = '*bold* _italic_ ~gone~ `x < y` snake_case_name <@U0CTO> <#C0RELEASES> <!subteam^S0DBATEAM> <!date^1700000000^{date_short} {time}|fallback> <https://example.com/a_b|the link> a &lt;b&gt; &amp; c\n&gt; quoted\n```two\nlines```\n• item :white_check_mark:';
    const ctx = { people: { U0CTO: { real_name: 'Morgan Blake' } }, channels: { C0RELEASES: { name: 'release-announcements' } }, groups: { S0DBATEAM: { handle: 'dba-team', users: [] } }, tz: 'Asia/Tokyo', me: 'U0LEAD' };
    const html = (await page.evaluate(`import('/blocks.js').then((m) => m.mrkdwn(${JSON.stringify(text)}, ${JSON.stringify(ctx)}))`)) as string;
    expect(html).toContain('<b>bold</b>');
    expect(html).toContain('<i>italic</i>');
    expect(html).toContain('<s>gone</s>');
    expect(html).toContain('<code>x &lt; y</code>');
    expect(html).toContain('snake_case_name');
    expect(html).toContain('@Morgan Blake');
    expect(html).toContain('#release-announcements');
    expect(html).toContain('@dba-team');
    expect(html).toContain('Nov 15, 2023 7:13 AM');
    expect(html).toContain('<a href="https://example.com/a_b" target="_blank" rel="noreferrer">the link</a>');
    expect(html).toContain('a &lt;b&gt; &amp; c');
    expect(html).toContain('<blockquote>quoted</blockquote>');
    expect(html).toContain('<pre class="code-block">two\nlines</pre>');
    expect(html).toContain('✅');

    // "today", "tomorrow" and "ago" count from the viewer's now, which the page takes from the bot's clock; a group
    // mention names the group; a link to a message opens it in the page, as Slack's client does.
    const more = '<!date^1700000000^{date_short_pretty} {time}|x> <!date^1700000000^{ago}|x> <!subteam^S0DBATEAM> <https://slack.com/archives/C0DEPLOYS/p1700000000123456|checklist>';
    const now = (1700000000 - 86_400) * 1000;
    const moreHtml = (await page.evaluate(`import('/blocks.js').then((m) => m.mrkdwn(${JSON.stringify(more)}, ${JSON.stringify({ ...ctx, groups: { S0DBATEAM: { handle: 'dba-team', name: 'Database admins', users: [] } }, now })}))`)) as string;
    expect(moreHtml).toContain('tomorrow 7:13 AM');
    expect(moreHtml).toContain('in 1 day');
    expect(moreHtml).toContain('title="Database admins">@dba-team');
    expect(moreHtml).toContain('class="msg-link" data-channel="C0DEPLOYS" data-ts="1700000000.123456">checklist</a>');
  });

  it('runs a promotion through the page: start, tick, fields, not applicable, approvals, refusals and GO', async () => {
    // Start it from the composer, the subcommands listed as one types.
    await as('Riley Chen');
    await page.fill('#composer-input', '/promote st');
    await page.locator('#suggestions .suggestion', { hasText: '/promote start' }).waitFor();
    await page.locator('#suggestions .suggestion', { hasText: '/promote start' }).click();
    expect(await page.inputValue('#composer-input')).toBe('/promote start ');
    await page.fill('#composer-input', '/promote start v1.50');
    await page.press('#composer-input', 'Enter');
    await overview().waitFor();
    await overviewSays('GO still needs');
    await overview().locator('.replies').click();
    await thread().locator('label.option[data-value="ci-green"]').waitFor();

    // Tick an item and untick it.
    await tick('ci-green', true);
    await overviewSays('1 done');
    await tick('ci-green', false);
    await overviewSays('0 done');

    // A field: a bad value is refused inside the modal, next to the input; a good one closes it.
    const refused = await setField('deployed-sha', (m) => m.locator('input.text-input').fill('not a sha'));
    expect(refused).toBeTruthy();
    await shot('field-refused');
    await modal().locator('input.text-input').fill('abc1234');
    await modal().locator('.modal-submit').click();
    await modal().waitFor({ state: 'detached' });
    await until('the SHA shows in the thread', async () => (await textOf(thread())).includes('abc1234'));

    // Not applicable: the section's button opens a modal to pick the item and say why.
    await thread().locator('[data-block] button', { hasText: 'Not applicable' }).first().click();
    await modal().waitFor();
    await modal().locator('select').selectOption({ label: 'Feature flags reviewed' });
    await modal().locator('textarea').fill('No feature flags in this release');
    await modal().locator('.modal-submit').click();
    await modal().waitFor({ state: 'detached' });
    await until('feature flags show not applicable', async () => (await textOf(thread())).includes('No feature flags in this release'));

    // The same modal again: its mark/restore switch (dispatch_action) has the bot update the open modal in place.
    await thread().locator('[data-block] button', { hasText: 'Not applicable' }).first().click();
    await modal().locator('label.option', { hasText: 'Make it applicable again' }).click();
    await modal().locator('.input-label', { hasText: 'What applies again' }).waitFor();
    await modal().locator('.modal-footer .btn', { hasText: 'Cancel' }).click();
    await modal().waitFor({ state: 'detached' });

    // The requester may not approve their own promotion.
    await clickInOverview('code-review', 'Approve');
    await until('the requester is refused', async () => /started|requester|own/i.test(await textOf(lastEphemeral())));

    // Approve as two people.
    await approveAs('Morgan Blake', 'code-review');
    await overviewSays('1 of 2 approvals');
    // Changed their mind: the overflow menu withdraws it; then approved again.
    const withdraw = overview().locator('[data-block*="|code-review"] .menu-item', { hasText: 'Withdraw' });
    // The page renders messages afresh on every update: a click on the ⋮ of a copy just replaced opens nothing.
    await until('the overflow menu is open', async () => {
      if (await withdraw.isVisible()) return true;
      await overview().locator('[data-block*="|code-review"] .btn.overflow').click();
      return withdraw.isVisible();
    });
    await withdraw.click();
    await overviewSays('0 of 2 approvals');
    await clickInOverview('|code-review', 'Approve');
    await overviewSays('1 of 2 approvals');
    await approveAs('Jordan Reyes', 'code-review');
    await overviewSays('2 of 2 approvals');

    // Refused as an outsider, told who can.
    await approveAs('Casey Park', 'dba-review');
    await until('the outsider is refused', async () => (await textOf(lastEphemeral())).includes('can approve'));
    expect(await textOf(lastEphemeral())).toContain('Only visible to you');

    // GO by the decider, with items and an approval missing: refused, saying what is missing.
    await pressGo();
    await until('GO is refused with what is missing', async () => /missing|still needs|needs/i.test(await textOf(lastEphemeral())));
    await shot('go-refused');

    // Complete what is needed: the items, the fields, the choice and the database review.
    await as('Riley Chen');
    for (const item of ['ci-green', 'staging-healthy']) await tick(item, true);
    await thread().locator('[data-block*="|restore-tested|"] select').selectOption({ label: 'Yes' });
    await until('the choice is recorded', async () => (await thread().locator('[data-block*="|restore-tested|"] select').inputValue()) === 'yes');
    expect(await setField('change-ticket', (m) => m.locator('input.text-input').fill('1234'))).toContain('CHG-1234');
    await modal().locator('input.text-input').fill('CHG-1234');
    await modal().locator('.modal-submit').click();
    await modal().waitFor({ state: 'detached' });
    expect(await setField('maintenance-start', async (m) => {
      await m.locator('input[type="date"]').fill('2026-12-01');
      await m.locator('input[type="time"]').fill('09:30');
    })).toBeUndefined();
    expect(await setField('on-call', (m) => m.locator('select').selectOption({ label: 'Sam Okafor' }).then(() => undefined))).toBeUndefined();

    await approveAs('Sam Okafor', 'dba-review');
    await overviewSays('2 of 2 complete');
    await until('the thread shows every field set', async () => (await textOf(thread())).includes('3 of 3 done'));
    await shot('checklist');

    // Live checks (issue 10): each item's probe asks a stand-in the playground started (src/playground/targets.ts).
    // One check first: the health endpoint answers 200, the item shows pass and is ticked.
    await as('Riley Chen');
    const result = probeResult;
    await probeLine(HEALTH).locator('button', { hasText: 'Run check' }).click();
    await until('the health check passes', async () => (await result(HEALTH)).includes('pass · '));
    await until('the passing health check ticks its item', () => checkbox('health-ready').isChecked());
    // Then Run all checks: GitHub (a green run, the environment's secrets), PostgreSQL (locks, the WAL position into
    // its field), CloudWatch (the 5xx count, the alarms) and the bot's own environment all pass.
    await runAllChecks();
    await until('the WAL position is recorded in its field', async () => /WAL position before the deployment[^]*?\b[0-9A-F]{1,8}\/[0-9A-F]{1,8}\b/.test(await textOf(thread())));
    await shot('live-checks');

    // The page's health switch: the endpoint answers 503, the check fails and unticks its item, and GO is refused
    // for it (the probe has max_age, so it needs a fresh pass).
    await page.locator('#health-toggle').click();
    await until('the switch says failing', async () => (await textOf(page.locator('#health-toggle'))) === 'health: failing');
    await probeLine(HEALTH).locator('button', { hasText: 'Run check' }).click();
    await until('the health check fails', async () => (await result(HEALTH)).includes('fail · '));
    expect(await result(HEALTH)).toContain('503');
    await until('the failed check unticks its item', async () => !(await checkbox('health-ready').isChecked()));
    await shot('health-failing');
    await pressGo();
    await until('GO is refused for the failed health check', async () => /health\/ready[^]*re-run/.test(await textOf(lastEphemeral())));
    // Healthy again: re-run, pass, ticked.
    await as('Riley Chen');
    await page.locator('#health-toggle').click();
    await until('the switch says OK', async () => (await textOf(page.locator('#health-toggle'))) === 'health: OK');
    await probeLine(HEALTH).locator('button', { hasText: 'Run check' }).click();
    await until('the health check passes again', async () => (await result(HEALTH)).includes('pass · ') && !(await result(HEALTH)).includes('running'));
    await until('the item is ticked again', () => checkbox('health-ready').isChecked());
    // Every run's evidence is a thread reply; Slack lets a channel have about one post a second, so 11 take a while.
    const replies = async () => (await textOf(thread())).split('Check of ').length - 1;
    await until('the 11 runs\' evidence is in the thread', async () => (await replies()) >= 11, 60_000);

    // GO, accepted: the overview shows the decision and the stakeholders' channel hears of it.
    await pressGo();
    await until('GO is accepted', async () => !(await textOf(overview())).includes('GO still needs') && /\bGO\b/.test(await textOf(overview())));
    await shot('go-accepted');
    await page.locator('#channel-list .nav-item[data-channel="release-announcements"]').click();
    await until('the announcement reaches #release-announcements', async () => (await textOf(page.locator('#feed'))).includes('v1.50'));
    await shot('announcement');

    // App Home, as the decider sees it.
    await page.locator('#app-list .nav-item').click();
    await page.locator('#feed .home, #feed .empty').first().waitFor();
    await shot('home');

    // A rendering mistake fails loudly: the emulator's refusal shows in the channel, where Slack would show nothing.
    // The refusal is armed once GO's own updates have landed (the section after GO shows its boxes), or it could
    // refuse one of those instead, and that section would keep its boxes closed.
    await page.locator('#channel-list .nav-item[data-channel="deploys"]').click();
    await as('Riley Chen');
    await overview().locator('.replies').click();
    await checkbox('smoke-tests').waitFor();
    playground.session().stack.fake.failNext('chat.update', 'invalid_blocks');
    await checkbox('smoke-tests').click();
    await page.locator('#feed .refusal', { hasText: 'invalid_blocks' }).waitFor();

    // The wire: the signed request the click sent, and the Web API call the emulator refused.
    await page.locator('#wire-toggle').click();
    await page.locator('#wire .wire-entry.request', { hasText: 'block_actions' }).first().waitFor();
    await page.locator('#wire .wire-entry.call.bad', { hasText: 'invalid_blocks' }).first().waitFor();
    await page.locator('#wire .wire-entry.request', { hasText: 'block_actions' }).last().locator('summary').click();
    expect(await textOf(page.locator('#wire .wire-entry.request[open] pre'))).toContain('x-slack-signature');
    await shot('wire');
    await page.locator('#wire-close').click();

    // The bot's clock moves forward from the page; with no T0 planned there is nothing to jump to, and the page says so.
    await page.locator('#clock-hour').click();
    await until('the clock shows +1 h', async () => (await textOf(page.locator('#clock-now'))).includes('+1 h'));
    await page.locator('#clock-t5').click();
    await page.locator('#toasts .toast', { hasText: 'no T0' }).waitFor();

    // Reset asks first (the page's confirm dialog, as it shows Block Kit's confirm objects); then it starts afresh.
    await page.locator('#reset').click();
    await page.locator('#confirm-root .modal', { hasText: 'Reset the playground?' }).waitFor();
    await page.locator('#confirm-root .btn', { hasText: 'Cancel' }).click();
    expect(await overview().count()).toBe(1);
    await page.locator('#reset').click();
    await page.locator('#confirm-root .confirm-yes').click();
    await page.locator('#feed .empty', { hasText: 'Nothing here yet' }).waitFor({ timeout: 60_000 });
  }, 240_000);

  it('schedules the window from the overview, jumps to T-5m for the final checks, and answers the T+2m decision point', async () => {
    // A promotion of its own, after a Reset of its own: whatever the flow above left, even stopped half-way, would hold
    // the production environment's lock (one promotion at a time per environment).
    const RELEASE = 'v1.60';
    await resetPlayground();
    const ov = () => page.locator('#feed .message:not(.broadcast)').filter({ hasText: `Promotion ${RELEASE}` }).first();
    // A reply of the thread (not the window's announcement, also in the thread, which names the next reminders).
    const reply = (text: string) => thread().locator('.message:not(.broadcast)', { hasText: text });
    await page.locator('#channel-list .nav-item[data-channel="deploys"]').click();
    await as('Riley Chen');
    await page.fill('#composer-input', `/promote start ${RELEASE}`);
    await page.press('#composer-input', 'Enter');
    await ov().waitFor();
    await until('the overview says the window is not scheduled', async () => (await textOf(ov())).includes('not scheduled yet'));

    // Schedule window: the modal's datetimepicker, in Riley's own zone (Europe/London), two hours ahead of the bot's
    // clock on the quarter hour, as a person would pick it; the length is the template's 45m; no end.
    await ov().locator('[data-block^="window|"] button', { hasText: 'Schedule window' }).click();
    await modal().waitFor();
    const start = new Date(Math.ceil((playground.session().clock.now().getTime() + 2 * 3_600_000) / 900_000) * 900_000);
    const picked = inZone(start, 'Europe/London');
    const startInput = modal().locator(`[data-block="${INPUT.windowStart}"]`);
    await startInput.locator('input[type="date"]').fill(picked.date);
    await startInput.locator('input[type="time"]').fill(picked.time);
    expect(await modal().locator(`[data-block="${INPUT.windowDuration}"] input`).inputValue()).toBe('45m');
    expect(await modal().locator(`[data-block="${INPUT.windowEnd}"] input[type="date"]`).inputValue()).toBe('');
    await modal().locator('.modal-submit').click();
    await modal().waitFor({ state: 'detached' });

    // The overview shows the window in the viewer's zone, and T0: the template's window opens 15 minutes before it.
    const t0 = new Date(start.getTime() + 15 * 60_000);
    await until('the overview shows the window', async () => (await ov().locator('[data-block^="window|"] button').textContent()) === 'Reschedule');
    const windowLine = spaced(await textOf(ov().locator('[data-block^="window|"]')));
    expect(windowLine).toContain(clock(start, 'Europe/London'));
    expect(windowLine).toContain(`T0 ${clock(t0, 'Europe/London')}`);
    // The announcement is a thread reply also sent to the channel: the channel shows it, "replied to a thread".
    await page.locator('#feed .message.broadcast', { hasText: 'maintenance window scheduled' }).waitFor();
    await ov().locator('.replies').click();
    await thread().locator('.message', { hasText: 'maintenance window scheduled' }).waitFor();

    // Jump to T-5m: the bot's clock moves to five minutes before T0 (not before the window's start), and the final
    // checks reminder (the template's words) is in the thread at once, naming what is still open.
    await page.locator('#clock-t5').click();
    const finalChecks = reply('Final checks (T-5m)');
    await finalChecks.waitFor({ timeout: 10_000 });
    expect(await textOf(finalChecks)).toContain('Live checks');
    expect(await textOf(finalChecks)).toContain('@Riley Chen');
    // The checks due at T-5m and still open are called out too.
    await reply('still open past their due time').waitFor();
    expect(spaced(await textOf(page.locator('#clock-now')))).toContain(clock(new Date(t0.getTime() - 5 * 60_000), 'Europe/London'));
    await finalChecks.scrollIntoViewIfNeeded();
    await until('no toast is left over (Reset says it was done)', async () => (await page.locator('#toasts .toast').count()) === 0);
    await shot('timeline');

    // Next reminder: T0, then the T+2m decision point, with the Chairman's buttons.
    await page.locator('#clock-next').click();
    await reply('T0: the Chairman decides').waitFor();
    await page.locator('#clock-next').click();
    const decision = reply('decision point').filter({ has: page.locator('[data-block^="checkpoint|"]') });
    await decision.waitFor();
    expect(await textOf(decision)).toContain('@Eleanor Hughes');

    // Roll back asks first (the button's confirm dialog, as Slack shows it); Cancel sends nothing.
    await as('Eleanor Hughes');
    await decision.locator('button', { hasText: 'Roll back' }).click();
    await page.locator('#confirm-root .modal', { hasText: 'Roll back?' }).waitFor();
    await page.locator('#confirm-root .btn', { hasText: 'Cancel' }).click();
    await page.locator('#confirm-root .modal').waitFor({ state: 'detached' });
    // Continue, by the decider: the answer is posted in the thread, and in the channel too.
    await decision.locator('button', { hasText: 'Continue' }).click();
    await thread().locator('.message.broadcast', { hasText: '“Continue”, decided by @Eleanor Hughes' }).waitFor();
    expect(await textOf(thread())).not.toContain('“Roll back”');
    await page.locator('#feed .message.broadcast', { hasText: '“Continue”, decided by @Eleanor Hughes' }).waitFor();
  }, 120_000);

  it('rehearses a rollback: broadcast to #release-announcements, acknowledged, updated, completed, and the report downloaded', async () => {
    // A promotion of its own after a Reset: the one above still holds the production environment's lock.
    const RELEASE = 'v1.70';
    await resetPlayground();
    const ov = () => page.locator('#feed .message:not(.broadcast)').filter({ hasText: `Promotion ${RELEASE}` }).first();
    /** The rollback panel's buttons (its text is the section above them, in the overview). */
    const panel = () => ov().locator('[data-block^="rollback|"]');
    const ovSays = (text: string) => until(`the overview says "${text}"`, async () => (await textOf(ov())).includes(text));
    await as('Riley Chen');
    await page.fill('#composer-input', `/promote start ${RELEASE}`);
    await page.press('#composer-input', 'Enter');
    await ov().waitFor();
    await reachGo(ov);

    // Roll back… opens the template's form: the communication's bracketed words as hints, and the two paths.
    await as('Riley Chen');
    await clickInOverview('decision|', 'Roll back…', ov);
    await page.locator('#confirm-root .confirm-yes').click({ timeout: 500 }).catch(() => undefined);
    await modal().waitFor();
    expect(await textOf(modal().locator('.modal-title'))).toContain('Roll back');
    expect(await textOf(modal())).toContain('Description of impact');
    const field = (blockId: string) => modal().locator(`[data-block="${blockId}"]`).locator('input.text-input, textarea');
    await field(INPUT.rollbackIssue).fill('5xx rate over 5% for 5 minutes after the deployment');
    await field(INPUT.rollbackImpact).fill('Checkout fails for about 1 in 10 customers');
    await field(INPUT.rollbackEta).fill('20 minutes');
    await modal().locator(`[data-block="${INPUT.rollbackPath}"] label.option[data-value="redeploy-previous"]`).click();
    expect(await modal().locator(`[data-block="${INPUT.rollbackPath}"] label.option[data-value="redeploy-previous"] input`).isChecked()).toBe(true);
    await modal().locator('.modal-submit').click();
    await modal().waitFor({ state: 'detached' });

    // The deployment channel: the broadcast is a thread reply also sent to the channel; the path's steps are in the
    // thread; the overview's panel waits for the stakeholders.
    const SUBJECT = '[ROLLBACK INITIATED] Playground service';
    await page.locator('#feed .message.broadcast', { hasText: SUBJECT }).waitFor();
    await ovSays('Rolling back');
    await until('the panel waits for the stakeholders', async () => /waiting for @Priya Natarajan, @Morgan Blake/.test(await textOf(ov())));
    await ov().locator('.replies').click();
    const steps = thread().locator('.message', { hasText: 'Rollback steps: Redeploy the previous release' });
    await steps.waitFor();
    expect(await textOf(steps)).toContain("Redeploy the previous release's commit");
    expect(await textOf(steps)).not.toContain('feature flags');

    // #release-announcements: the broadcast, once, with the communication filled in and an Acknowledge button.
    await page.locator('#channel-list .nav-item[data-channel="release-announcements"]').click();
    const broadcast = page.locator('#feed .message', { hasText: SUBJECT });
    await broadcast.waitFor();
    expect(await broadcast.count()).toBe(1);
    const said = await textOf(broadcast);
    expect(said).toContain('Rolling back due to 5xx rate over 5% for 5 minutes after the deployment');
    expect(said).toContain('Impact: Checkout fails for about 1 in 10 customers');
    expect(said).toContain('ETA: 20 minutes');
    expect(said).toContain('Action Required: not known yet');
    expect(said).toContain('path: Redeploy the previous release');
    expect(said).toContain('@dba-team');
    expect(said).not.toContain(':rotating_light:');
    // Acknowledged by the product manager, a stakeholder.
    await as('Priya Natarajan');
    await broadcast.locator('button', { hasText: 'Acknowledge' }).click();
    await until('the acknowledgement is answered', async () => (await textOf(lastEphemeral())).includes('Acknowledged'));

    // The overview's panel shows who acknowledged and who the lead still waits for.
    await page.locator('#channel-list .nav-item[data-channel="deploys"]').click();
    await as('Riley Chen');
    await until('the panel shows the acknowledgement', async () => {
      const text = await textOf(ov());
      return text.includes('Acknowledged: @Priya Natarajan') && /waiting for @Morgan Blake/.test(text);
    });
    // The screenshot: the panel in the overview, the broadcast and the path's steps in the thread.
    await ov().locator('.replies').click();
    await steps.waitFor();
    await panel().scrollIntoViewIfNeeded();
    await thread().locator('.message', { hasText: SUBJECT }).scrollIntoViewIfNeeded();
    await until('no toast is left over', async () => (await page.locator('#toasts .toast').count()) === 0);
    await shot('rollback');

    // Post update… from the panel: it goes to the thread (and #release-announcements' thread).
    await panel().locator('button', { hasText: 'Post update…' }).click();
    await modal().waitFor();
    await modal().locator('textarea').fill('Previous release redeploying, 2 of 6 tasks healthy');
    await modal().locator('.modal-submit').click();
    await modal().waitFor({ state: 'detached' });
    await thread().locator('.message', { hasText: `${RELEASE} rollback, update 1` }).waitFor();
    await ovSays('Updates: 1');

    // Next reminder: 15 minutes later the lead is reminded in the thread, with a Post update button.
    await page.locator('#clock-next').click();
    const due = thread().locator('.message', { hasText: 'time to post an update' });
    await due.waitFor();
    await due.locator('button', { hasText: 'Post update' }).click();
    await modal().waitFor();
    await modal().locator('textarea').fill('All 6 tasks healthy on the previous release');
    await modal().locator('.modal-submit').click();
    await modal().waitFor({ state: 'detached' });
    await thread().locator('.message', { hasText: `${RELEASE} rollback, update 2` }).waitFor();

    // Rollback complete…: the promotion ends rolled back.
    await panel().locator('button', { hasText: 'Rollback complete…' }).click();
    await modal().waitFor();
    await modal().locator('textarea').fill('v1.69 serving, error rate back to 0.1%');
    await modal().locator('.modal-submit').click();
    await modal().waitFor({ state: 'detached' });
    await ovSays('Rolled back');
    await thread().locator('.message', { hasText: 'rollback complete' }).first().waitFor();

    // /promote report: the Markdown and the JSON shared in the checklist's thread, each with a download link.
    await page.fill('#composer-input', `/promote report ${RELEASE}`);
    await page.press('#composer-input', 'Enter');
    await until('the report is answered', async () => (await textOf(lastEphemeral())).includes('The record of'));
    const mdFile = thread().locator('.file[data-file$=".md"]');
    await mdFile.waitFor();
    await thread().locator('.file[data-file$=".json"]').waitFor();
    expect(await textOf(mdFile)).toContain(`${RELEASE}.md`);
    const [download] = await Promise.all([page.waitForEvent('download'), mdFile.locator('a.file-download').click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`${RELEASE.replace('.', '\\.')}\\.md$`));
    const saved = await download.path();
    const markdown = await readFile(saved, 'utf8');
    expect(markdown).toContain('started a rollback');
    expect(markdown).toContain('5xx rate over 5% for 5 minutes after the deployment');
    expect(markdown).toContain('acknowledged the rollback');
    expect(markdown).toContain('posted rollback update 1');
    expect(markdown).toContain('declared the rollback complete: v1.69 serving, error rate back to 0.1%');
    expect(markdown).toContain('rolled back');
    // The link names the message that shared the file: another message's ts (a link from before a restart) gets 404.
    const href = (await mdFile.locator('a.file-download').getAttribute('href'))!;
    const status = (url: string) => page.evaluate(async (u) => (await fetch(u)).status, url);
    expect(await status(href)).toBe(200);
    expect(await status(href.replace(/ts=[^&]+/, 'ts=1.000000'))).toBe(404);
  }, 240_000);

  it('plays GitHub: a workflow run reaching production waits in the checklist, and GO releases it', async () => {
    // The run above ended rolled back: nothing holds the environment. The stand-in's button plays GitHub: the job
    // waits, and the bot starts a promotion named after the branch and the commit.
    await page.locator('#channel-list .nav-item[data-channel="deploys"]').click();
    await page.locator('#github-run').click();
    const run = page.locator('#github-runs .gh-run').first();
    await until('the GitHub panel lists the waiting run', async () => (await run.getAttribute('data-status')) === 'waiting');
    const sha = await textOf(run.locator('code'));
    const ov = () => page.locator('#feed .message:not(.broadcast)').filter({ hasText: `Promotion main-${sha}` }).first();
    await until('the overview shows the waiting job', async () => (await textOf(ov())).includes('GitHub job waiting'));
    expect(await textOf(ov())).toContain(`commit ${sha}`);
    await shot('github-waiting');

    // GO (the job's commit is the release commit already): the gate is approved in the stand-in, and both say so.
    await reachGo(ov, { commitSet: true });
    await until('the GitHub panel shows the run approved', async () => (await run.getAttribute('data-status')) === 'approved');
    expect(await textOf(run)).toContain(`Approved by Preflight: GO for main-${sha}`);
    await until('the overview says GitHub released it', async () => (await textOf(ov())).includes('Released in GitHub'));
  }, 180_000);
});

/** A date and a time as the datetimepicker's inputs take them, in a time zone. */
function inZone(at: Date, timeZone: string): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

/** A time as Slack's `{time}` shows it (and the page), e.g. 4:15 AM. */
function clock(at: Date, timeZone: string): string {
  return spaced(new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' }).format(at));
}

/** Intl puts a narrow no-break space before AM/PM in some versions and a space in others. */
function spaced(text: string): string {
  return text.replace(/[\u202f\u00a0]/g, ' ');
}
