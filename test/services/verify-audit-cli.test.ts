/**
 * `npm run verify-audit` as a team runs it: the CLI (src/cli/verify-audit.ts) in a child process, reading a real
 * PostgreSQL schema through DATABASE_URL as the bot does. Intact: exit 0 and the head. Each way of tampering with the
 * stored rows (a row's data changed, a row deleted, two rows' seq swapped, the last row deleted): exit 1 naming the
 * event. Bad usage or an unknown release: exit 2.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { templateSchema, type Template } from '../../src/domain/template.js';
import { createLogger } from '../../src/logger.js';
import type { Deps } from '../../src/services/deps.js';
import { ClickIntake } from '../../src/services/intake.js';
import { startPromotion } from '../../src/services/promotions.js';
import { appendAudit, auditHead } from '../../src/store/audit.js';
import type { Db } from '../../src/store/db.js';
import { migrated, postgresDatabase, type TestDatabase } from '../support/db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NOW = new Date('2026-11-24T02:00:00Z');

const template: Template = {
  id: 'cli',
  ...templateSchema.parse({ name: 'CLI', sections: [{ id: 'gates', title: 'Gates', kind: 'gates', items: [{ id: 'ci', label: 'CI green' }] }] }),
};

function verifyAudit(url: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Only what the CLI needs: no Slack token, so it must not ask for one.
    const child = spawn('npx', ['tsx', 'src/cli/verify-audit.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], DATABASE_URL: url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('verify-audit, the CLI, against PostgreSQL', () => {
  let t: TestDatabase;
  let db: Db;
  let url: string;
  let pid: string;
  let release = 0;

  beforeAll(async () => {
    t = await postgresDatabase();
    db = await migrated(t);
    url = t.url!;
  });
  afterAll(() => t.drop());

  beforeEach(async () => {
    const base = {
      db,
      clock: () => NOW,
      log: createLogger('silent'),
      templates: new Map([[template.id, template]]),
      slack: {
        refresh: async () => undefined,
        post: async () => 'posted' as const,
        send: async () => 'posted' as const,
        publishHome: async () => undefined,
        groupMembers: async () => [],
        layout: (tpl: Template) => tpl.sections.map((_, i) => [i]),
      },
    };
    const deps: Deps = { ...base, clicks: new ClickIntake(base) };
    const p = await startPromotion(deps, { release: `v1.${release++}`, templateId: template.id, channelId: 'C0CLI', teamId: 'T1', userId: 'U0ALICE' });
    pid = p.id;
    await db.tx(async (q) => {
      for (let i = 2; i <= 10; i++) {
        const at = new Date(NOW.getTime() + i * 60_000);
        if (i % 2 === 0) await appendAudit(q, { promotionId: pid, actor: 'U0BOB', at, action: 'field.set', data: { item: 'sha', before: null, after: `abc${i}` } });
        else await appendAudit(q, { promotionId: pid, actor: 'U0BOB', at, action: 'items.toggled', data: { ticked: ['ci'], unticked: [] } });
      }
    });
  });

  it('exits 0 and prints the head when the trail is intact, by id and by release', async () => {
    const head = (await auditHead(db, pid))!;
    const byId = await verifyAudit(url, pid);
    expect(byId.stderr).toBe('');
    expect(byId.status).toBe(0);
    expect(byId.stdout).toContain(`ok   v1.${release - 1} (promotion ${pid}`);
    expect(byId.stdout).toContain(`10 events intact; head: event 10, hash ${head.hash}`);
    const byRelease = await verifyAudit(url, '--', `v1.${release - 1}`);
    expect(byRelease.status).toBe(0);
    expect(byRelease.stdout).toContain(pid);
  });

  it("exits 1 naming the event whose data was changed", async () => {
    await db.query(`UPDATE audit_events SET data = '{"item":"sha","before":null,"after":"f00dbad"}' WHERE promotion_id = $1 AND seq = 6`, [pid]);
    const run = await verifyAudit(url, pid);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('FAIL');
    expect(run.stdout).toContain('event 6 (field.set at 2026-11-24 02:06 UTC by U0BOB) was altered: its hash does not match its content');
  });

  it('exits 1 naming a deleted event', async () => {
    await db.query('DELETE FROM audit_events WHERE promotion_id = $1 AND seq = 4', [pid]);
    const run = await verifyAudit(url, pid);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('event 4 is missing');
  });

  it('exits 1 naming two events whose seq was swapped', async () => {
    await db.tx(async (q) => {
      await q.query('UPDATE audit_events SET seq = -1 WHERE promotion_id = $1 AND seq = 5', [pid]);
      await q.query('UPDATE audit_events SET seq = 5 WHERE promotion_id = $1 AND seq = 6', [pid]);
      await q.query('UPDATE audit_events SET seq = 6 WHERE promotion_id = $1 AND seq = -1', [pid]);
    });
    const run = await verifyAudit(url, pid);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('events 5 and 6 are out of order');
  });

  it('exits 1 when the last event was deleted, against the head the promotion records', async () => {
    await db.query('DELETE FROM audit_events WHERE promotion_id = $1 AND seq = 10', [pid]);
    const run = await verifyAudit(url, pid);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('the last event was removed: the promotion records 10, the trail ends at 9');
  });

  it('exits 2 on bad usage and on a release it does not know', async () => {
    expect((await verifyAudit(url)).status).toBe(2);
    expect((await verifyAudit(url, 'v1.0', 'v1.1')).status).toBe(2);
    const unknown = await verifyAudit(url, 'v9.99');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no promotion of release v9.99');
  });
});
