/**
 * App Home, pure parts: who is asked for what (src/domain/home.ts) and the view within Slack's limits whatever the
 * lists' lengths (blocks/home.ts); and `/promote start`'s `--env` flag.
 */
import { describe, expect, it } from 'vitest';
import { homeView, HOME_CAPS } from '../../blocks/home.js';
import { promote } from '../../commands/index.js';
import type { ApprovalRecord, RoleMembers } from '../../src/domain/approvals.js';
import { concernedBy, homeOf, type Home, type HomeAssignment, type HomeDecision, type HomePromotion, type HomeSource, type PendingApproval } from '../../src/domain/home.js';
import type { Promotion, PromotionView } from '../../src/domain/promotion.js';
import { templateSchema, type Template } from '../../src/domain/template.js';
import { ACTION, refValue } from '../../src/ids.js';
import { homeProblems } from './block-kit-limits.js';

const template: Template = {
  id: 'prod',
  ...templateSchema.parse({
    name: 'Prod',
    environment: 'production',
    roles: { approver: { label: 'Approver', users: ['U0BOB'], groups: ['S0LEADS'] }, chairman: { label: 'Chairman', users: ['U0DAVE'] } },
    approvals: [
      { role: 'approver', label: 'Release approved', required: 2 },
      { role: 'approver', label: 'Signed off', stage: 'after-deploy' },
    ],
    decider: 'chairman',
    sections: [{ id: 'gates', title: 'Gates', kind: 'gates', items: [{ id: 'ci', label: 'CI green' }] }],
  }),
};

const ID = '00000000-0000-4000-8000-000000000001';

function promotion(over: Partial<Promotion> = {}): Promotion {
  return {
    id: ID, release: 'v1.50', templateId: 'prod', template, channelId: 'C1', teamId: 'T1', status: 'active', stage: 'preparing',
    environment: 'production', requestedBy: 'U0ALICE', createdAt: new Date('2026-01-01T10:00:00Z'), endedAt: null, endedBy: null,
    endReason: null, version: 1, ...over,
  };
}

function record(userId: string, over: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return { id: userId, approvalId: 'approver', role: 'approver', userId, decision: 'approve', fingerprint: '', bound: {}, comment: null, at: new Date(), voidedAt: null, voidReason: null, ...over };
}

const members = new Map<string, RoleMembers>([
  ['approver', { users: new Set(['U0BOB']), groups: new Map([['S0LEADS', new Set(['U0CAROL', 'U0ALICE'])]]) }],
  ['chairman', { users: new Set(['U0DAVE']), groups: new Map() }],
]);

function source(p: Promotion, approvals: ApprovalRecord[] = [], decisions: PromotionView['decisions'] = []): HomeSource {
  const view: PromotionView = { promotion: p, states: new Map(), approvals, decisions, links: { threadTs: '1700000000.000100', sectionTs: new Map() } };
  return { view, members };
}

describe('who Home asks for what', () => {
  it('asks the role members, directly or through a group, never the requester, and only what is open at the stage', () => {
    const s = source(promotion());
    expect(homeOf('U0BOB', [s]).pending.map((p) => p.approvalId)).toEqual(['approver']);
    expect(homeOf('U0CAROL', [s]).pending.map((p) => [p.approvalId, p.approved, p.required])).toEqual([['approver', 0, 2]]);
    expect(homeOf('U0ALICE', [s]).pending).toEqual([]);
    expect(homeOf('U0ERIN', [s]).pending).toEqual([]);
    // After GO the before-GO approval is closed and the after-deploy sign-off opens.
    expect(homeOf('U0BOB', [source(promotion({ stage: 'go' }))]).pending.map((p) => p.approvalId)).toEqual(['approver-after-deploy']);
  });

  it('does not ask again who approved for the current values, but does when their approval was made void', async () => {
    const { fingerprintOf } = await import('../../src/domain/approvals.js');
    const current = fingerprintOf(template, {});
    expect(homeOf('U0BOB', [source(promotion(), [record('U0BOB', { fingerprint: current })])]).pending).toEqual([]);
    const voided = homeOf('U0BOB', [source(promotion(), [record('U0BOB', { fingerprint: current, voidedAt: new Date(), voidReason: 'the SHA changed' })])]);
    expect(voided.pending.map((p) => p.voidReason)).toEqual(['the SHA changed']);
    // Enough approvals: nobody else is asked.
    const full = source(promotion(), [record('U0BOB', { fingerprint: current }), record('U0CAROL', { fingerprint: current })]);
    expect(homeOf('U0X', [full]).pending).toEqual([]);
  });

  it('lists the promotions a person started, decided on or decides, with their decisions, latest first', () => {
    const decided = source(promotion(), [record('U0BOB', { decision: 'reject', comment: 'no' })], [
      { decision: 'no-go', by: 'U0DAVE', at: new Date('2026-01-01T11:00:00Z'), reason: 'not yet', newDate: null },
    ]);
    const completed = source(promotion({ id: '00000000-0000-4000-8000-000000000002', release: 'v1.40', status: 'completed', endedAt: new Date('2026-01-01T12:00:00Z'), endedBy: 'U0DAVE' }));
    expect(homeOf('U0ALICE', [decided]).active.map((a) => a.parts)).toEqual([['started']]);
    expect(homeOf('U0BOB', [decided]).active.map((a) => a.parts)).toEqual([['rejected']]);
    expect(homeOf('U0DAVE', [decided, completed]).active.map((a) => a.release)).toEqual(['v1.50']);
    expect(homeOf('U0DAVE', [decided, completed]).decisions.map((d) => [d.release, d.decision])).toEqual([['v1.40', 'completed'], ['v1.50', 'no-go']]);
    expect(homeOf('U0ERIN', [decided, completed])).toMatchObject({ active: [], decisions: [] });
    expect([...concernedBy(decided)].sort()).toEqual(['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE']);
  });
});

