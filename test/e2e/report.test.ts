/**
 * `/promote report`, end to end through signed requests into a real bot process and the fake Slack (issue 12): a
 * promotion with a tick, a field, an item marked not applicable, a probe run, an approval and a GO, reported as two
 * files uploaded into its checklist's thread (files.getUploadURLExternal, the upload URL, files.completeUploadExternal);
 * the Markdown in time order with who, when and the values, the JSON the same facts; an upload Slack refuses answered
 * privately with the Markdown itself; a release that has no promotion here answered plainly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, approvalBlockId, INPUT, VIEW } from '../../src/ids.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { FAMILIES } from '../../src/probes/registry.js';
import type { ProbeFamily } from '../../src/probes/types.js';
import { listApprovals } from '../../src/store/approvals.js';
import { auditHead } from '../../src/store/audit.js';
import { findActive } from '../../src/store/promotions.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, findCheckbox, promotionMessages, startHarness, type Harness } from '../support/harness.js';

const SHA = 'abc1234';
/** What a person typed: Markdown table and list syntax, HTML and a mention must stay text in the report. */
const REASON = 'staging | has no UI *yet* <b>html</b> <@U0ALL>';

const http: ProbeFamily<'http'> = {
  type: 'http',
  async run(spec) {
    return {
      status: 'pass',
      summary: 'GET /ci answered 200 in 12 ms',
      evidence: { lines: [`GET ${spec.url}`, 'status 200 (expected 200)'], metrics: [{ name: 'latency ms', value: 12, threshold: '< 300' }] },
    };
  },
  placeholders: () => [],
  secrets: () => [],
};

