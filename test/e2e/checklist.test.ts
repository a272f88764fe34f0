import { describe, expect, it } from 'vitest';
import { listAudit } from '../../src/store/audit.js';
import { findActive } from '../../src/store/promotions.js';
import { CHANNEL, findCheckbox, promotionMessages, visibleText, type Harness } from '../support/harness.js';
import { harnessForSuite } from '../support/suite.js';

describe('a promotion checklist, driven through signed Slack requests', () => {
  let h: Harness;
  harnessForSuite((harness) => (h = harness));

  it('posts the checklist for /promote start: an overview in the channel and the sections in its thread', async () => {
    const res = await h.command('start v1.50 release-train');
    expect(res.status).toBe(200);
    await h.settle();
    const [promo] = promotionMessages(h.fake);
    expect(promo).toBeDefined();
    expect(visibleText(promo!.overview)).toContain('Promotion v1.50');
    expect(visibleText(promo!.overview)).toContain('Release train');
    expect(promo!.thread.length).toBeGreaterThan(0);
    const threadText = promo!.thread.map(visibleText).join('\n');
    expect(threadText).toContain('Pre-promotion gate');
  });

  it('ticks and unticks an item, showing who did it, and records both in the audit trail', async () => {
    const first = promotionMessages(h.fake)[0]!.thread[0]!;
    const itemId = first.blocks.find((b) => b.type === 'actions' && b.elements[0].type === 'checkboxes')!.elements[0].options[0].value as string;
    const box = findCheckbox(h.fake, itemId);
    expect(box.ticked).toBe(false);
    await h.toggle('U0BOB', box.message, box.blockId, [itemId]);
    await h.settle();
    const after = findCheckbox(h.fake, itemId);
    expect(after.ticked).toBe(true);
    expect(visibleText(after.message)).toContain('<@U0BOB>');

    await h.toggle('U0CAROL', after.message, after.blockId, [itemId]);
    await h.settle();
    expect(findCheckbox(h.fake, itemId).ticked).toBe(false);

    const promotion = await findActive(h.bot.db, CHANNEL, 'v1.50');
    const audit = await listAudit(h.bot.db, promotion!.id);
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['promotion.started', 'U0ALICE'],
      // The template deploys to production: starting it took that environment's lock.
      ['lock.taken', 'U0ALICE'],
      ['items.toggled', 'U0BOB'],
      ['items.toggled', 'U0CAROL'],
    ]);
  });
});
