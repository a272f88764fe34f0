import { beforeAll, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/ids.js';
import { findActive, loadView } from '../../src/store/promotions.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { CHANNEL, findCheckbox, type Harness } from '../support/harness.js';
import { harnessForSuite } from '../support/suite.js';

/** The log lines, parsed, that carry a given message. */
const linesSaying = (h: Harness, msg: string) => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l['msg']).includes(msg));

describe('what every request carries, and what a modal carries', () => {
  let h: Harness;
  let promotionId: string;

  function fieldButton(itemId: string): { message: FakeMessage; block: any } {
    for (const message of h.fake.messages(CHANNEL)) {
      const block = message.blocks.find((b: any) => typeof b.block_id === 'string' && b.block_id.startsWith('field|') && b.block_id.includes(`|${itemId}|`));
      if (block) return { message, block };
    }
    throw new Error(`no field ${itemId}`);
  }

  async function openField(user: string, itemId: string, message?: FakeMessage) {
    const found = fieldButton(itemId);
    await h.click(user, message ?? found.message, { type: 'button', action_id: ACTION.openField, block_id: found.block.block_id, value: found.block.accessory.value, action_ts: `${Date.now() / 1000}` });
    await h.settle();
  }

  harnessForSuite((harness) => (h = harness));
  beforeAll(async () => {
    await h.command('start v1.50 db-housekeeping');
    await h.settle();
    promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
  });

  it('logs what a service says while serving a click with that request\'s id and the person who clicked', async () => {
    h.fake.failNext('chat.update', 'internal_error');
    const box = findCheckbox(h.fake, 'staging-ci-green');
    await h.toggle('U0DAVE', box.message, box.blockId, ['staging-ci-green']);
    await h.settle();
    const [failed] = linesSaying(h, 'change saved, but the checklist messages could not be updated');
    expect(failed).toMatchObject({ userId: 'U0DAVE', promotionId, requestId: expect.any(String) });
    // The refusal the person is answered with is logged under the same request.
    const refused = linesSaying(h, 'request refused').filter((l) => l['requestId'] === failed!['requestId']);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ userId: 'U0DAVE', code: 'display_behind' });
    await h.bot.preflight.repair();
  });

  it('opens a modal whose metadata names the promotion, the item and the channel, and nothing else', async () => {
    await openField('U0BOB', 'staging-commit-sha');
    const modal = h.fake.views().at(-1)!;
    expect(JSON.parse(modal.view.private_metadata as string)).toEqual({ promotion: promotionId, item: 'staging-commit-sha', channel: CHANNEL });
  });

  it('still saves from a modal opened before an upgrade, whose metadata had short keys and a copy of the field', async () => {
    await openField('U0BOB', 'staging-commit-sha');
    const modal = h.fake.views().at(-1)!;
    const legacy = JSON.stringify({ p: promotionId, i: 'staging-commit-sha', c: CHANNEL, spec: { type: 'sha' } });
    const res = await h.submit('U0BOB', { ...modal.view, id: modal.id, private_metadata: legacy, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value: '1234567' } } } } });
    await h.settle();
    expect(res.body).toBe('');
    expect((await loadView(h.bot.db, promotionId))!.states.get('staging-commit-sha')).toMatchObject({ state: 'done', value: '1234567', by: 'U0BOB' });
  });

  it('closes a modal whose metadata it cannot read, tells the person, and records nothing', async () => {
    await openField('U0BOB', 'staging-commit-sha');
    const modal = h.fake.views().at(-1)!;
    const before = (await loadView(h.bot.db, promotionId))!.states.get('staging-commit-sha');
    const res = await h.submit('U0ERIN', { ...modal.view, id: modal.id, private_metadata: '{"promotion":"not-a-uuid"}', state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value: 'abcdef0' } } } } });
    await h.settle();
    expect(res.body).toBe('');
    expect((await loadView(h.bot.db, promotionId))!.states.get('staging-commit-sha')).toEqual(before);
    const told = await h.fake.waitFor(() => h.fake.messages().find((m) => m.channel.startsWith('D') && (m.text ?? '').includes('could not read')), { what: 'a direct message' });
    expect(told.text).toContain('nothing was changed');
  });

  it('refuses to open a modal from a stray copy of the checklist, pointing at the live one', async () => {
    const { message } = fieldButton('staging-commit-sha');
    const opened = h.fake.callsTo('views.open').length;
    await openField('U0EVE', 'staging-commit-sha', { ...message, ts: '1699999999.000001' });
    expect(h.fake.callsTo('views.open')).toHaveLength(opened);
    expect(h.fake.ephemerals().at(-1)!.text).toContain('This copy of the checklist is out of date');
  });
});
