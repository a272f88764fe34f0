import { getTasks } from 'node-cron';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/ids.js';
import { listAudit } from '../../src/store/audit.js';
import { startLocalStack } from '../../src/playground/stack.js';
import { findActive, loadView } from '../../src/store/promotions.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, findCheckbox, promotionMessages, startHarness, type Harness } from '../support/harness.js';

/** Wait until Slack (the fake) has this many calls of a method waiting on it. */
const pendingCalls = (h: Harness, method: string, n: number) => h.fake.waitFor(() => h.fake.pending(method) >= n, { what: `${n} held ${method}` });

describe('recovering when Slack fails part way', () => {
  let database: TestDatabase;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin(bots = 1) {
    database = await postgresDatabase();
    h = await startHarness({ database, bots, templatesDir: 'test/fixtures/checklists' });
  }

  it('a start whose thread posts fail says so, and the rest of the checklist is posted without starting again', async () => {
    await begin();
    h.fake.hold('chat.postMessage');
    await h.command('start v1.50');
    await pendingCalls(h, 'chat.postMessage', 1);
    h.fake.release('chat.postMessage');
    h.fake.hold('chat.postMessage');
    await pendingCalls(h, 'chat.postMessage', 1);
    h.fake.failNext('chat.postMessage', 'internal_error');
    h.fake.release('chat.postMessage');
    await h.settle();

    const reply = h.fake.responses().at(-1)!.body as { text: string };
    expect(reply.text).toContain('Promotion v1.50 started, but part of its checklist could not be posted just now');
    expect(promotionMessages(h.fake)[0]!.thread).toHaveLength(0);
    // Asking again does not start a second one.
    await h.command('start v1.50');
    await h.settle();
    expect(promotionMessages(h.fake)).toHaveLength(1);

    await h.bot.preflight.repair();
    const [promo] = promotionMessages(h.fake);
    expect(promo!.thread.length).toBeGreaterThan(0);
    expect(promo!.thread.every((m) => m.thread_ts === promo!.overview.ts)).toBe(true);
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(false);
  });

  it("a failed update on one replica does not lose another replica's change", async () => {
    await begin(2);
    await h.command('start v1.50');
    await h.settle();
    const [a, b] = [findCheckbox(h.fake, 'gate-0'), findCheckbox(h.fake, 'safe-0')];
    h.fake.hold('chat.update');
    await h.toggle('U0A', a.message, a.blockId, ['gate-0'], h.bots[0]);
    await pendingCalls(h, 'chat.update', 1);
    // Bot 1 finds bot 0 rendering, and leaves its change to it.
    await h.toggle('U0B', b.message, b.blockId, ['safe-0'], h.bots[1]);
    await h.bots[1]!.preflight.idle();
    h.fake.failNext('chat.update', 'internal_error');
    h.fake.release('chat.update');
    await h.settle();

    await h.bot.preflight.repair();
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(true);
    expect(findCheckbox(h.fake, 'safe-0').ticked).toBe(true);
  });

  it('stops updating a message Slack no longer has, says so once, and keeps the rest of the checklist live', async () => {
    // This test counts the overview's updates and runs the repair sweeps it wants itself: the harness starts no
    // scheduler, so no sweep runs beside it.
    await begin();
    await h.command('start v1.50');
    await h.settle();
    const overviewTs = promotionMessages(h.fake)[0]!.overview.ts;
    const box = findCheckbox(h.fake, 'gate-0');
    const before = h.fake.calls.length;
    // Someone deleted the overview: Slack answers message_not_found to its update. A refresh renders the message
    // the click changed first, then the overview: let the first through, and refuse the next.
    h.fake.hold('chat.update');
    const toggled = h.toggle('U0A', box.message, box.blockId, ['gate-0']);
    await h.fake.waitFor(() => h.fake.pending('chat.update') >= 1, { what: 'the section message\'s update' });
    h.fake.release('chat.update');
    h.fake.failNext('chat.update', 'message_not_found');
    await toggled;
    await h.settle();
    const updates = h.fake.calls.slice(before).filter((c) => c.method === 'chat.update');
    expect(updates.map((c) => c.args['ts'])).toEqual([box.message.ts, overviewTs]);
    const reply = await h.fake.waitFor(() => h.fake.ephemerals().find((e) => e.user === 'U0A'), { what: 'the answer to U0A' });
    expect(reply.text).toContain('Saved, but Slack no longer accepts updates to part of this checklist (`message_not_found`');
    expect(reply.text).toContain('/promote status');
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(true);

    const overviewUpdates = () => h.fake.callsTo('chat.update').filter((c) => c.args['ts'] === overviewTs).length;
    const tried = overviewUpdates();
    await h.bot.preflight.repair();
    await h.bot.preflight.repair();
    const next = findCheckbox(h.fake, 'gate-1');
    await h.toggle('U0B', next.message, next.blockId, ['gate-1']);
    await h.settle();
    expect(overviewUpdates()).toBe(tried);
    expect(findCheckbox(h.fake, 'gate-1').ticked).toBe(true);
    expect(h.fake.ephemerals().filter((e) => e.user === 'U0A')).toHaveLength(1);
    expect(h.fake.ephemerals().filter((e) => e.user === 'U0B')).toHaveLength(0);
  });

  it('still tells the person when another refresh joined theirs and its second pass skipped the message Slack refused', async () => {
    await begin();
    await h.command('start v1.50');
    await h.settle();
    const promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    const box = findCheckbox(h.fake, 'gate-0');
    h.fake.hold('chat.update');
    const click = h.toggle('U0A', box.message, box.blockId, ['gate-0']);
    await pendingCalls(h, 'chat.update', 1);
    // A repair sweep (or another click) asks for the same promotion while the first update waits on Slack: it
    // joins the running refresh, which then makes a second pass.
    const joined = h.bot.preflight.publisher.refresh(promotionId).catch((err: unknown) => err);
    h.fake.failNext('chat.update', 'message_not_found');
    h.fake.release('chat.update');
    await click;
    await h.settle();
    expect(await joined).toMatchObject({ data: { error: 'message_not_found' } });
    const reply = await h.fake.waitFor(() => h.fake.ephemerals().find((e) => e.user === 'U0A'), { what: 'the answer to U0A' });
    expect(reply.text).toContain('Saved, but Slack no longer accepts updates to part of this checklist (`message_not_found`');
  });

  it('schedules the repair sweep when started as the bot starts (createPreflight by default), and not in the harness', async () => {
    database = await postgresDatabase();
    const sweeps = () => [...getTasks().values()].filter((t) => t.name === 'repair-stale-messages' && ['idle', 'running'].includes(t.getStatus()));
    h = await startHarness({ database, templatesDir: 'test/fixtures/checklists' });
    expect(sweeps()).toEqual([]);
    await h.close();

    // What src/main.ts starts: createPreflight without a scheduler option.
    h = await startLocalStack({ database, templatesDir: 'test/fixtures/checklists' });
    const [sweep] = sweeps();
    expect(sweeps()).toHaveLength(1);
    expect(sweep!.getPattern()).toBe('*/20 * * * * *');
    await h.command('start v1.50');
    await h.settle();
    // A message behind the database (Slack failed it): the scheduled job, run now rather than waited for, renders it.
    const overviewTs = promotionMessages(h.fake)[0]!.overview.ts;
    await h.bot.db.query('UPDATE promotion_messages SET rendered_version = -1, rendered_hash = NULL WHERE idx = 0');
    const updates = () => h.fake.callsTo('chat.update').filter((c) => c.args['ts'] === overviewTs).length;
    const before = updates();
    await sweep!.execute();
    await h.settle();
    expect(updates()).toBe(before + 1);
    const behind = await h.bot.db.query('SELECT 1 FROM promotion_messages m JOIN promotions p ON p.id = m.promotion_id WHERE m.rendered_version < p.version');
    expect(behind.rowCount).toBe(0);

    // Stopping the bot stops its schedule.
    await h.bot.stop();
    expect(sweeps()).toEqual([]);
  });

  it('refuses clicks on a stray copy of the checklist and points at the live one', async () => {
    await begin();
    await h.command('start v1.50');
    await h.settle();
    const box = findCheckbox(h.fake, 'gate-0');
    const stray = { ...box.message, ts: '1699999999.000001' };
    await h.toggle('U0EVE', stray, box.blockId, ['gate-0']);
    await h.settle();
    const reply = h.fake.ephemerals().at(-1)!;
    expect(reply.text).toContain('This copy of the checklist is out of date and nothing was changed');
    expect(reply.text).toContain('the live checklist');
    const promotion = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!;
    expect((await loadView(h.bot.db, promotion.id))!.states.get('gate-0')!.state).toBe('open');
  });

  it('refuses a click whose checkbox block the client no longer shows, saying why', async () => {
    await begin();
    await h.command('start v1.50');
    await h.settle();
    const before = findCheckbox(h.fake, 'gate-0');
    await h.toggle('U0A', before.message, before.blockId, ['gate-1']);
    await h.settle();
    const after = findCheckbox(h.fake, 'gate-0');
    // An action naming the new block, in a payload whose message is the old one.
    const action = { type: 'checkboxes', action_id: ACTION.toggle, block_id: after.blockId, selected_options: [{ value: 'gate-0' }], action_ts: '1795300000.000100' };
    await h.click('U0B', before.message, action);
    await h.settle();
    expect(h.fake.ephemerals().at(-1)!.text).toContain('The checklist changed while you were looking');
    expect(findCheckbox(h.fake, 'gate-0').ticked).toBe(false);
  });

  it('keeps a modal open with the reason when its change cannot be saved', async () => {
    await begin();
    await h.command('start v1.50');
    await h.settle();
    const box = findCheckbox(h.fake, 'gate-0');
    const naButton = box.message.blocks.flatMap((b: any) => (b.type === 'actions' ? b.elements : [])).find((e: any) => e.action_id === ACTION.openNa);
    await h.click('U0A', box.message, { type: 'button', action_id: ACTION.openNa, block_id: 'x', value: naButton.value, action_ts: '1795300000.000200' });
    await h.settle();
    const modal = h.fake.views().at(-1)!;
    const values = (action: string, reason: string) => ({
      [INPUT.naItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: 'gate-0' } } },
      [INPUT.naAction]: { [INPUT.value]: { type: 'radio_buttons', selected_option: { value: action } } },
      [INPUT.naReason]: { [INPUT.value]: { type: 'plain_text_input', value: reason } },
    });
    const restore = await h.submit('U0A', { ...modal.view, id: modal.id, state: { values: values('restore', '') } });
    expect(restore.json).toMatchObject({ response_action: 'errors', errors: { [INPUT.naItem]: expect.stringContaining('nothing to restore') } });

    await h.command('abort v1.50 moved to Friday');
    await h.settle();
    const late = await h.submit('U0A', { ...modal.view, id: modal.id, state: { values: values('mark', 'no gate here') } });
    expect(late.json).toMatchObject({ response_action: 'errors', errors: { [INPUT.naItem]: expect.stringContaining('was aborted (moved to Friday)') } });
  });

  it('records choosing the option already chosen as no change', async () => {
    database = await postgresDatabase();
    h = await startHarness({ database });
    await h.command('start v1.50 db-housekeeping');
    await h.settle();
    const promotionId = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
    const choose = async (user: string, ts: string) => {
      const message = h.fake.messages(CHANNEL).find((m) => m.blocks.some((b: any) => String(b.block_id).includes('|ingest-behavior|')))!;
      const block = message.blocks.find((b: any) => String(b.block_id).includes('|ingest-behavior|'));
      const option = block.accessory.options.find((o: any) => o.value === 'enable-10');
      await h.click(user, message, { type: 'static_select', action_id: ACTION.choose, block_id: block.block_id, selected_option: option, action_ts: ts });
      await h.settle();
    };
    await choose('U0B', '1795300000.000300');
    const audit = (await listAudit(h.bot.db, promotionId)).length;
    await choose('U0C', '1795300000.000301');
    expect(await listAudit(h.bot.db, promotionId)).toHaveLength(audit);
    expect((await loadView(h.bot.db, promotionId))!.states.get('ingest-behavior')).toMatchObject({ value: 'enable-10', by: 'U0B' });
  });
});
