import { beforeAll, describe, expect, it } from 'vitest';
import { ACTION, INPUT, VIEW, WHOLE_SECTION } from '../../src/ids.js';
import { phaseOf } from '../../src/domain/template.js';
import { listAudit } from '../../src/store/audit.js';
import { findActive, loadView } from '../../src/store/promotions.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { CHANNEL, checkboxBlocks, findCheckbox, promotionMessages, visibleText, type Harness } from '../support/harness.js';
import { harnessForSuite } from '../support/suite.js';

/**
 * Phases, through the fake Slack: only the sections before GO count and can be worked today; the rest are shown as
 * not yet open, or as a plan (NO-GO, rollback), or as reference. A choice can block GO; a whole section can be marked
 * not applicable with one reason, and restored.
 */
describe('phases: what counts before GO, what waits, what is a plan', () => {
  let h: Harness;
  let promotionId: string;
  let ts = 1795300000;
  const actionTs = () => `${ts++}.000001`;

  const overview = () => promotionMessages(h.fake)[0]!.overview;
  const overviewText = () => visibleText(overview());
  const audit = async () => listAudit(h.bot.db, promotionId);

  /** The thread message that shows a section, found by its header. */
  function sectionMessage(title: string): FakeMessage {
    const m = promotionMessages(h.fake)[0]!.thread.find((msg) => msg.blocks.some((b: any) => b.type === 'header' && b.text.text === title));
    if (!m) throw new Error(`no message for section ${title}`);
    return m;
  }

  /** The blocks of one section within its message: from its header to the next divider. */
  function sectionBlocksOf(title: string): any[] {
    const blocks = sectionMessage(title).blocks;
    const start = blocks.findIndex((b: any) => b.type === 'header' && b.text.text === title);
    const end = blocks.findIndex((b: any, i: number) => i > start && b.type === 'divider');
    return blocks.slice(start, end === -1 ? undefined : end);
  }

  /** Press a section's "Not applicable…" button (or send its value from a stale message); returns the modal. */
  async function openNa(sectionId: string, message: FakeMessage) {
    const opened = h.fake.views().length;
    await h.click('U0DAN', message, { type: 'button', action_id: ACTION.openNa, block_id: 'x', value: `${promotionId}|${sectionId}`, action_ts: actionTs() });
    await h.settle();
    expect(h.fake.views()).toHaveLength(opened + 1);
    return h.fake.views().at(-1)!;
  }

  async function submitNa(sectionId: string, message: FakeMessage, item: string, action: 'mark' | 'restore', reason = '') {
    const modal = await openNa(sectionId, message);
    const res = await h.submit('U0DAN', {
      ...modal.view,
      id: modal.id,
      state: {
        values: {
          [INPUT.naItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: item } } },
          [INPUT.naAction]: { [INPUT.value]: { type: 'radio_buttons', selected_option: { value: action } } },
          [INPUT.naReason]: { [INPUT.value]: { type: 'plain_text_input', value: reason } },
        },
      },
    });
    await h.settle();
    return res;
  }

  async function choose(itemId: string, optionId: string, user = 'U0CAROL') {
    const message = h.fake.messages(CHANNEL).find((m) => m.blocks.some((b: any) => String(b.block_id).startsWith(`choice|${promotionId}|${itemId}|`)))!;
    const block = message.blocks.find((b: any) => String(b.block_id).startsWith(`choice|${promotionId}|${itemId}|`));
    const option = block.accessory.options.find((o: any) => o.value === optionId);
    await h.click(user, message, { type: 'static_select', action_id: ACTION.choose, block_id: block.block_id, selected_option: option, action_ts: actionTs() });
    await h.settle();
  }

  harnessForSuite((harness) => (h = harness));
  beforeAll(async () => {
    await h.command('start v1.50 db-housekeeping');
    await h.settle();
    promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
  });

  it('counts only the items before GO, shows the runbook\'s warning, and says what is next and what is left', async () => {
    const { promotion } = (await loadView(h.bot.db, promotionId))!;
    const beforeGo = promotion.template.sections.filter((s) => phaseOf(s) === 'before-go');
    const items = beforeGo.flatMap((s) => s.items).length;
    const text = overviewText();
    expect(text).toContain(':warning: *DO NOT EXECUTE UNTIL STAGING IS FULLY VALIDATED*');
    // The warning comes before the status and the progress.
    expect(text.indexOf('DO NOT EXECUTE')).toBeLessThan(text.indexOf('*Status:*'));
    expect(text).toContain(`*Progress before GO:* \`░░░░░░░░░░\` 0 of ${items} items (0%)`);
    // Each section named links to its reply in the thread, from the start: the overview, posted before its replies,
    // is rendered once more once they are posted.
    const link = (title: string) => `<https://slack.com/archives/${CHANNEL}/p${sectionMessage(title).ts.replace('.', '')}?thread_ts=${overview().ts}&cid=${CHANNEL}|${title}>`;
    expect(text).toContain(`*Next:* ${link('Pre-promotion verification')} · 2 open`);
    expect(text).toContain(`*Before GO:* ${items} open in ${beforeGo.length} sections: ${link('Pre-promotion verification')} (2), ${link('System readiness')} (10)`);
    expect(text).toContain('*On rollback (plan):* Rollback plan');
    expect(text).toContain('*Reference:* Notes and quick reference');
    // The approvals panel: the sign-off, its count, and how to name its people (the built-in templates name nobody).
    expect(text).toContain(':hourglass_flowing_sand: *GO/NO-GO decision signed: Chairman* · 0 of 1 approval');
    expect(text).toContain('nobody is named for the role');
  });

  it('shows a rollback plan and the NO-GO steps as plain lists, with nothing to tick or mark', () => {
    for (const [title, line] of [
      ['Rollback plan', '*Rollback plan* · the steps to follow if the promotion is rolled back; nothing to tick now'],
      ['If NO-GO', '*If NO-GO* · the steps to follow if the decision is NO-GO; nothing to tick now'],
    ] as const) {
      const blocks = sectionBlocksOf(title);
      const text = JSON.stringify(blocks);
      expect(text).toContain(line);
      expect(text).not.toMatch(/\d+ of \d+ done/);
      expect(blocks.filter((b) => b.type === 'actions' || b.accessory)).toEqual([]);
    }
    expect(JSON.stringify(sectionBlocksOf('Rollback plan'))).toContain('• Immediate 1. Disable ingest service (systemctl stop ehg-ingest)');
    expect(JSON.stringify(sectionBlocksOf('If NO-GO'))).toContain('• 1. Document reason _(to fill in)_');
  });

  it('shows after-GO sections as not open yet: no checkboxes, and a crafted tick is refused naming the phase', async () => {
    const blocks = sectionBlocksOf('GO/NO-GO decision · If GO: execute');
    expect(JSON.stringify(blocks)).toContain('*After GO* · not open yet: these steps can be ticked once the promotion has a GO');
    expect(blocks.filter((b) => b.type === 'actions' && b.elements[0].type === 'checkboxes')).toEqual([]);
    expect(() => findCheckbox(h.fake, 'run-prod-promotion-workflow')).toThrow();

    // A client that still shows (or forges) a checkbox for it reaches the service, which refuses and records nothing.
    const live = sectionMessage('GO/NO-GO decision · If GO: execute');
    const blockId = `chk|${promotionId}|go-execute.0|forged`;
    const forged: FakeMessage = {
      ...live,
      blocks: [
        ...live.blocks,
        { type: 'actions', block_id: blockId, elements: [{ type: 'checkboxes', action_id: ACTION.toggle, options: [{ text: { type: 'mrkdwn', text: 'Run' }, value: 'run-prod-promotion-workflow' }] }] },
      ],
    };
    const before = (await audit()).length;
    await h.toggle('U0ERIN', forged, blockId, ['run-prod-promotion-workflow']);
    await h.settle();
    expect((await audit()).length).toBe(before);
    const reply = h.fake.ephemerals().at(-1)!;
    expect(reply.user).toBe('U0ERIN');
    expect(reply.text).toContain('“Run housekeeping-prod-promotion.yml -f confirm=PROMOTE” belongs to After GO: it can be ticked once the promotion has a GO.');
  });

  it('refuses a value for an after-GO field in the modal, naming the phase', async () => {
    const message = sectionMessage('GO/NO-GO decision · If GO: execute');
    await h.click('U0ERIN', message, { type: 'button', action_id: ACTION.openField, block_id: 'x', value: `${promotionId}|prod-workflow-run-id`, action_ts: actionTs() });
    await h.settle();
    const modal = h.fake.views().at(-1)!;
    expect(modal.view.callback_id).toBe(VIEW.field);
    const res = await h.submit('U0ERIN', { ...modal.view, id: modal.id, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value: '12345' } } } } });
    expect(res.json).toMatchObject({
      response_action: 'errors',
      errors: { [INPUT.fieldValue]: '“Monitor: workflow run ID” belongs to After GO: it can be filled in once the promotion has a GO.' },
    });
    expect((await loadView(h.bot.db, promotionId))!.states.get('prod-workflow-run-id')!.state).toBe('open');
  });

  it('keeps a reference section\'s notes field open, outside the progress', async () => {
    const blocks = sectionBlocksOf('Notes and quick reference');
    expect(JSON.stringify(blocks)).toContain('*Reference* · nothing here counts toward progress; its notes can be filled in at any time');
    const field = blocks.find((b) => String(b.block_id).startsWith(`field|${promotionId}|promotion-notes|`));
    expect(field.accessory.text.text).toBe('Set');
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('lets an after-GO item be marked not applicable ahead, without changing the progress before GO', async () => {
    const progress = overviewText().match(/\*Progress before GO:\* `[^`]*` (\d+ of \d+ items)/)![1];
    const res = await submitNa('post-promotion', sectionMessage('Post-promotion verification'), 'audit-pr-created', 'mark', 'no audit PR for this change');
    expect(res.body).toBe('');
    expect(JSON.stringify(sectionBlocksOf('Post-promotion verification'))).toContain('not applicable: no audit PR for this change');
    expect(overviewText()).toContain(`*Progress before GO:* \`░░░░░░░░░░\` ${progress}`);
  });

  it('refuses to mark a plan section not applicable', async () => {
    const res = await submitNa('rollback', sectionMessage('Rollback plan'), WHOLE_SECTION, 'mark', 'no rollback needed');
    expect(res.json).toMatchObject({ response_action: 'errors', errors: { [INPUT.naItem]: expect.stringContaining('“Rollback plan” is a plan for On rollback') } });
  });

  it('counts a choice that blocks GO as not settled, and names it on the overview until it changes', async () => {
    await choose('restore-tested', 'no');
    expect(JSON.stringify(sectionBlocksOf('Safety checks'))).toContain(':no_entry: 1 blocks GO');
    expect(JSON.stringify(sectionBlocksOf('Safety checks'))).toContain('NO · *blocks GO*');
    expect(overviewText()).toContain(':no_entry: *Blocks GO:* Restore tested: NO (<https://slack.com/archives/');
    expect(overviewText()).toMatch(/\*Progress before GO:\* `[^`]*` 0 of \d+ items/);
    expect(overviewText()).toContain('*Last:* <@U0CAROL> chose "NO" for “Restore tested”');

    await choose('restore-tested', 'yes');
    expect(overviewText()).not.toContain('Blocks GO');
    expect(overviewText()).toMatch(/\*Progress before GO:\* `[^`]*` 1 of \d+ items/);
    expect(overviewText()).toContain('*Last:* <@U0CAROL> chose "YES" for “Restore tested” (was "NO")');
  });

  it('links each section it names to its message in the thread', () => {
    const safety = sectionMessage('Safety checks');
    expect(overviewText()).toContain(`<https://slack.com/archives/${CHANNEL}/p${safety.ts.replace('.', '')}?thread_ts=${overview().ts}&cid=${CHANNEL}|Safety checks> (11)`);
  });

  it('marks a whole section not applicable with one reason and one audit event, leaving what was done, and restores it', async () => {
    const box = findCheckbox(h.fake, 'pitr-configured');
    await h.toggle('U0BOB', box.message, box.blockId, ['pitr-configured']);
    await h.settle();

    const noReason = await submitNa('snapshot-pitr', sectionMessage('Snapshot / PITR'), WHOLE_SECTION, 'mark');
    expect(noReason.json).toMatchObject({ response_action: 'errors', errors: { [INPUT.naReason]: 'Say why it does not apply.' } });

    await submitNa('snapshot-pitr', sectionMessage('Snapshot / PITR'), WHOLE_SECTION, 'mark', 'PITR is managed by the cloud provider');
    const states = (await loadView(h.bot.db, promotionId))!.states;
    expect(states.get('pitr-configured')).toMatchObject({ state: 'done', by: 'U0BOB' });
    expect(states.get('wal-position')).toMatchObject({ state: 'na', note: 'PITR is managed by the cloud provider', by: 'U0DAN' });
    expect(states.get('recovery-point-timestamp')).toMatchObject({ state: 'na' });
    const last = (await audit()).at(-1)!;
    expect(last.action).toBe('section.not_applicable');
    expect(last.data).toEqual({
      section: 'snapshot-pitr',
      reason: 'PITR is managed by the cloud provider',
      items: [
        { item: 'wal-position', kind: 'field', before: { state: 'open', value: null, note: null } },
        { item: 'recovery-point-timestamp', kind: 'field', before: { state: 'open', value: null, note: null } },
      ],
    });
    expect(JSON.stringify(sectionBlocksOf('Snapshot / PITR'))).toContain('1 of 3 done · 2 not applicable :white_check_mark:');
    expect(overviewText()).toContain('*Last:* <@U0DAN> marked section “Snapshot / PITR” not applicable (2 items: “Current WAL position');

    const nothing = await submitNa('snapshot-pitr', sectionMessage('Snapshot / PITR'), WHOLE_SECTION, 'mark', 'again');
    expect(nothing.json).toMatchObject({ errors: { [INPUT.naItem]: expect.stringContaining('already done or not applicable: there is nothing to mark') } });

    await submitNa('snapshot-pitr', sectionMessage('Snapshot / PITR'), WHOLE_SECTION, 'restore');
    const after = (await loadView(h.bot.db, promotionId))!.states;
    expect(after.get('wal-position')!.state).toBe('open');
    expect(after.get('pitr-configured')!.state).toBe('done');
    expect((await audit()).at(-1)).toMatchObject({ action: 'section.applicable', data: { section: 'snapshot-pitr', items: [{ item: 'wal-position' }, { item: 'recovery-point-timestamp' }] } });

    const again = await submitNa('snapshot-pitr', sectionMessage('Snapshot / PITR'), WHOLE_SECTION, 'restore');
    expect(again.json).toMatchObject({ errors: { [INPUT.naItem]: expect.stringContaining('nothing to restore') } });
  });

  it('says when everything before GO is settled, and what that means today', async () => {
    await choose('restore-tested', 'no');
    const { promotion } = (await loadView(h.bot.db, promotionId))!;
    for (const section of promotion.template.sections.filter((s) => phaseOf(s) === 'before-go')) {
      const res = await submitNa(section.id, sectionMessage(section.title), WHOLE_SECTION, 'mark', 'dry run of the checklist');
      expect(res.body, section.id).toBe('');
    }
    // The blocking choice was not settled, so the whole section took it too.
    expect((await loadView(h.bot.db, promotionId))!.states.get('restore-tested')).toMatchObject({ state: 'na' });
    const text = overviewText();
    expect(text).toMatch(/\*Progress before GO:\* `▓▓▓▓▓▓▓▓▓▓` (\d+) of \1 items \(100%\)/);
    expect(text).toContain(
      ":white_check_mark: *Everything before GO is settled.* The decision is the decider's, below, once the approvals are in.",
    );
    expect(text).not.toContain('*Next:*');
    // The after-GO sections still wait, unticked.
    expect(checkboxBlocks(sectionMessage('Post-promotion verification'))).toEqual([]);
  });
});
