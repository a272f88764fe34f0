/**
 * Verification probes end to end (issue 10), through signed requests into a real bot process and the fake Slack:
 * Run check acknowledged at once, the item showing running… and then its result, the details in the thread, and the
 * GO gate refusing a stale or failed probe and accepting once it is run again. The http probes run on the test's own
 * family double (the runner and the UI are what is tested here; the families have tests of their own).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/ids.js';
import type { ProbeFamily } from '../../src/probes/types.js';
import { FAMILIES } from '../../src/probes/registry.js';
import { listAudit } from '../../src/store/audit.js';
import { listRuns } from '../../src/store/probe-runs.js';
import { findActive, getItemState } from '../../src/store/promotions.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { CHANNEL, promotionMessages, startHarness, visibleText, type Harness } from '../support/harness.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';

const SHA = 'c0ffee'.padEnd(40, '0');
const TOKEN = 'dpl_s3cr3t_value_never_shown';

/** What the double answers, per path; `held` keeps a probe running until released. */
const answers: Record<string, 'pass' | 'fail'> = { '/ci': 'pass', '/health': 'pass' };
let held: Promise<void> | undefined;
let calls = 0;

const http: ProbeFamily<'http'> = {
  type: 'http',
  async run(spec) {
    calls++;
    if (held) await held;
    const path = new URL(spec.url).pathname;
    const ok = answers[path] === 'pass';
    return {
      status: ok ? 'pass' : 'fail',
      summary: ok ? `GET ${path} answered 200 in 12 ms` : `GET ${path} answered 503 in 40 ms`,
      evidence: {
        lines: [`GET ${spec.url}`, ok ? 'status 200 (expected 200)' : 'status 503 (expected 200)'],
        links: [{ label: 'the endpoint', url: spec.url }],
        metrics: [{ name: 'latency ms', value: ok ? 12 : 40, threshold: '< 300' }],
      },
      ...(path === '/ci' ? { records: { sha: SHA } } : {}),
    };
  },
  placeholders: () => [],
  secrets: () => [],
};

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('verification probes, end to end', () => {
  let database: TestDatabase;
  let h: Harness;
  let pid: string;
  let now = new Date('2026-11-22T10:00:00Z');
  let ts = 1795300000;
  const actionTs = () => `${ts++}.000001`;

  beforeAll(async () => {
    database = await postgresDatabase();
    h = await startHarness({ database, templatesDir: 'test/fixtures/probes', clock: () => now, probeFamilies: { ...FAMILIES, http }, env: { PROBE_E2E_DEPLOY_TOKEN: TOKEN } });
    await h.command('start v1.50 probes');
    await h.settle();
    pid = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
  });
  afterAll(async () => {
    await h.close();
    await database.drop();
  });

  const thread = () => promotionMessages(h.fake)[0]!.thread;
  const overview = () => promotionMessages(h.fake)[0]!.overview;
  const gates = () => thread().find((m) => m.blocks.some((b: any) => b.accessory?.action_id === ACTION.runProbe))!;
  /** The line of an item's probe, as the section message shows it now. */
  const probeLine = (label: string) => (gates().blocks.find((b: any) => b.accessory?.action_id === ACTION.runProbe && b.text.text.includes(label)) as any)?.text.text as string;
  const lastReply = (user: string) => h.fake.ephemerals().filter((e) => e.user === user).at(-1)?.text ?? '';
  /** Thread replies that are not checklist messages: the evidence posts. */
  const evidence = () => h.fake.messages(CHANNEL).filter((m) => (m.text ?? '').startsWith('Check of '));

  function runCheck(user: string, label: string): { message: FakeMessage; action: Record<string, unknown> } {
    const message = gates();
    const block = message.blocks.find((b: any) => b.accessory?.action_id === ACTION.runProbe && b.text.text.includes(label)) as any;
    return { message, action: { ...block.accessory, block_id: block.block_id ?? '', action_ts: actionTs() } };
  }

  async function go(): Promise<void> {
    const message = overview();
    const block = message.blocks.find((b: any) => b.block_id === `decision|${pid}`) as any;
    const el = block.elements.find((e: any) => e.action_id === ACTION.go);
    await h.click('U0CHAIR', message, { ...el, block_id: block.block_id, action_ts: actionTs() });
    await h.settle();
  }

  it('shows Run check under each item with a probe and Run all checks under its section', () => {
    expect(probeLine('Health endpoint')).toContain('_not run yet_');
    expect(probeLine('Staging CI green')).toContain('_not run yet_');
    const runAll = gates().blocks.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === ACTION.runProbes);
    expect(runAll).toMatchObject({ text: { text: 'Run all checks' } });
  });

  it('acknowledges Run check at once, shows running…, then the result and a thread reply; a second click starts nothing', async () => {
    let release!: () => void;
    held = new Promise((r) => (release = r));
    const first = runCheck('U0ALICE', 'Staging CI green');
    // Answered while the probe is still held: acknowledged before it ran, not after.
    const res = await h.click('U0ALICE', first.message, first.action);
    expect(res.status).toBe(200);
    await until('the item to show running…', () => (probeLine('Staging CI green') ?? '').includes('_running…_'));
    // A second click while it runs starts nothing, and says so.
    const second = runCheck('U0BOB', 'Staging CI green');
    await h.click('U0BOB', second.message, second.action);
    await until('the answer to the second click', () => lastReply('U0BOB').includes('Already running'));
    held = undefined;
    release();
    await h.settle();
    expect(calls).toBe(1);
    expect((await listRuns(h.bot.db, pid, 'ci')).map((r) => r.status)).toEqual(['pass']);
    const line = probeLine('Staging CI green');
    expect(line).toContain('*pass* · GET /ci answered 200 in 12 ms');
    expect(line).toMatch(/ · \d+ ms$/);
    // A pass ticks the item and fills the field its records name.
    expect(await getItemState(h.bot.db, pid, 'ci')).toMatchObject({ state: 'done', by: 'U0ALICE' });
    expect(await getItemState(h.bot.db, pid, 'sha')).toMatchObject({ state: 'done', value: SHA });
    const checkbox = gates().blocks.find((b: any) => b.elements?.[0]?.type === 'checkboxes') as any;
    expect(checkbox.elements[0].initial_options.map((o: any) => o.value)).toContain('ci');
    // The details, once, in the checklist's thread.
    const replies = evidence();
    expect(replies).toHaveLength(1);
    expect(replies[0]!.thread_ts).toBe(overview().ts);
    const text = visibleText(replies[0]!);
    expect(text).toContain('status 200 (expected 200)');
    expect(text).toContain('latency ms: *12* (threshold &lt; 300)');
    expect(text).toContain('It ticked the item.');
    expect((await listAudit(h.bot.db, pid)).map((e) => e.action)).toEqual(expect.arrayContaining(['probe.started', 'probe.ran']));
  });

  it('runs the real env family: the variable is set, and its value appears nowhere', async () => {
    const message = thread().find((m) => m.blocks.some((b: any) => b.accessory?.action_id === ACTION.runProbe && b.text.text.includes('Deploy token set')))!;
    const block = message.blocks.find((b: any) => b.accessory?.action_id === ACTION.runProbe && b.text.text.includes('Deploy token set')) as any;
    await h.click('U0ALICE', message, { ...block.accessory, block_id: '', action_ts: actionTs() });
    await h.settle();
    expect(await getItemState(h.bot.db, pid, 'token-set')).toMatchObject({ state: 'done' });
    expect(visibleText(evidence().at(-1)!)).toContain('PROBE_E2E_DEPLOY_TOKEN: set');
    const everything = JSON.stringify([h.fake.messages(CHANNEL), h.logs, (await h.bot.db.query('SELECT * FROM probe_runs')).rows, await listAudit(h.bot.db, pid)]);
    expect(everything).not.toContain(TOKEN);
  });

  it('refuses GO while a probe with max_age has no fresh pass, or its last result failed; accepts once run again', async () => {
    const tick = gates().blocks.find((b: any) => b.elements?.[0]?.type === 'checkboxes' && b.elements[0].options.some((o: any) => o.value === 'health')) as any;
    await h.toggle('U0ALICE', gates(), tick.block_id, ['health']);
    await h.settle();
    await go();
    expect(lastReply('U0CHAIR')).toContain('“Health endpoint answers 200” check not run in the last 15m: re-run it');

    // Run all checks: both pass.
    const runAll = gates().blocks.find((b: any) => b.elements?.some((e: any) => e.action_id === ACTION.runProbes)) as any;
    const button = runAll.elements.find((e: any) => e.action_id === ACTION.runProbes);
    await h.click('U0ALICE', gates(), { ...button, block_id: runAll.block_id ?? '', action_ts: actionTs() });
    await h.settle();
    expect(probeLine('Health endpoint')).toContain('*pass*');

    // Twenty minutes later the pass is too old for GO.
    now = new Date(now.getTime() + 20 * 60_000);
    await go();
    expect(lastReply('U0CHAIR')).toContain('“Health endpoint answers 200” check last pass older than 15m: re-run it');

    // Run again, and it fails: GO still refused, and the failure shows on the item and in the thread.
    answers['/health'] = 'fail';
    const again = runCheck('U0ALICE', 'Health endpoint');
    await h.click('U0ALICE', again.message, again.action);
    await h.settle();
    expect(probeLine('Health endpoint')).toContain('*fail* · GET /health answered 503 in 40 ms');
    expect(await getItemState(h.bot.db, pid, 'health')).toMatchObject({ state: 'open' });
    expect(visibleText(evidence().at(-1)!)).toContain('It unticked the item');
    await go();
    expect(lastReply('U0CHAIR')).toContain('check last result: fail: re-run it');

    // Fixed, run again: it passes and ticks the item; GO goes through.
    answers['/health'] = 'pass';
    const fixed = runCheck('U0ALICE', 'Health endpoint');
    await h.click('U0ALICE', fixed.message, fixed.action);
    await h.settle();
    expect(await getItemState(h.bot.db, pid, 'health')).toMatchObject({ state: 'done' });
    await go();
    expect(h.fake.ephemerals().filter((e) => e.user === 'U0CHAIR')).toHaveLength(3);
    expect((await listAudit(h.bot.db, pid)).map((e) => e.action)).toContain('decision.go');
  });

  it('runs checks from the command line: /promote check <release> [item|section]', async () => {
    await h.command('start v1.51 probes');
    await h.settle();
    const before = calls;
    await h.command('check v1.51 gates', { user: 'U0BOB' });
    await h.settle();
    expect(calls).toBe(before + 2);
    expect(lastReply('U0BOB')).toContain('Running 2 checks: “Staging CI green”, “Health endpoint answers 200”');
    await h.command('check v1.51', { user: 'U0BOB' });
    await h.settle();
    expect(lastReply('U0BOB')).toContain('Running 3 checks');
    await h.command('check v1.51 nothing-here', { user: 'U0BOB' });
    await h.settle();
    expect(lastReply('U0BOB')).toContain('has no item or section `nothing-here`');
  });
});
