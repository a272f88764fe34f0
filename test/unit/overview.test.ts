import { describe, expect, it } from 'vitest';
import { renderOverview } from '../../blocks/overview.js';
import type { ItemState, PromotionView } from '../../src/domain/promotion.js';
import { templateSchema, type Template } from '../../src/domain/template.js';
import { messageProblems } from './block-kit-limits.js';

const template: Template = {
  id: 'owned',
  ...templateSchema.parse({
    name: 'Owned',
    warning: 'Staging <first> & only then prod',
    roles: { owner: { label: 'Release owner', users: ['U0OWNER', 'U0DEPUTY'], groups: ['S0ONCALL'] }, qa: { label: 'QA lead' } },
    approvals: [
      { role: 'qa', label: 'QA lead: test plan signed' },
      { role: 'owner', label: 'Release owner: final sign-off', stage: 'after-deploy' },
    ],
    sections: [
      { id: 'gates', title: 'Gates <R&D>', kind: 'gates', owner: 'owner', items: [{ id: 'ci', label: 'CI green' }, { id: 'scan', label: 'Scan' }] },
      { id: 'plan', title: 'Plan', kind: 'change', owner: 'qa', items: [{ id: 'ticket', label: 'Ticket', field: { type: 'ticket' } }] },
      { id: 'deploy', title: 'Deploy', kind: 'deploy', phase: 'after-go', items: [{ id: 'apply', label: 'Apply' }] },
      { id: 'rollback', title: 'Rollback plan', kind: 'rollback', phase: 'on-rollback', items: [{ id: 'revert', label: 'Revert' }] },
    ],
  }),
};

function view(states: ItemState[], extra: Partial<PromotionView> = {}): PromotionView {
  return {
    promotion: {
      id: '00000000-0000-4000-8000-000000000000',
      release: 'v1.50',
      templateId: template.id,
      template,
      channelId: 'C0DEPLOYS',
      teamId: null,
      status: 'active',
      stage: 'preparing',
      environment: null,
      requestedBy: 'U0ALICE',
      createdAt: new Date('2026-01-01T00:00:00Z'),
      endedAt: null,
      endedBy: null,
      endReason: null,
      version: 1,
    },
    states: new Map(states.map((s) => [s.itemId, s])),
    ...extra,
  };
}

const textOf = (v: PromotionView) => renderOverview(v).blocks.map((b) => JSON.stringify(b)).join('\n');
const mrkdwn = (v: PromotionView) =>
  renderOverview(v)
    .blocks.flatMap((b: any) => [b.text?.text, ...(b.fields ?? []).map((f: any) => f.text), ...(b.elements ?? []).map((e: any) => e.text)])
    .filter(Boolean)
    .join('\n');

describe('the overview', () => {
  it('shows the warning escaped, near the top', () => {
    const blocks = renderOverview(view([])).blocks as any[];
    expect(blocks[1].text.text).toBe(':warning: *Staging &lt;first&gt; &amp; only then prod*');
  });

  it('names who is on the next section when its role names people, and links it once its message is posted', () => {
    const links = { threadTs: '1795300000.000100', sectionTs: new Map([['gates', '1795300000.000200']]) };
    const text = mrkdwn(view([], { links }));
    expect(text).toContain(
      '*Next:* <https://slack.com/archives/C0DEPLOYS/p1795300000000200?thread_ts=1795300000.000100&cid=C0DEPLOYS|Gates &lt;R&amp;D&gt;> · 2 open · Release owner: <@U0OWNER> <@U0DEPUTY> <!subteam^S0ONCALL>',
    );
    expect(text).toContain('*Before GO:* 3 open in 2 sections:');
    // A role with nobody named still says whose it is.
    const done = (itemId: string): ItemState => ({ itemId, state: 'done', value: null, note: null, by: 'U0BOB', at: new Date(0), assignee: null });
    expect(mrkdwn(view([done('ci'), done('scan')]))).toContain('*Next:* Plan · 1 open · QA lead');
  });

  it('shows the last activity with labels, escaping what people typed', () => {
    const lastEvent = {
      actor: 'U0DAN',
      at: new Date('2026-01-01T10:00:00Z'),
      event: { action: 'item.not_applicable' as const, data: { item: 'scan', kind: 'check' as const, before: null, reason: 'see <!channel> & <https://x|y>' } },
    };
    const text = mrkdwn(view([], { lastEvent }));
    expect(text).toContain('*Last:* <@U0DAN> marked “Scan” not applicable: see &lt;!channel&gt; &amp; &lt;https://x|y&gt; · <!date^1767261600^');
    expect(text).not.toContain('<!channel>');
  });

  it('shows the approvals of the stage in play: an unconfigured role says how to configure it and has no buttons', () => {
    const text = mrkdwn(view([]));
    expect(text).toContain('*Approvals before GO* · 0 of 1 complete');
    expect(text).toContain(':hourglass_flowing_sand: *QA lead: test plan signed* · 0 of 1 approval');
    expect(text).toContain(':gear: nobody is named for the role “QA lead” yet: add Slack user ids or user group ids under `roles.qa.users` or `roles.qa.groups` in the `owned` template.');
    expect(text).not.toContain('Release owner: final sign-off');
    const buttons = renderOverview(view([])).blocks.filter((b: any) => b.type === 'actions').flatMap((b: any) => b.elements.map((e: any) => e.action_id));
    // No decider named: the person who started it decides.
    expect(text).toContain('*GO / NO-GO* · decided by <@U0ALICE>, who started it');
    expect(buttons).toEqual(['decision.go', 'decision.no-go']);
    // After GO, the sign-offs after the deployment, with their people and buttons, and Complete.
    const after = view([], { decisions: [{ decision: 'go', by: 'U0OWNER', at: new Date('2026-01-02T00:00:00Z'), reason: null, newDate: null }] });
    after.promotion.stage = 'go';
    const afterText = mrkdwn(after);
    expect(afterText).toContain('*Sign-offs after the deployment* · 0 of 1 complete');
    expect(afterText).toContain('_Any of:_ <@U0OWNER>, <@U0DEPUTY>, <!subteam^S0ONCALL>');
    expect(afterText).toContain(':large_green_circle: *GO* by <@U0OWNER>');
    expect(renderOverview(after).blocks.filter((b: any) => b.type === 'actions').flatMap((b: any) => b.elements.map((e: any) => e.action_id))).toEqual([
      'approval.approve',
      'approval.reject',
      'approval.withdraw',
      'promotion.complete',
      'rollback.start',
    ]);
    expect(messageProblems(renderOverview(after))).toEqual([]);
  });

  it('leaves out of the progress and the grid what is not work yet, listing it by phase', () => {
    const text = mrkdwn(view([]));
    expect(text).toContain('0 of 3 items (0%)');
    expect(text).toContain('*After GO (opens with GO):* Deploy');
    expect(text).toContain('*On rollback (plan):* Rollback plan');
    expect(textOf(view([]))).not.toContain('*Deploy*');
    expect(messageProblems(renderOverview(view([])))).toEqual([]);
  });

  it('says nothing about what is next once the promotion has ended', () => {
    const v = view([]);
    Object.assign(v.promotion, { status: 'aborted', endedBy: 'U0ALICE', endedAt: new Date(0), endReason: 'moved' });
    expect(mrkdwn(v)).not.toContain('*Next:*');
  });
});
