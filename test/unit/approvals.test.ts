import { describe, expect, it } from 'vitest';
import {
  approvalStatuses,
  approvalsOf,
  approvalsVoidedBy,
  boundValues,
  fingerprintOf,
  mayDecideApproval,
  type ApprovalRecord,
  type RoleMembers,
} from '../../src/domain/approvals.js';
import { goGate, completeGate } from '../../src/domain/gate.js';
import type { ItemState, Promotion, PromotionStage, PromotionView } from '../../src/domain/promotion.js';
import { templateSchema, type Template } from '../../src/domain/template.js';

function template(extra: Record<string, unknown> = {}): Template {
  return {
    id: 'gated',
    ...templateSchema.parse({
      name: 'Gated',
      roles: {
        dba: { label: 'Database admin', users: ['U0DBA1', 'U0DBA2'] },
        sec: { label: 'Security', groups: ['S0SEC'] },
        chair: { label: 'Chairman', users: ['U0CHAIR'] },
        ops: { label: 'Operations' },
      },
      approvals: [
        { role: 'dba', label: 'DBA sign-off', required: 2, binds: ['sha'] },
        { role: 'sec', label: 'Security review' },
        { role: 'ops', label: 'Operational sign-off', stage: 'after-deploy' },
      ],
      decider: 'chair',
      sections: [
        {
          id: 'gates',
          title: 'Gates',
          kind: 'gates',
          items: [
            { id: 'sha', label: 'Commit SHA', field: { type: 'sha' } },
            { id: 'ci', label: 'CI green' },
            { id: 'restore', label: 'Restore tested', choice: { options: [{ id: 'yes', label: 'Yes' }, { id: 'no', label: 'No', blocks_go: true }] } },
          ],
        },
        { id: 'deploy', title: 'Deploy', kind: 'deploy', phase: 'after-go', items: [{ id: 'run', label: 'Run the workflow' }] },
      ],
      ...extra,
    }),
  };
}

function promotion(t: Template, stage: PromotionStage = 'preparing'): Promotion {
  return {
    id: 'p1',
    release: 'v1.50',
    templateId: t.id,
    template: t,
    channelId: 'C1',
    teamId: null,
    status: 'active',
    stage,
    environment: null,
    requestedBy: 'U0LEAD',
    createdAt: new Date(0),
    endedAt: null,
    endedBy: null,
    endReason: null,
    version: 1,
  };
}

const done = (itemId: string, value: string | null = null): ItemState => ({ itemId, state: 'done', value, note: null, by: 'U0X', at: new Date(0), assignee: null });
const members = (users: string[], groups: Record<string, string[]> = {}): RoleMembers => ({
  users: new Set(users),
  groups: new Map(Object.entries(groups).map(([g, m]) => [g, new Set(m)])),
});

let n = 0;
function record(t: Template, states: Map<string, ItemState>, approvalId: string, userId: string, decision: 'approve' | 'reject' = 'approve'): ApprovalRecord {
  const spec = approvalsOf(t).find((a) => a.id === approvalId)!;
  const bound = boundValues(spec, states);
  return { id: `r${n++}`, approvalId, role: spec.role, userId, decision, fingerprint: fingerprintOf(t, bound), bound, comment: null, at: new Date(n * 1000), voidedAt: null, voidReason: null };
}

describe('who may approve', () => {
  const t = template();
  const dba = approvalsOf(t)[0]!;
  const sec = approvalsOf(t)[1]!;
  const ops = approvalsOf(t)[2]!;
  const verdict = (spec: typeof dba, userId: string, m: RoleMembers, records: ApprovalRecord[] = [], stage: PromotionStage = 'preparing', p = promotion(t, stage)) =>
    mayDecideApproval({ promotion: p, spec, userId, members: m, records });

  it('lets a named person approve, and tells anyone else exactly who can', () => {
    expect(verdict(dba, 'U0DBA1', members(['U0DBA1', 'U0DBA2']))).toEqual({ allowed: true });
    expect(verdict(dba, 'U0RANDOM', members(['U0DBA1', 'U0DBA2']))).toEqual({ allowed: false, why: 'Only <@U0DBA1> or <@U0DBA2> can approve “DBA sign-off”. Nothing was recorded.' });
  });

  it('checks group membership as the caller read it', () => {
    expect(verdict(sec, 'U0SEC1', members([], { S0SEC: ['U0SEC1'] }))).toEqual({ allowed: true });
    expect(verdict(sec, 'U0GONE', members([], { S0SEC: ['U0SEC1'] }))).toMatchObject({ allowed: false, why: expect.stringContaining('Only members of <!subteam^S0SEC> can approve') });
  });

  it('refuses the requester, unless the template allows it', () => {
    const m = members(['U0LEAD']);
    expect(verdict(dba, 'U0LEAD', m)).toMatchObject({ allowed: false, why: expect.stringContaining('You started this promotion, so you cannot approve it') });
    const lenient = template({ separation: { requester_may_approve: true } });
    expect(mayDecideApproval({ promotion: promotion(lenient), spec: approvalsOf(lenient)[0]!, userId: 'U0LEAD', members: m, records: [] })).toEqual({ allowed: true });
  });

  it('refuses one person a second role, but not a second approval of the same role', () => {
    const states = new Map<string, ItemState>();
    const asDba = record(t, states, 'dba', 'U0BOTH');
    const m = members(['U0BOTH'], { S0SEC: ['U0BOTH'] });
    expect(verdict(sec, 'U0BOTH', m, [asDba])).toMatchObject({ allowed: false, why: expect.stringContaining('You already approved as “Database admin”: one person cannot fill two roles') });
    expect(verdict(dba, 'U0BOTH', m, [asDba])).toEqual({ allowed: true });
  });

  it('says how to configure a role nobody is named for, and never lets anyone approve it', () => {
    expect(verdict(ops, 'U0ANY', members([]), [], 'go')).toMatchObject({ allowed: false, why: expect.stringContaining('add Slack user ids or user group ids under `roles.ops.users`') });
  });

  it('opens after-deploy sign-offs only after GO, and closes before-GO approvals after it', () => {
    const withOps = template({ roles: { ...template().roles, ops: { label: 'Operations', users: ['U0OPS'] } } });
    const opsSpec = approvalsOf(withOps)[2]!;
    const p = (stage: PromotionStage) => promotion(withOps, stage);
    expect(mayDecideApproval({ promotion: p('preparing'), spec: opsSpec, userId: 'U0OPS', members: members(['U0OPS']), records: [] })).toMatchObject({ allowed: false, why: expect.stringContaining('opens once the promotion has a GO') });
    expect(mayDecideApproval({ promotion: p('go'), spec: opsSpec, userId: 'U0OPS', members: members(['U0OPS']), records: [] })).toEqual({ allowed: true });
    expect(verdict(dba, 'U0DBA1', members(['U0DBA1']), [], 'go')).toMatchObject({ allowed: false, why: expect.stringContaining('was for the GO decision') });
  });
});