describe('/promote report, end to end', () => {
  let database: TestDatabase;
  let h: Harness;
  let pid: string;
  let now = new Date('2026-11-22T10:00:00Z');
  let ts = 1795300000;
  const actionTs = () => `${ts++}.000001`;
  const at = (minute: number) => (now = new Date(Date.UTC(2026, 10, 22, 10, minute)));

  const overview = () => promotionMessages(h.fake)[0]!.overview;
  const thread = () => promotionMessages(h.fake)[0]!.thread;
  const fileShares = (): FakeMessage[] => h.fake.messages(CHANNEL).filter((m) => m.files !== undefined);

  async function answer(text: string, user = 'U0ALICE'): Promise<{ text: string; blocks: string }> {
    const before = h.fake.responses().length;
    const res = await h.command(text, { user });
    expect(res.status).toBe(200);
    await h.settle();
    const replies = h.fake.responses().slice(before).map((r) => r.body as { text?: string; blocks?: Array<{ text?: { text: string } }> });
    return {
      text: replies.map((r) => r.text ?? '').join('\n'),
      blocks: replies.flatMap((r) => r.blocks ?? []).map((b) => b.text?.text ?? '').join('\n'),
    };
  }

  function overviewElement(blockId: string, actionId: string): { message: FakeMessage; action: Record<string, unknown> } {
    const message = overview();
    const block = message.blocks.find((b: any) => b.block_id === blockId);
    const el = block?.elements?.find((e: any) => e.action_id === actionId);
    if (!el) throw new Error(`the overview shows no ${actionId} in ${blockId}`);
    return { message, action: { ...el, block_id: blockId, action_ts: actionTs() } };
  }

  beforeAll(async () => {
    database = await postgresDatabase();
    h = await startHarness({ database, templatesDir: 'test/fixtures/report', clock: () => now, probeFamilies: { ...FAMILIES, http } });
    at(0);
    await h.command('start v1.50 report', { user: 'U0ALICE' });
    await h.settle();
    pid = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;

    // 10:01 Dan ticks the backup.
    at(1);
    const box = findCheckbox(h.fake, 'backup');
    await h.toggle('U0DAN', box.message, box.blockId, ['backup']);
    await h.settle();

    // 10:02 Dan fills in the deployed SHA through its modal.
    at(2);
    const shaMessage = thread().find((m) => m.blocks.some((b: any) => String(b.block_id).startsWith(`field|${pid}|deployed-sha|`)))!;
    const shaBlock = shaMessage.blocks.find((b: any) => String(b.block_id).startsWith(`field|${pid}|deployed-sha|`));
    await h.click('U0DAN', shaMessage, { ...shaBlock.accessory, block_id: shaBlock.block_id, action_ts: actionTs() });
    await h.settle();
    const fieldModal = h.fake.views().at(-1)!;
    await h.submit('U0DAN', { ...fieldModal.view, id: fieldModal.id, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value: SHA } } } } });
    await h.settle();

    // 10:03 Erin marks the staging smoke test not applicable, with a reason full of markup.
    at(3);
    const smoke = findCheckbox(h.fake, 'staging-smoke');
    const from = smoke.message.blocks.findIndex((b: any) => b.block_id === smoke.blockId);
    const naButton = smoke.message.blocks.slice(from).flatMap((b: any) => (b.type === 'actions' ? b.elements : [])).find((e: any) => e.action_id === ACTION.openNa);
    await h.click('U0ERIN', smoke.message, { type: 'button', action_id: ACTION.openNa, block_id: 'x', value: naButton.value, action_ts: actionTs() });
    await h.settle();
    const naModal = h.fake.views().at(-1)!;
    expect(naModal.view.callback_id).toBe(VIEW.na);
    await h.submit('U0ERIN', {
      ...naModal.view,
      id: naModal.id,
      state: {
        values: {
          [INPUT.naItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: 'staging-smoke' } } },
          [INPUT.naAction]: { [INPUT.value]: { type: 'radio_buttons', selected_option: { value: 'mark' } } },
          [INPUT.naReason]: { [INPUT.value]: { type: 'plain_text_input', value: REASON } },
        },
      },
    });
    await h.settle();

    // 10:04 Frank runs the CI check: it passes and ticks the item.
    at(4);
    const gates = thread().find((m) => m.blocks.some((b: any) => b.accessory?.action_id === ACTION.runProbe))!;
    const probeBlock = gates.blocks.find((b: any) => b.accessory?.action_id === ACTION.runProbe && b.text.text.includes('Staging CI green'));
    await h.click('U0FRANK', gates, { ...probeBlock.accessory, block_id: probeBlock.block_id ?? '', action_ts: actionTs() });
    await h.settle();

    // 10:05 the lead approves; 10:06 the chair decides GO.
    at(5);
    const approve = overviewElement(approvalBlockId(pid, 'lead'), ACTION.approve);
    await h.click('U0LEAD1', approve.message, approve.action);
    await h.settle();
    at(6);
    const go = overviewElement(`decision|${pid}`, ACTION.go);
    await h.click('U0CHAIR', go.message, go.action);
    await h.settle();
    at(10);
  });
  afterAll(async () => {
    await h.close();
    await database.drop();
  });

  it('uploads the Markdown and the JSON into the checklist thread as one message, and says where they are', async () => {
    const reply = await answer('report v1.50', 'U0GRACE');
    expect(reply.blocks).toContain("The record of *v1.50* is in <https://slack.com/archives/");
    expect(reply.blocks).toContain('`2026-11-22-v1.50.md` and `2026-11-22-v1.50.json`');
    const head = (await auditHead(h.bot.db, pid))!;
    expect(reply.blocks).toContain(`Audit chain head: event ${head.seq}, hash \`${head.hash.slice(0, 16)}…\``);
    expect(reply.blocks).toContain(`npm run verify-audit -- ${pid}`);

    // The upload flow as Slack has it: a URL per file, the bytes sent there, one completion sharing both in the thread.
    expect(h.fake.callsTo('files.getUploadURLExternal').map((c) => c.args['filename'])).toEqual(['2026-11-22-v1.50.md', '2026-11-22-v1.50.json']);
    expect(h.fake.callsTo('files.completeUploadExternal')).toHaveLength(1);
    const shares = fileShares();
    expect(shares).toHaveLength(1);
    expect(shares[0]!.thread_ts).toBe(overview().ts);
    expect(shares[0]!.files!.map((f) => f.name)).toEqual(['2026-11-22-v1.50.md', '2026-11-22-v1.50.json']);
    const [md, json] = h.fake.files();
    expect(md).toMatchObject({ completed: true, channel: CHANNEL, thread_ts: overview().ts, title: 'Promotion record of v1.50 (Markdown)' });
    expect(md!.bytes!.length).toBe(md!.length);

    // The Markdown: who did what and when, with the values, in the order it happened.
    const text = h.fake.fileText(md!.id)!;
    expect(text).toContain('# Promotion record: v1.50');
    expect(text).toContain('| Template | Report test checklist (report, version `');
    expect(text).toContain('| Started | 2026-11-22 10:00:00 UTC by U0ALICE |');
    expect(text).toMatch(/\| Outcome \| in progress \(stage: go\); the last decision was GO by U0CHAIR at 2026-11-22 10:06:00 UTC \|/);
    expect(text).toContain('| Backup taken (backup) | done | - | U0DAN | 2026-11-22 10:01:00 | - |');
    expect(text).toContain(`| Deployed commit SHA (deployed-sha) | set | ${SHA} | U0DAN | 2026-11-22 10:02:00 | - |`);
    // The typed reason is data: the table keeps its columns, no HTML, no mention, no emphasis.
    expect(text).toContain('| Staging smoke test (staging-smoke) | not applicable | not applicable: staging \\| has no UI \\*yet\\* &lt;b&gt;html&lt;/b&gt; &lt;@U0ALL&gt; | U0ERIN | 2026-11-22 10:03:00 | - |');
    expect(text).toContain('| Staging CI green (ci) | done | - | U0FRANK | 2026-11-22 10:04:00 | pass at 2026-11-22 10:04:00 UTC');
    expect(text).toContain('GET /ci answered 200 in 12 ms');
    expect(text).toContain('  - GET http://probe.test/ci');
    const approval = (await listApprovals(h.bot.db, pid))[0]!;
    expect(text).toContain(`| 2026-11-22 10:05:00 | Code review (lead) | lead | U0LEAD1 | approved | \`${approval.fingerprint}\` | deployed-sha = ${SHA} | - |`);
    expect(text).toMatch(/\| 1 \| 2026-11-22 10:06:00 \| GO \| U0CHAIR \| - \| lead: U0LEAD1 \(`[0-9a-f]{64}`\) \|/);
    const trail = [
      '| 2026-11-22 10:00:00 | U0ALICE started promotion v1.50 from template report',
      '| 2026-11-22 10:01:00 | U0DAN ticked Backup taken',
      `| 2026-11-22 10:02:00 | U0DAN set Deployed commit SHA to "${SHA}"`,
      '| 2026-11-22 10:03:00 | U0ERIN marked Staging smoke test not applicable: staging \\| has no UI',
      '| 2026-11-22 10:04:00 | U0FRANK check of Staging CI green: pass (GET /ci answered 200 in 12 ms)',
      '| 2026-11-22 10:05:00 | U0LEAD1 approved lead',
      '| 2026-11-22 10:06:00 | U0CHAIR decided GO with approvals lead (U0LEAD1)',
    ];
    const positions = trail.map((line) => text.indexOf(line));
    for (const [i, p] of positions.entries()) expect(p, trail[i]).toBeGreaterThan(0);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(text).toContain(`event ${head.seq}, hash \`${head.hash}\``);
    expect(text).toContain(`intact, ${head.seq} events`);
    expect(text).toContain(`npm run verify-audit -- ${pid}`);
    expect(text).not.toContain('<b>');
    expect(text).not.toContain('<@U0ALL>');

    // The JSON: the same facts, machine-readable.
    const report = JSON.parse(h.fake.fileText(json!.id)!);
    expect(report).toMatchObject({ format: 'preflight.audit-report', version: 1, promotion: { id: pid, release: 'v1.50', requested_by: 'U0ALICE', status: 'active', stage: 'go' } });
    const item = (id: string) => report.items.find((i: { item: string }) => i.item === id);
    expect(item('backup')).toMatchObject({ state: 'done', by: 'U0DAN', at: '2026-11-22T10:01:00.000Z' });
    expect(item('deployed-sha')).toMatchObject({ state: 'done', value: SHA, by: 'U0DAN', at: '2026-11-22T10:02:00.000Z' });
    expect(item('staging-smoke')).toMatchObject({ state: 'na', not_applicable_reason: REASON, by: 'U0ERIN' });
    expect(item('ci')).toMatchObject({ state: 'done', by: 'U0FRANK', evidence: [{ status: 'pass', summary: 'GET /ci answered 200 in 12 ms', by: 'U0FRANK' }] });
    expect(item('smoke')).toMatchObject({ state: 'open', by: null });
    expect(report.probe_runs).toHaveLength(1);
    expect(report.probe_runs[0].evidence.lines).toEqual(['GET http://probe.test/ci', 'status 200 (expected 200)']);
    expect(report.approvals).toEqual([expect.objectContaining({ approval: 'lead', by: 'U0LEAD1', decision: 'approve', fingerprint: approval.fingerprint, bound: { 'deployed-sha': SHA } })]);
    expect(report.decisions).toEqual([expect.objectContaining({ decision: 'go', by: 'U0CHAIR', at: '2026-11-22T10:06:00.000Z' })]);
    expect(report.audit.head).toEqual(head);
    expect(report.audit.events.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: head.seq }, (_, i) => i + 1));
    expect(report.audit.events.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['promotion.started', 'items.toggled', 'field.set', 'item.not_applicable', 'probe.ran', 'approval.given', 'decision.go']),
    );
    expect(report.audit.checked).toEqual({ intact: true, problems: [] });
  });

  it('answers privately with the Markdown when Slack will not take the upload, and uploads nothing', async () => {
    const shared = fileShares().length;
    h.fake.failNext('files.getUploadURLExternal', 'missing_scope');
    const refused = await answer('report v1.50');
    expect(refused.blocks).toContain('I could not upload the record of *v1.50*');
    expect(refused.blocks).toContain('not allowed to upload files. It needs the `files:write` scope');
    expect(refused.blocks).toContain('Slack answered `missing_scope`');
    // The Markdown itself, escaped for Slack: the typed HTML and mention stay text there too.
    expect(refused.blocks).toContain('# Promotion record: v1.50');
    expect(refused.blocks).toContain('| Backup taken (backup) | done | - | U0DAN | 2026-11-22 10:01:00 | - |');
    expect(refused.blocks).toContain('&amp;lt;@U0ALL&amp;gt;');
    expect(refused.blocks).not.toContain('<@U0ALL>');
    expect(fileShares()).toHaveLength(shared);

    // Not a member of the channel: the completion refused, said plainly.
    h.fake.failNext('files.completeUploadExternal', 'not_in_channel');
    const notMember = await answer('report v1.50');
    expect(notMember.blocks).toContain('the app is not a member of this channel');
    expect(notMember.blocks).toContain('# Promotion record: v1.50');
    expect(fileShares()).toHaveLength(shared);
  });

  it('answers plainly when the release has no promotion in this channel', async () => {
    const reply = await answer('report v9.99');
    expect(`${reply.text}\n${reply.blocks}`).toContain('There is no promotion of v9.99 in this channel, active or ended.');
    const usage = await h.command('report');
    expect(usage.json?.text).toContain('Usage: `/promote report &lt;release&gt;`');
  });
});
