/**
 * Assignees (issue 11), end to end through signed requests into a real bot and the fake Slack: `/promote assign`
 * (assign, reassign, unassign, a wrong item or person answered with what to do), the section's Assign… button and its
 * modal, what the checklist shows, the audit trail, and App Home's "Assigned to you".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messageLink } from '../../src/domain/mrkdwn.js';
import { ACTION, INPUT, VIEW } from '../../src/ids.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { appHomeOpened } from '../../src/playground/slack-client/index.js';
import { publishStaleHomes } from '../../src/services/home.js';
import { listAudit } from '../../src/store/audit.js';
import { staleHomes } from '../../src/store/homes.js';
import { findActive, loadView } from '../../src/store/promotions.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, findCheckbox, promotionMessages, startHarness, type Harness } from '../support/harness.js';

const PEOPLE = ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAN'].map((id) => ({ id, name: id.slice(2).toLowerCase() }));
const USAGE = 'Usage: `/promote assign &lt;release&gt; &lt;item&gt; &lt;@person|nobody&gt;`';

type Block = { type: string; block_id?: string; text?: { text: string }; elements?: Array<Record<string, any>>; accessory?: Record<string, any> };

describe('assigning items', () => {
  let database: TestDatabase;
  let h: Harness;
  let pid: string;
  let ts = 1795300000;
  const actionTs = () => `${ts++}.000001`;

  beforeEach(async () => {
    database = await postgresDatabase();
    h = await startHarness({ database, templatesDir: 'test/fixtures/assign', fake: { users: PEOPLE } });
    await h.command('start v1.50 assign');
    await h.settle();
    pid = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!.id;
  });

  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  /** `/promote <text>` as `user`: what only they saw (the acknowledgement's text, or the private replies after it). */
  async function promote(text: string, user = 'U0ALICE'): Promise<string> {
    const before = h.fake.responses().length;
    const res = await h.command(text, { user });
    expect(res.status).toBe(200);
    const acked = (res.json as { text?: string } | undefined)?.text;
    if (acked) return acked;
    await h.settle();
    return h.fake
      .responses()
      .slice(before)
      .map((r) => (r.body as { text?: string }).text ?? '')
      .join('\n');
  }

  const thread = () => promotionMessages(h.fake)[0]!.thread;
  const threadText = () => JSON.stringify(thread().map((m) => m.blocks));
  /** The description of an item's checkbox as the checklist shows it now. */
  function checkboxDescription(itemId: string): string | undefined {
    for (const b of thread().flatMap((m) => m.blocks as Block[])) {
      for (const e of b.elements ?? []) {
        const option = e.type === 'checkboxes' ? (e.options as Array<{ value: string; description?: { text: string } }>).find((o) => o.value === itemId) : undefined;
        if (option) return option.description?.text;
      }
    }
    throw new Error(`no checkbox for ${itemId}`);
  }
  const assignee = async (itemId: string) => (await loadView(h.bot.db, pid))!.states.get(itemId)?.assignee ?? null;
  const assignedEvents = async () => (await listAudit(h.bot.db, pid)).filter((e) => e.action === 'item.assigned').map((e) => [e.actor, e.data]);

  /** The section message showing `title`, and its Assign… button. */
  function assignButton(title: string): { message: FakeMessage; button: Record<string, any>; blockId: string } {
    for (const message of thread()) {
      const blocks = message.blocks as Block[];
      const start = blocks.findIndex((b) => b.type === 'header' && b.text?.text === title);
      if (start === -1) continue;
      const end = blocks.findIndex((b, i) => i > start && b.type === 'divider');
      for (const b of blocks.slice(start, end === -1 ? undefined : end)) {
        const button = b.elements?.find((e) => e.action_id === ACTION.openAssign);
        if (button) return { message, button, blockId: b.block_id! };
      }
      throw new Error(`section ${title} shows no Assign… button`);
    }
    throw new Error(`no message shows section ${title}`);
  }

  /** Press Assign… under a section as `user`: the modal Slack opened for them. */
  async function openModal(title: string, user = 'U0BOB') {
    const { message, button, blockId } = assignButton(title);
    const opened = h.fake.views().length;
    const res = await h.click(user, message, { ...button, block_id: blockId, action_ts: actionTs() });
    expect(res.status).toBe(200);
    await h.settle();
    expect(h.fake.views()).toHaveLength(opened + 1);
    const modal = h.fake.views().at(-1)!;
    expect(modal.view.callback_id).toBe(VIEW.assign);
    return modal;
  }

  async function submitModal(modal: Awaited<ReturnType<typeof openModal>>, item: string, person: string | null, user = 'U0BOB') {
    const res = await h.submit(user, {
      ...modal.view,
      id: modal.id,
      state: {
        values: {
          [INPUT.assignItem]: { [INPUT.value]: { type: 'static_select', selected_option: { value: item } } },
          [INPUT.assignUser]: { [INPUT.value]: { type: 'users_select', selected_user: person } },
        },
      },
    });
    await h.settle();
    return res;
  }

  it('assigns by command, reassigns and unassigns, shown on the checklist and kept in the audit trail', async () => {
    expect(checkboxDescription('backup')).toBe('snapshot of the primary database');

    // Slack escapes the mention (manifest: should_escape), so the command gets the person's id.
    expect(await promote('assign v1.50 backup <@U0CAROL|carol>')).toBe(
      ':bust_in_silhouette: Assigned “Backup taken” of *v1.50* to <@U0CAROL>. The checklist shows it, and it is on their Preflight Home.',
    );
    expect(await assignee('backup')).toBe('U0CAROL');
    expect(checkboxDescription('backup')).toBe('assigned to <@U0CAROL> · snapshot of the primary database');

    // The same person again: nothing changes, nothing is recorded.
    expect(await promote('assign v1.50 backup <@U0CAROL>')).toContain('is already assigned to <@U0CAROL>: nothing changed');

    expect(await promote('assign v1.50 backup <@U0DAN|dan>', 'U0BOB')).toContain('to <@U0DAN> (it was <@U0CAROL>)');
    expect(checkboxDescription('backup')).toBe('assigned to <@U0DAN> · snapshot of the primary database');

    expect(await promote('assign v1.50 backup nobody')).toBe('Unassigned “Backup taken” of *v1.50* (it was <@U0DAN>): nobody has it now.');
    expect(await assignee('backup')).toBeNull();
    expect(checkboxDescription('backup')).toBe('snapshot of the primary database');

    expect(await assignedEvents()).toEqual([
      ['U0ALICE', { item: 'backup', before: null, after: 'U0CAROL' }],
      ['U0BOB', { item: 'backup', before: 'U0CAROL', after: 'U0DAN' }],
      ['U0ALICE', { item: 'backup', before: 'U0DAN', after: null }],
    ]);
  });

  it('answers a wrong item with the open items and the usage line, and a wrong person with what to do', async () => {
    const wrongItem = await promote('assign v1.50 backups <@U0CAROL|carol>');
    expect(wrongItem).toContain('*v1.50* has no item `backups`. Its open items: `backup`, `restore-drill`, `change-ticket`.');
    expect(wrongItem).toContain(USAGE);

    // A name Slack could not match to a person arrives as plain text: answered in the acknowledgement, with the usage.
    const plain = await promote('assign v1.50 backup @carol');
    expect(plain).toContain('pick them from the suggestions');
    expect(plain).toContain(USAGE);

    // The bot itself, a bot: refused.
    expect(await promote('assign v1.50 backup <@U0PREFLIGHT|preflight>')).toContain('That is a bot or an app');
    // Nobody of this workspace.
    expect(await promote('assign v1.50 backup <@U0NOBODY>')).toContain('I can find no such person in this workspace');
    // A release that is not running here.
    expect(await promote('assign v9.99 backup <@U0CAROL>')).toContain('There is no running promotion *v9.99* in this channel');

    expect(await assignedEvents()).toEqual([]);
    expect(checkboxDescription('backup')).toBe('snapshot of the primary database');
  });

  it('assigns, reassigns and unassigns through the section\'s Assign… modal', async () => {
    const modal = await openModal('Gates');
    const items = (modal.view.blocks as Block[]).find((b) => b.block_id === INPUT.assignItem) as any;
    expect(items.element.options.map((o: any) => o.value)).toEqual(['backup', 'restore-drill', 'change-ticket']);

    expect((await submitModal(modal, 'change-ticket', 'U0CAROL')).status).toBe(200);
    expect(await assignee('change-ticket')).toBe('U0CAROL');
    expect(threadText()).toContain('_Not set_ · assigned to <@U0CAROL>');

    // Reassign: the modal lists who has what now.
    const again = await openModal('Gates');
    expect(JSON.stringify(again.view.blocks)).toContain('Change ticket: <@U0CAROL>');
    await submitModal(again, 'change-ticket', 'U0DAN');
    expect(threadText()).toContain('_Not set_ · assigned to <@U0DAN>');
    expect(threadText()).not.toContain('<@U0CAROL>');

    // Nobody chosen: unassigned.
    await submitModal(await openModal('Gates'), 'change-ticket', null);
    expect(await assignee('change-ticket')).toBeNull();
    expect(threadText()).not.toContain('assigned to');

    // A bot is refused next to the person input, and the modal stays open.
    const refused = await submitModal(await openModal('Gates'), 'backup', 'U0PREFLIGHT');
    expect(refused.json).toMatchObject({ response_action: 'errors', errors: { [INPUT.assignUser]: expect.stringContaining('That is a bot or an app') } });
    expect(await assignee('backup')).toBeNull();

    expect(await assignedEvents()).toEqual([
      ['U0BOB', { item: 'change-ticket', before: null, after: 'U0CAROL' }],
      ['U0BOB', { item: 'change-ticket', before: 'U0CAROL', after: 'U0DAN' }],
      ['U0BOB', { item: 'change-ticket', before: 'U0DAN', after: null }],
    ]);
  });

  it('assigns a step after GO ahead of time, and refuses an item already done', async () => {
    await submitModal(await openModal('Deploy'), 'apply', 'U0DAN');
    expect(threadText()).toContain('Apply the release · assigned to <@U0DAN>');

    const box = findCheckbox(h.fake, 'restore-drill');
    await h.toggle('U0BOB', box.message, box.blockId, ['restore-drill']);
    await h.settle();
    expect(await promote('assign v1.50 restore-drill <@U0CAROL>')).toContain('“Restore drill done” is already done: there is nothing left to assign.');
    expect(await assignee('restore-drill')).toBeNull();
  });

  it('lists the open items assigned to a person on their App Home, linked to the checklist, until they are ticked', async () => {
    type View = { blocks: Block[] };
    const home = (user: string) => h.fake.views().filter((v) => v.method === 'views.publish' && v.user_id === user).at(-1)?.view as View | undefined;
    const homeText = (user: string) => JSON.stringify(home(user)?.blocks ?? []);
    const publishes = (user: string) => h.fake.callsTo('views.publish').filter((c) => !c.rateLimited && c.args.user_id === user).length;
    const open = async (user: string) => {
      expect((await appHomeOpened(h.bot.sender, { userId: user, tab: 'home' })).status).toBe(200);
      await h.settle();
    };

    await open('U0CAROL');
    await open('U0DAN');
    expect(homeText('U0CAROL')).toContain('Nothing is assigned to you.');

    // Assigned: her Home is published again, at once, without her opening it.
    const before = publishes('U0CAROL');
    await promote('assign v1.50 backup <@U0CAROL|carol>');
    expect(publishes('U0CAROL')).toBeGreaterThan(before);
    const gates = thread().find((m) => JSON.stringify(m.blocks).includes('"Gates"'))!;
    const overviewTs = promotionMessages(h.fake)[0]!.overview.ts;
    expect(homeText('U0CAROL')).toContain('*Assigned to you* (1)');
    expect(homeText('U0CAROL')).toContain(`<${messageLink(CHANNEL, gates.ts)}?thread_ts=${overviewTs}&cid=${CHANNEL}|“Backup taken”> · Gates`);
    expect(homeText('U0DAN')).toContain('Nothing is assigned to you.');

    // Reassigned to Dan: his Home lists it now; hers is marked to publish again (nothing links her to it any more).
    await promote('assign v1.50 backup <@U0DAN|dan>');
    expect(homeText('U0DAN')).toContain('“Backup taken”');
    expect((await staleHomes(h.bot.db, 10)).map((s) => s.userId)).toEqual(['U0CAROL']);
    await publishStaleHomes(h.bot.preflight.deps);
    expect(homeText('U0CAROL')).toContain('Nothing is assigned to you.');

    // Ticked: no longer open, so no longer listed (the Home is read afresh when he opens it).
    const box = findCheckbox(h.fake, 'backup');
    await h.toggle('U0DAN', box.message, box.blockId, ['backup']);
    await h.settle();
    await open('U0DAN');
    expect(homeText('U0DAN')).not.toContain('“Backup taken”');
    expect(homeText('U0DAN')).toContain('Nothing is assigned to you.');
  });
});