describe('where approvals stand, and the GO gate', () => {
  const t = template();
  const settled = () =>
    new Map<string, ItemState>([
      ['sha', done('sha', 'abc1234')],
      ['ci', done('ci')],
      ['restore', done('restore', 'yes')],
    ]);
  const view = (states: Map<string, ItemState>, stage: PromotionStage = 'preparing'): PromotionView => ({ promotion: promotion(t, stage), states });

  it('needs N different people for required: N, and holds when every item and approval is there', () => {
    const states = settled();
    const one = [record(t, states, 'dba', 'U0DBA1'), record(t, states, 'sec', 'U0SEC1')];
    const dba = approvalStatuses(t, states, one, 'before-go')[0]!;
    expect([dba.approvedBy.map((r) => r.userId), dba.missing, dba.satisfied]).toEqual([['U0DBA1'], 1, false]);
    expect(goGate(view(states), one).map((m) => m.kind)).toEqual(['approval']);
    const both = [...one, record(t, states, 'dba', 'U0DBA2')];
    expect(goGate(view(states), both)).toEqual([]);
  });

  it('lists every open item, blocking choice, missing approval and rejection, in template order', () => {
    const states = new Map<string, ItemState>([['restore', done('restore', 'no')]]);
    const rejected = record(t, states, 'sec', 'U0SEC1', 'reject');
    const missing = goGate(view(states), [rejected]);
    expect(missing.map((m) => (m.kind === 'item' || m.kind === 'blocking-choice' || m.kind === 'probe' ? `${m.kind}:${m.item.id}` : m.kind === 'rejected' ? `rejected:${m.rejection.userId}` : `approval:${m.status.spec.id}:${m.status.missing}`))).toEqual([
      'item:sha',
      'item:ci',
      'blocking-choice:restore',
      'approval:dba:2',
      'rejected:U0SEC1',
      'approval:sec:1',
    ]);
  });

  it('stops counting approvals given for a bound value that changed, and names exactly those to void', () => {
    const states = settled();
    const records = [record(t, states, 'dba', 'U0DBA1'), record(t, states, 'dba', 'U0DBA2'), record(t, states, 'sec', 'U0SEC1')];
    expect(goGate(view(states), records)).toEqual([]);
    states.set('sha', done('sha', 'def5678'));
    expect(approvalsVoidedBy(t, records, new Set(['sha'])).map((r) => r.userId)).toEqual(['U0DBA1', 'U0DBA2']);
    const dba = approvalStatuses(t, states, records, 'before-go')[0]!;
    expect([dba.approvedBy.length, dba.voided.map((r) => r.userId), dba.missing]).toEqual([0, ['U0DBA1', 'U0DBA2'], 2]);
    // Approving again for the new value counts.
    const renewed = [...records, record(t, states, 'dba', 'U0DBA1'), record(t, states, 'dba', 'U0DBA2')];
    expect(goGate(view(states), renewed)).toEqual([]);
  });

  it('holds Complete until the after-deploy sign-offs are in', () => {
    const states = settled();
    expect(completeGate(view(states, 'go'), []).map((m) => m.kind === 'approval' && m.status.spec.id)).toEqual(['ops-after-deploy']);
  });
});

describe('why approvals became void', () => {
  it('shows the values literally, so a value cannot mention anyone', async () => {
    const { voidReason } = await import('../../src/domain/approvals.js');
    const t = template();
    expect(voidReason(t, 'sha', 'abc1234', '<!channel> & `x`')).toBe("“Commit SHA” changed from `abc1234` to `&lt;!channel&gt; &amp; 'x'`");
    expect(voidReason(t, 'sha', null, 'def5678')).toBe('“Commit SHA” changed from empty to `def5678`');
  });
});