describe('the Home view', () => {
  const link = { promotionId: ID, release: 'v1.50-rc.1+build.2026-01-01-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', templateName: 'T'.repeat(200), channelId: 'C0123456789', overviewTs: '1700000000.000100' };
  const pending: PendingApproval = { ...link, approvalId: 'a'.repeat(40), label: 'L'.repeat(75), roleLabel: 'R'.repeat(75), stage: 'after-deploy', approved: 9, required: 10, voidReason: '<&>'.repeat(200) };
  const active: HomePromotion = { ...link, stage: 'rolling-back', environment: 'e'.repeat(40), parts: ['started', 'approved', 'rejected', 'decider'], startedBy: 'U0ALICE', startedAt: new Date() };
  const decision: HomeDecision = { ...link, decision: 'no-go', by: 'U0DAVE', at: new Date(), reason: '&'.repeat(500), newDate: '2026-02-01' };
  const assigned: HomeAssignment = { ...link, itemId: 'i'.repeat(40), label: '&'.repeat(200), sectionTitle: '<'.repeat(200), sectionTs: '1700000000.000200' };

  it('stays within Slack limits with the longest lists, saying how many more', () => {
    const worst: Home = { userId: 'U1', pending: Array(200).fill(pending), assigned: Array(200).fill(assigned), active: Array(200).fill(active), decisions: Array(200).fill(decision) };
    const view = homeView(worst);
    expect(homeProblems(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain(`…and ${200 - HOME_CAPS.pending} more`);
    expect(text).toContain(`…and ${200 - HOME_CAPS.assigned} more`);
    expect(text).toContain(`…and ${200 - HOME_CAPS.active} more`);
    expect(text).toContain(`…and ${200 - HOME_CAPS.decisions} more`);
  });

  it('puts pending approvals first, each with the checklist panel\'s Approve button', () => {
    const view = homeView({ userId: 'U1', pending: [pending], assigned: [], active: [active], decisions: [decision] });
    expect(homeProblems(view)).toEqual([]);
    expect(view.blocks[1]).toMatchObject({ type: 'section', text: { text: expect.stringContaining('Waiting for your approval') } });
    expect(view.blocks[2]).toMatchObject({ accessory: { type: 'button', action_id: ACTION.approve, value: refValue(ID, 'a'.repeat(40)) } });
    expect(homeView({ userId: 'U1', pending: [], assigned: [], active: [], decisions: [] }).blocks.length).toBe(8);
  });
});

describe('/promote start --env', () => {
  it.each([
    ['start v1.50 --env staging', { release: 'v1.50', environment: 'staging' }],
    ['start v1.50 prod --env staging', { release: 'v1.50', template: 'prod', environment: 'staging' }],
    ['start v1.50 --env=staging prod', { release: 'v1.50', template: 'prod', environment: 'staging' }],
    ['start --env staging v1.50', { release: 'v1.50', environment: 'staging' }],
    ['start v1.50 prod', { release: 'v1.50', template: 'prod' }],
  ])('parses %s', (text, args) => {
    expect(promote.parse(text)).toEqual({ ok: true, command: { sub: 'start', ...args } });
  });

  it.each([
    ['start v1.50 --env', 'Say which environment after `--env`'],
    ['start v1.50 --env Staging!', 'An environment is lower-case letters'],
    ['start v1.50 --region eu', 'The only option is `--env &lt;name&gt;`.'],
    ['start v1.50 --env a --env b', 'Give `--env` once.'],
    ['start --env staging', 'Usage:'],
    ['start v1.50 prod extra --env staging', 'Usage:'],
  ])('refuses %s with a short usage answer', (text, said) => {
    const result = promote.parse(text);
    if (result.ok) throw new Error(`expected a refusal of ${text}`);
    expect(result.message).toContain(said);
    expect(result.message).toContain('Usage: `/promote start &lt;release&gt; [template] [--env &lt;name&gt;]`');
  });
});
