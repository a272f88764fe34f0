import { beforeAll, describe, expect, it } from 'vitest';
import { ACTION, INPUT, VIEW, WHOLE_SECTION } from '../../src/ids.js';
import { listAudit } from '../../src/store/audit.js';
import { findActive, loadView } from '../../src/store/promotions.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { CHANNEL, findCheckbox, visibleText, type Harness } from '../support/harness.js';
import { harnessForSuite } from '../support/suite.js';

function findBlock(h: Harness, predicate: (b: any) => boolean): { message: FakeMessage; block: any } {
  for (const message of h.fake.messages(CHANNEL)) {
    const block = message.blocks.find(predicate);
    if (block) return { message, block };
  }
  throw new Error('block not found');
}

const fieldBlock = (h: Harness, itemId: string) => findBlock(h, (b) => typeof b.block_id === 'string' && b.block_id.startsWith('field|') && b.block_id.includes(`|${itemId}|`));
const choiceBlock = (h: Harness, itemId: string) => findBlock(h, (b) => typeof b.block_id === 'string' && b.block_id.startsWith('choice|') && b.block_id.includes(`|${itemId}|`));

describe('values, choices and not-applicable items', () => {
  let h: Harness;
  let promotionId: string;
  const auditCount = async () => (await listAudit(h.bot.db, promotionId)).length;

  /** Press a value item's Set/Edit button; returns the modal Slack opened. */
  async function openField(itemId: string) {
    const { message, block } = fieldBlock(h, itemId);
    const opened = h.fake.callsTo('views.open').length;
    await h.click('U0BOB', message, { type: 'button', action_id: ACTION.openField, block_id: block.block_id, value: block.accessory.value, action_ts: `${Date.now() / 1000}` });
    await h.settle();
    expect(h.fake.callsTo('views.open')).toHaveLength(opened + 1);
    return h.fake.views().at(-1)!;
  }

  async function submitField(itemId: string, value: Record<string, unknown>) {
    const modal = await openField(itemId);
    const res = await h.submit('U0BOB', { ...modal.view, id: modal.id, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: value } } } });
    await h.settle();
    return res;
  }

  harnessForSuite((harness) => (h = harness));
  beforeAll(async () => {
    await h.command('start v1.50 db-housekeeping');
    await h.settle();
    promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
  });

  it('keeps a value that is not a SHA out, explaining why in the modal, and records nothing', async () => {
    const before = await auditCount();
    const modal = await openField('staging-commit-sha');
    expect(modal.view.callback_id).toBe(VIEW.field);
    expect(JSON.stringify(modal.view.blocks)).toContain('Commit SHA');
    const res = await h.submit('U0BOB', { ...modal.view, id: modal.id, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value: 'not-a-sha!' } } } } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_action: 'errors', errors: { [INPUT.fieldValue]: expect.stringContaining('commit SHA') } });
    await h.settle();
    expect(await auditCount()).toBe(before);
    expect(visibleText(fieldBlock(h, 'staging-commit-sha').message)).not.toContain('not-a-sha');
  });

  it('saves a valid SHA, normalised, and shows it with who set it', async () => {
    const res = await submitField('staging-commit-sha', { type: 'plain_text_input', value: 'ABCDEF1234567' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const { block } = fieldBlock(h, 'staging-commit-sha');
    expect(block.text.text).toContain('`abcdef1234567`');
    expect(block.text.text).toContain('<@U0BOB>');
    expect(block.accessory.text.text).toBe('Edit');
    // The modal opens again with the value in it, and an empty submission clears it.
    const again = await openField('staging-commit-sha');
    expect(JSON.stringify(again.view.blocks)).toContain('abcdef1234567');
    await submitField('staging-commit-sha', { type: 'plain_text_input', value: '' });
    expect(fieldBlock(h, 'staging-commit-sha').block.text.text).toContain('Not set');
  });

  it('titles the field modal with what it does and the release, and labels an empty input as required', async () => {
    const empty = await openField('staging-run-id');
    expect(empty.view.title.text).toBe('Set value · v1.50');
    const input = empty.view.blocks.find((b: any) => b.block_id === INPUT.fieldValue);
    expect(input.optional).toBe(false);
    expect(input.hint.text).not.toContain('Leave empty');
    // A value that does not match the template's pattern is refused in words, never with the regular expression.
    const res = await h.submit('U0BOB', { ...empty.view, id: empty.id, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value: 'run 12' } } } } });
    expect(res.json).toMatchObject({ response_action: 'errors', errors: { [INPUT.fieldValue]: expect.stringContaining('not in the expected format') } });
    expect(JSON.stringify(res.json)).not.toContain('[0-9]');
    expect(JSON.stringify(empty.view)).not.toContain('[0-9]');
    await submitField('staging-run-id', { type: 'plain_text_input', value: '123456' });
    // With a value set, the input may be emptied to clear it, and the modal says so.
    const set = await openField('staging-run-id');
    expect(set.view.title.text).toBe('Change value · v1.50');
    const again = set.view.blocks.find((b: any) => b.block_id === INPUT.fieldValue);
    expect(again.optional).toBe(true);
    expect(again.hint.text).toContain('Leave empty to clear');
  });

  it('takes a date and time from the picker and a number with its unit', async () => {
    await submitField('window-start', { type: 'datetimepicker', selected_date_time: 1795305600 });
    expect(fieldBlock(h, 'window-start').block.text.text).toContain('<!date^1795305600^');
    const bad = await openField('disk-space-available');
    const res = await h.submit('U0BOB', { ...bad.view, id: bad.id, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value: 'lots' } } } } });
    expect(res.json?.response_action).toBe('errors');
    await submitField('disk-space-available', { type: 'plain_text_input', value: '120' });
    expect(fieldBlock(h, 'disk-space-available').block.text.text).toContain('120 GB');
  });

  it('records a choice and shows it chosen', async () => {
    const { message, block } = choiceBlock(h, 'ingest-behavior');
    const option = block.accessory.options.find((o: any) => o.value === 'enable-10');
    await h.click('U0CAROL', message, { type: 'static_select', action_id: ACTION.choose, block_id: block.block_id, selected_option: option, action_ts: '1795300000.000001' });
    await h.settle();
    const after = choiceBlock(h, 'ingest-behavior').block;
    expect(after.text.text).toContain(option.text.text);
    expect(after.text.text).toContain('<@U0CAROL>');
    expect(after.accessory.initial_option.value).toBe('enable-10');
    const view = await loadView(h.bot.db, promotionId);
    expect(view!.states.get('ingest-behavior')).toMatchObject({ state: 'done', value: 'enable-10', by: 'U0CAROL' });
  });

  it('marks an item not applicable with a reason, and makes it applicable again', async () => {
    const box = findCheckbox(h.fake, 'no-active-db-locks');
    // The section's own "Not applicable…" button is the first one after the item's checkboxes.
    const at = box.message.blocks.findIndex((b: any) => b.block_id === box.blockId);
    const naButton = box.message.blocks
      .slice(at)
      .flatMap((b: any) => (b.type === 'actions' ? b.elements : []))
      .find((e: any) => e.action_id === ACTION.openNa);
    await h.click('U0DAN', box.message, { type: 'button', action_id: ACTION.openNa, block_id: 'x', value: naButton.value, action_ts: '1795300000.000002' });
    await h.settle();
    const modal = h.fake.views().at(-1)!;
    expect(modal.view.callback_id).toBe(VIEW.na);
    const values = (reason: string, action = 'mark') => ({
      [INPUT.naItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: 'no-active-db-locks' } } },
      [INPUT.naAction]: { [INPUT.value]: { type: 'radio_buttons', selected_option: { value: action } } },
      [INPUT.naReason]: { [INPUT.value]: { type: 'plain_text_input', value: reason } },
    });
    const noReason = await h.submit('U0DAN', { ...modal.view, id: modal.id, state: { values: values('') } });
    expect(noReason.json).toMatchObject({ response_action: 'errors', errors: { [INPUT.naReason]: expect.any(String) } });

    await h.submit('U0DAN', { ...modal.view, id: modal.id, state: { values: values('read replica only, no locks possible') } });
    await h.settle();
    expect(() => findCheckbox(h.fake, 'no-active-db-locks')).toThrow();
    const text = h.fake.messages(CHANNEL).map(visibleText).join('\n');
    expect(text).toContain('not applicable: read replica only, no locks possible');
    expect((await loadView(h.bot.db, promotionId))!.states.get('no-active-db-locks')).toMatchObject({ state: 'na', by: 'U0DAN' });

    await h.submit('U0DAN', { ...modal.view, id: modal.id, state: { values: values('', 'restore') } });
    await h.settle();
    expect(findCheckbox(h.fake, 'no-active-db-locks').ticked).toBe(false);
  });

  it('asks for a reason only when marking: switching to restoring rebuilds the modal with only what is not applicable', async () => {
    const box = findCheckbox(h.fake, 'no-long-running-queries');
    const at = box.message.blocks.findIndex((b: any) => b.block_id === box.blockId);
    const naButton = box.message.blocks.slice(at).flatMap((b: any) => (b.type === 'actions' ? b.elements : [])).find((e: any) => e.action_id === ACTION.openNa);
    const openNa = async () => {
      const message = h.fake.messages(CHANNEL).find((m) => m.ts === box.message.ts)!;
      await h.click('U0DAN', message, { type: 'button', action_id: ACTION.openNa, block_id: 'x', value: naButton.value, action_ts: `${Date.now() / 1000}` });
      await h.settle();
      return h.fake.views().at(-1)!;
    };
    const block = (view: any, id: string) => view.blocks.find((b: any) => b.block_id === id);
    const item = { [INPUT.naItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: 'no-long-running-queries' } } } };

    // Nothing in the section is not applicable: no switch, and the reason is required (Slack shows no "(optional)").
    const first = await openNa();
    expect(block(first.view, INPUT.naAction)).toBeUndefined();
    expect(block(first.view, INPUT.naReason).optional).toBeFalsy();
    await h.submit('U0DAN', { ...first.view, id: first.id, state: { values: { ...item, [INPUT.naReason]: { [INPUT.value]: { type: 'plain_text_input', value: 'no long queries on a replica' } } } } });
    await h.settle();

    const second = await openNa();
    expect(block(second.view, INPUT.naAction)).toMatchObject({ dispatch_action: true });
    const updates = h.fake.callsTo('views.update').length;
    await h.clickInView('U0DAN', { ...second.view, id: second.id, hash: second.view.hash, state: { values: item } }, {
      type: 'radio_buttons',
      action_id: INPUT.value,
      block_id: INPUT.naAction,
      selected_option: { value: 'restore' },
      action_ts: `${Date.now() / 1000}`,
    });
    await h.settle();
    expect(h.fake.callsTo('views.update')).toHaveLength(updates + 1);
    const restoring = h.fake.views().find((v) => v.id === second.id)!;
    expect(block(restoring.view, INPUT.naReason)).toBeUndefined();
    const menu = block(restoring.view, INPUT.naItem).element;
    expect(menu.options.map((o: any) => o.value)).toEqual([WHOLE_SECTION, 'no-long-running-queries']);
    expect(menu.initial_option.value).toBe('no-long-running-queries');

    const res = await h.submit('U0DAN', {
      ...restoring.view,
      id: restoring.id,
      state: { values: { ...item, [INPUT.naAction]: { [INPUT.value]: { type: 'radio_buttons', selected_option: { value: 'restore' } } } } },
    });
    await h.settle();
    expect(res.body).toBe('');
    expect((await loadView(h.bot.db, promotionId))!.states.get('no-long-running-queries')).toMatchObject({ state: 'open', by: 'U0DAN' });
  });

  it('refuses changes to an aborted promotion from a stale client, says so privately, and records nothing', async () => {
    const box = findCheckbox(h.fake, 'no-long-running-queries');
    const stale = fieldBlock(h, 'change-ticket-number');
    await h.command('abort v1.50 window moved');
    await h.settle();
    const before = await auditCount();
    await h.toggle('U0ERIN', box.message, box.blockId, ['no-long-running-queries']);
    await h.settle();
    expect(await auditCount()).toBe(before);
    const reply = h.fake.ephemerals().at(-1)!;
    expect(reply.user).toBe('U0ERIN');
    expect(reply.text).toContain('Promotion v1.50 was aborted (window moved), so nothing was changed');

    // A stale "Set" button opens no form either.
    const opened = h.fake.callsTo('views.open').length;
    const { message, block } = stale;
    await h.click('U0ERIN', message, { type: 'button', action_id: ACTION.openField, block_id: block.block_id, value: block.accessory.value, action_ts: '1795300000.000050' });
    await h.settle();
    expect(h.fake.callsTo('views.open')).toHaveLength(opened);
    expect(h.fake.ephemerals().at(-1)!.text).toContain('was aborted (window moved)');
  });
});
