/**
 * The outbox's rows across migration 006: a row the previous version wrote (text and blocks, rendered when enqueued)
 * is still read, and sent as it is; rows written now hold a kind and its data, and a row holds one or the other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { enqueue, getOutboxRow } from '../../src/store/outbox.js';
import { BACKENDS, type TestDatabase } from '../support/db.js';

const NOW = new Date('2026-01-05T10:00:00Z');

describe.each(BACKENDS)('outbox rows across migration 006 on %s', (_name, create) => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.drop();
    t = undefined;
  });

  it('reads a pending row written before it as the text and blocks it holds, and new rows as a kind and its data', async () => {
    t = await create();
    const db = await t.open();
    const all = await readMigrations();
    await migrate(db, all.filter((m) => m.version <= 5));
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: ':no_entry: aborted' } }];
    await db.query(
      `INSERT INTO slack_outbox (key, channel_id, thread_ts, reply_broadcast, text, blocks, created_at) VALUES ($1, 'C1', '1.2', true, $2, $3::jsonb, $4)`,
      ['abort-notice:old', ':no_entry: aborted', JSON.stringify(blocks), NOW],
    );
    expect(await migrate(db, all.filter((m) => m.version <= 6))).toEqual(['006_outbox_message_kinds']);
    // This version's code reads the latest schema: the row written before 006 is read after every later migration.
    await migrate(db, all);
    expect(await getOutboxRow(db, 'abort-notice:old')).toMatchObject({
      state: 'pending',
      threadTs: '1.2',
      broadcast: true,
      content: { type: 'rendered', text: ':no_entry: aborted', blocks },
    });

    const message = { kind: 'abort-notice', release: 'v1', templateName: 'Web', abortedBy: 'U1', reason: 'red' } as const;
    expect(await enqueue(db, { key: 'abort-notice:new', channelId: 'C1', message }, NOW)).toBe(true);
    expect(await getOutboxRow(db, 'abort-notice:new')).toMatchObject({ state: 'pending', content: { type: 'message', message } });
    const stored = await db.query<{ kind: string; data: unknown; text: string | null }>(`SELECT kind, data, text FROM slack_outbox WHERE key = 'abort-notice:new'`);
    expect(stored.rows[0]).toEqual({ kind: 'abort-notice', data: { release: 'v1', templateName: 'Web', abortedBy: 'U1', reason: 'red' }, text: null });

    // A row holds a kind and its data, or text: never neither, never both.
    await expect(db.query(`INSERT INTO slack_outbox (key, channel_id, created_at) VALUES ('x', 'C1', $1)`, [NOW])).rejects.toThrow(/slack_outbox_content/);
    await expect(
      db.query(`INSERT INTO slack_outbox (key, channel_id, kind, data, text, created_at) VALUES ('y', 'C1', 'abort-notice', '{}'::jsonb, 'both', $1)`, [NOW]),
    ).rejects.toThrow(/slack_outbox_content/);
  });
});
