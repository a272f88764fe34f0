import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/ids.js';
import { firstBrokenLink } from '../../src/domain/audit.js';
import { listAudit } from '../../src/store/audit.js';
import { findActive } from '../../src/store/promotions.js';
import { pgliteDirDatabase, postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, findCheckbox, startHarness, visibleText, type Harness } from '../support/harness.js';

const backends: Array<[string, () => Promise<{ db: TestDatabase; cleanup: () => Promise<void> }>]> = [
  ['PostgreSQL', async () => {
    const db = await postgresDatabase();
    return { db, cleanup: () => db.drop() };
  }],
  ['PGlite in a data directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'preflight-data-'));
    const db = await pgliteDirDatabase(dir);
    return { db, cleanup: async () => { await db.drop(); await rm(dir, { recursive: true, force: true }); } };
  }],
];

describe.each(backends)('a restart on %s', (_name, create) => {
  let h: Harness;
  let cleanup: () => Promise<void>;
  afterEach(async () => {
    await h.close();
    await cleanup();
  });

  it('loses nothing: start, tick, untick, fill a field, restart, tick again', async () => {
    const backend = await create();
    cleanup = backend.cleanup;
    h = await startHarness({ database: backend.db });
    await h.command('start v1.50 release-train');
    await h.settle();

    const a = findCheckbox(h.fake, 'branches-merged-ci-green');
    await h.toggle('U0BOB', a.message, a.blockId, ['branches-merged-ci-green']);
    await h.settle();
    const b = findCheckbox(h.fake, 'audit-dependencies');
    await h.toggle('U0BOB', b.message, b.blockId, ['audit-dependencies']);
    await h.settle();
    const b2 = findCheckbox(h.fake, 'audit-dependencies');
    await h.toggle('U0BOB', b2.message, b2.blockId, ['audit-dependencies']);
    await h.settle();

    const field = h.fake.messages(CHANNEL).flatMap((m) => m.blocks.map((blk) => ({ m, blk }))).find(({ blk }) => String(blk.block_id).includes('|qa-signoff-ticket|'))!;
    await h.click('U0CAROL', field.m, { type: 'button', action_id: ACTION.openField, block_id: field.blk.block_id, value: field.blk.accessory.value, action_ts: '1795300000.000003' });
    await h.settle();
    const modal = h.fake.views().at(-1)!;
    await h.submit('U0CAROL', { ...modal.view, id: modal.id, state: { values: { [INPUT.fieldValue]: { [INPUT.value]: { type: 'plain_text_input', value: 'QA-4521' } } } } });
    await h.settle();

    // The bot goes away and comes back on the same database.
    await h.bot.stop();
    await h.addBot();

    const c = findCheckbox(h.fake, 'qa-signoff-jira');
    await h.toggle('U0DAN', c.message, c.blockId, ['qa-signoff-jira']);
    await h.settle();
    expect(findCheckbox(h.fake, 'branches-merged-ci-green').ticked).toBe(true);
    expect(findCheckbox(h.fake, 'audit-dependencies').ticked).toBe(false);
    expect(findCheckbox(h.fake, 'qa-signoff-jira').ticked).toBe(true);
    expect(h.fake.messages(CHANNEL).map(visibleText).join('\n')).toContain('QA-4521 ·');

    const promotion = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!;
    const audit = await listAudit(h.bot.db, promotion.id);
    expect(audit.map((e) => e.action)).toEqual(['promotion.started', 'lock.taken', 'items.toggled', 'items.toggled', 'items.toggled', 'field.set', 'items.toggled']);
    expect(firstBrokenLink(audit)).toBeUndefined();
  });
});
