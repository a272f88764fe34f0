/**
 * The audit report of a long promotion (src/services/report.ts, src/domain/report.ts) on PostgreSQL and PGlite: 500
 * audit events, every one in the Markdown's trail and the JSON, in order, with the head the promotion records; the
 * answer that carries the Markdown when Slack refuses the upload is cut to one message and says so; and the latest
 * promotion of a release is reported whether active or ended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportReply } from '../../blocks/report.js';
import { templateSchema, type Template } from '../../src/domain/template.js';
import { createLogger } from '../../src/logger.js';
import type { Deps, UploadFile } from '../../src/services/deps.js';
import { ClickIntake } from '../../src/services/intake.js';
import { abortPromotion, startPromotion } from '../../src/services/promotions.js';
import { reportByRelease, reportFiles } from '../../src/services/report.js';
import { appendAudit, auditHead } from '../../src/store/audit.js';
import type { Db } from '../../src/store/db.js';
import { BACKENDS, migrated, type TestDatabase } from '../support/db.js';
import { LIMITS } from '../../blocks/text.js';

const template: Template = {
  id: 'long',
  ...templateSchema.parse({
    name: 'Long',
    sections: [{ id: 'gates', title: 'Gates', kind: 'gates', items: [{ id: 'ci', label: 'CI green' }, { id: 'backup', label: 'Backup | taken *now*' }] }],
  }),
};

const NOW = new Date('2026-11-22T10:00:00Z');
let channelNo = 0;

for (const [name, create] of BACKENDS) {
  describe(`the audit report on ${name}`, () => {
    let t: TestDatabase;
    let db: Db;
    beforeAll(async () => {
      t = await create();
      db = await migrated(t);
    });
    afterAll(() => t.drop());

    function depsFor(upload?: (files: readonly UploadFile[]) => Promise<{ ok: true; fileIds: string[] } | { ok: false; why: 'not-allowed'; detail: string }>) {
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
          ...(upload ? { uploadFiles: (input: { files: readonly UploadFile[] }) => upload(input.files) } : {}),
        },
      };
      const deps: Deps = { ...base, clicks: new ClickIntake(base) };
      return deps;
    }

    it('lists all 500 events of a long promotion in order, in the Markdown and the JSON, with the recorded head', async () => {
      const deps = depsFor();
      const channelId = `C0LONG${channelNo++}`;
      const p = await startPromotion(deps, { release: 'v1.50', templateId: template.id, channelId, teamId: 'T1', userId: 'U0ALICE' });
      await db.tx(async (q) => {
        for (let i = 2; i <= 500; i++) {
          const item = i % 2 === 0 ? 'ci' : 'backup';
          const tick = i % 4 < 2;
          await appendAudit(q, {
            promotionId: p.id,
            actor: i % 3 === 0 ? 'U0BOB' : 'U0CAROL',
            at: new Date(NOW.getTime() + i * 1000),
            action: 'items.toggled',
            data: tick ? { ticked: [item], unticked: [] } : { ticked: [], unticked: [item] },
          });
        }
      });
      const files = (await reportFiles(db, p.id, NOW))!;
      const head = (await auditHead(db, p.id))!;
      expect(head.seq).toBe(500);

      // JSON: every event, seq 1 to 500 in order, each with its hash; the head as recorded; checked intact.
      const json = JSON.parse(files.json);
      expect(json.audit.events.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
      expect(json.audit.head).toEqual(head);
      expect(json.audit.events.at(-1).hash).toBe(head.hash);
      expect(json.audit.checked).toEqual({ intact: true, problems: [] });
      const times = json.audit.events.map((e: { at: string }) => Date.parse(e.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);

      // Markdown: one row per event, in seq order, with who did what in the template's words (escaped).
      const rows = files.markdown.split('\n').filter((l) => /^\| \d+ \| 2026-/.test(l));
      expect(rows).toHaveLength(500);
      expect(rows.map((l) => Number(l.split(' | ')[0]!.slice(2)))).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
      expect(rows[0]).toContain('U0ALICE started promotion v1.50 from template long');
      expect(rows[1]).toContain('U0CAROL unticked CI green');
      expect(rows[2]).toContain('U0BOB unticked Backup \\| taken \\*now\\*');
      expect(rows[3]).toContain('U0CAROL ticked CI green');
      expect(rows[498]).toContain('U0CAROL unticked Backup');
      expect(rows[499]).toContain(`\`${head.hash.slice(0, 16)}\``);
      expect(files.markdown).toContain(`event 500, hash \`${head.hash}\``);
      expect(files.markdown).toContain('intact, 500 events');
      expect(files.base).toBe('2026-11-22-v1.50');
    });

    it('cuts the Markdown to one message when Slack refuses the upload, and says so and where to get all of it', async () => {
      const deps = depsFor(async () => ({ ok: false, why: 'not-allowed', detail: 'missing_scope' }));
      const channelId = `C0LONG${channelNo++}`;
      const p = await startPromotion(deps, { release: 'v2.0', templateId: template.id, channelId, teamId: 'T1', userId: 'U0ALICE' });
      await db.tx(async (q) => {
        for (let i = 2; i <= 300; i++) {
          await appendAudit(q, { promotionId: p.id, actor: 'U0BOB', at: new Date(NOW.getTime() + i * 1000), action: 'items.toggled', data: { ticked: ['ci'], unticked: [] } });
        }
      });
      // Without a posted checklist there is no thread: the answer carries the Markdown.
      const outcome = await reportByRelease(deps, { channelId, release: 'v2.0', userId: 'U0ALICE' });
      expect(outcome).toMatchObject({ uploaded: false, why: 'no-thread' });
      const reply = reportReply(outcome);
      const texts = reply.blocks.map((b) => (b as { text: { text: string } }).text.text);
      expect(reply.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
      for (const text of texts) expect(text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      expect(texts.join('').length).toBeLessThanOrEqual(LIMITS.messageText);
      const all = texts.join('\n');
      expect(all).toContain('# Promotion record: v2.0');
      expect(all).toContain('The Markdown was cut here');
      expect(all).toContain(`npm run report -- ${p.id}`);
      // Whole lines only, and the end of the trail is what was cut.
      expect(all).not.toContain('| 300 |');
    });

    it('reports the latest promotion of a release here, ended or active, and refuses an unknown release', async () => {
      const uploaded: string[] = [];
      const deps = depsFor(async (files) => {
        uploaded.push(...files.map((f) => f.filename));
        return { ok: true, fileIds: files.map((_, i) => `F${i}`) };
      });
      const channelId = `C0LONG${channelNo++}`;
      const first = await startPromotion(deps, { release: 'v3.0', templateId: template.id, channelId, teamId: 'T1', userId: 'U0ALICE' });
      await abortPromotion(deps, { channelId, release: 'v3.0', userId: 'U0ALICE', reason: 'staging red' });
      // Ended: still reported (no thread here, so the Markdown comes back), saying how it ended.
      const ended = await reportByRelease(deps, { channelId, release: 'v3.0', userId: 'U0BOB' });
      expect(ended.promotionId).toBe(first.id);
      expect(ended.uploaded ? '' : ended.markdown).toContain('aborted by U0ALICE at 2026-11-22 10:00:00 UTC: staging red');
      const second = await startPromotion(deps, { release: 'v3.0', templateId: template.id, channelId, teamId: 'T1', userId: 'U0ALICE' });
      expect((await reportByRelease(deps, { channelId, release: 'v3.0', userId: 'U0BOB' })).promotionId).toBe(second.id);
      await expect(reportByRelease(deps, { channelId, release: 'v9.99', userId: 'U0BOB' })).rejects.toThrow('There is no promotion of v9.99 in this channel, active or ended.');
      await expect(reportByRelease(deps, { channelId: 'C0ELSEWHERE', release: 'v3.0', userId: 'U0BOB' })).rejects.toThrow('There is no promotion of v3.0 in this channel');
    });
  });
}
