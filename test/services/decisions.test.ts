import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { templateSchema, type Template } from '../../src/domain/template.js';
import { decideApproval } from '../../src/services/approvals.js';
import { completePromotion, decideGo, decideNoGo } from '../../src/services/decisions.js';
import type { Deps } from '../../src/services/deps.js';
import { ClickIntake } from '../../src/services/intake.js';
import { saveField } from '../../src/services/items.js';
import { abortPromotion, startPromotion } from '../../src/services/promotions.js';
import { listApprovals } from '../../src/store/approvals.js';
import { listAudit } from '../../src/store/audit.js';
import type { Db } from '../../src/store/db.js';
import { listDecisions } from '../../src/store/decisions.js';
import { listLocks } from '../../src/store/locks.js';
import { getPromotion, writeItemState } from '../../src/store/promotions.js';
import { BACKENDS, migrated, type TestDatabase } from '../support/db.js';
import { FakeGitHub } from '../support/fake-github.js';
import { Octokit } from '@octokit/rest';
import { WorkflowDispatcher } from '../../src/github/dispatch.js';
import { enqueueGoDispatch } from '../../src/github/go-dispatch.js';
import type { ChangeScope } from '../../src/services/change.js';

const template: Template = {
  id: 'gated',
  ...templateSchema.parse({
    name: 'Gated',
    environment: 'production',
    roles: {
      dba: { label: 'Database admin', users: ['U0DBA1', 'U0DBA2'] },
      sec: { label: 'Security', groups: ['S0SEC'] },
      chair: { label: 'Chairman', users: ['U0CHAIR'] },
      ops: { label: 'Operations', users: ['U0OPS'] },
    },
    approvals: [
      { role: 'dba', label: 'DBA sign-off', required: 2, binds: ['sha'] },
      { role: 'sec', label: 'Security review' },
      { role: 'ops', label: 'Operational sign-off', stage: 'after-deploy' },
    ],
    decider: 'chair',
    announce: { channels: ['C0STAKE'] },
    sections: [
      { id: 'gates', title: 'Gates', kind: 'gates', items: [{ id: 'sha', label: 'Commit SHA', field: { type: 'sha' } }, { id: 'ci', label: 'CI green' }] },
    ],
  }),
};

const NOW = new Date('2026-11-22T10:00:00Z');
let channelNo = 0;

for (const [name, create] of BACKENDS) {
  describe(`approvals, decisions and environment locks on ${name}`, () => {
    let t: TestDatabase;
    let db: Db;
    beforeAll(async () => {
      t = await create();
      db = await migrated(t);
    });
    afterAll(() => t.drop());

    /** Deps with a fake Slack port: group members as given, the outbox keys sent recorded. */
    function depsFor(teamGroups: Record<string, string[]> = { S0SEC: ['U0SEC1'] }) {
      const sent: string[] = [];
      const base = {
        db,
        clock: () => NOW,
        log: createLogger('silent'),
        templates: new Map([[template.id, template]]),
        slack: {
          refresh: async () => undefined,
          post: async () => 'posted' as const,
          send: async (key: string) => (sent.push(key), 'posted' as const),
          publishHome: async () => undefined,
          groupMembers: async (g: string) => teamGroups[g] ?? [],
          layout: (tpl: Template) => tpl.sections.map((_, i) => [i]),
        },
      };
      const deps: Deps = { ...base, clicks: new ClickIntake(base) };
      return { deps, sent };
    }

    async function started(deps: Deps, teamId = `T${channelNo}`) {
      const channelId = `C0TEST${channelNo++}`;
      const p = await startPromotion(deps, { release: 'v1.50', templateId: template.id, channelId, teamId, userId: 'U0LEAD' });
      return p;
    }

    let click = 0;
    const approve = (deps: Deps, promotionId: string, approvalId: string, userId: string) =>
      decideApproval(deps, { promotionId, approvalId, userId, receiptKey: `approve:${userId}:${click++}`, decision: 'approve' });

    async function ready(deps: Deps, promotionId: string) {
      await saveField(deps, { promotionId, itemId: 'sha', userId: 'U0LEAD', raw: 'abc1234' });
      await db.tx((q) => writeItemState(q, promotionId, { itemId: 'ci', state: 'done', value: null, note: null, by: 'U0LEAD', at: NOW }));
    }

    it('counts two approvers clicking at once, refuses the outsider, the requester and a non-member of the group, recording only the attempt', async () => {
      const { deps } = depsFor();
      const p = await started(deps);
      await ready(deps, p.id);
      await Promise.all([approve(deps, p.id, 'dba', 'U0DBA1'), approve(deps, p.id, 'dba', 'U0DBA2')]);
      await expect(approve(deps, p.id, 'dba', 'U0OUT')).rejects.toThrow('Only <@U0DBA1> or <@U0DBA2> can approve “DBA sign-off”. Nothing was recorded.');
      await expect(approve(deps, p.id, 'sec', 'U0LEAD')).rejects.toThrow('Only members of <!subteam^S0SEC> can approve');
      await expect(approve(deps, p.id, 'sec', 'U0NOTINGROUP')).rejects.toThrow('Only members of <!subteam^S0SEC>');
      // The same click delivered twice counts once; approving again with another click records nothing new.
      await decideApproval(deps, { promotionId: p.id, approvalId: 'sec', userId: 'U0SEC1', receiptKey: 'same', decision: 'approve' });
      expect(await decideApproval(deps, { promotionId: p.id, approvalId: 'sec', userId: 'U0SEC1', receiptKey: 'same', decision: 'approve' })).toEqual({ changed: false });
      expect(await approve(deps, p.id, 'sec', 'U0SEC1')).toEqual({ changed: false });
      const records = await listApprovals(db, p.id);
      expect(records.map((r) => `${r.approvalId}:${r.userId}`).sort()).toEqual(['dba:U0DBA1', 'dba:U0DBA2', 'sec:U0SEC1']);
      const actions = (await listAudit(db, p.id)).map((e) => e.action);
      expect(actions.filter((a) => a === 'approval.refused')).toHaveLength(3);
    });

    it('voids exactly the approvals bound to a changed SHA, mentions their approvers once, and refuses GO until they approve again', async () => {
      const { deps, sent } = depsFor();
      const p = await started(deps);
      await ready(deps, p.id);
      await approve(deps, p.id, 'dba', 'U0DBA1');
      await approve(deps, p.id, 'dba', 'U0DBA2');
      await approve(deps, p.id, 'sec', 'U0SEC1');
      await saveField(deps, { promotionId: p.id, itemId: 'sha', userId: 'U0LEAD', raw: 'def5678' });
      const records = await listApprovals(db, p.id);
      expect(records.filter((r) => r.voidedAt).map((r) => r.userId).sort()).toEqual(['U0DBA1', 'U0DBA2']);
      expect(records.find((r) => r.approvalId === 'sec')!.voidedAt).toBeNull();
      const voidNotices = (await db.query<{ data: { users: string[] } }>(`SELECT data FROM slack_outbox WHERE promotion_id = $1 AND kind = 'approvals-voided'`, [p.id])).rows;
      expect(voidNotices.map((r) => r.data.users)).toEqual([['U0DBA1', 'U0DBA2']]);
      expect(sent.filter((k) => k.startsWith('approvals-void:'))).toHaveLength(1);
      await expect(decideGo(deps, { promotionId: p.id, userId: 'U0CHAIR', receiptKey: 'go1' })).rejects.toThrow(/GO refused: 1 thing is missing\.\n• “DBA sign-off”: 0 of 2 approvals \(void: <@U0DBA1>, “Commit SHA” changed from `abc1234` to `def5678`/);
      await approve(deps, p.id, 'dba', 'U0DBA1');
      await approve(deps, p.id, 'dba', 'U0DBA2');
      expect(await decideGo(deps, { promotionId: p.id, userId: 'U0CHAIR', receiptKey: 'go2' })).toEqual({ changed: true });
    });

    it('records GO once when pressed twice at once, announces it in the thread and the stakeholder channel once, and only the decider may press it', async () => {
      const { deps, sent } = depsFor();
      const p = await started(deps);
      await ready(deps, p.id);
      await approve(deps, p.id, 'dba', 'U0DBA1');
      await approve(deps, p.id, 'dba', 'U0DBA2');
      await approve(deps, p.id, 'sec', 'U0SEC1');
      await expect(decideGo(deps, { promotionId: p.id, userId: 'U0DBA1', receiptKey: 'go-dba' })).rejects.toThrow('Only <@U0CHAIR> can decide GO or NO-GO');
      const both = await Promise.allSettled([
        decideGo(deps, { promotionId: p.id, userId: 'U0CHAIR', receiptKey: 'go-a' }),
        decideGo(deps, { promotionId: p.id, userId: 'U0CHAIR', receiptKey: 'go-b' }),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.message).toContain('GO was already decided');
      expect((await listDecisions(db, p.id)).map((d) => d.decision)).toEqual(['go']);
      expect((await getPromotion(db, p.id))!.stage).toBe('go');
      const announced = (await db.query<{ channel_id: string }>(`SELECT channel_id FROM slack_outbox WHERE promotion_id = $1 AND kind = 'decision-announcement'`, [p.id])).rows;
      expect(announced.map((r) => r.channel_id).sort()).toEqual(['C0STAKE', p.channelId].sort());
      expect(sent.filter((k) => k.startsWith('decision:'))).toHaveLength(2);
    });

    it('dispatches the workflow once when GO is pressed twice at once on two replicas, with the release and the bound SHA as inputs', async () => {
      const gh = await new FakeGitHub({ token: 'ghp_test', login: 'preflight-bot', workflows: { 'promote.yml': { inputs: ['confirm', 'tag', 'sha'] } } }).start();
      try {
        const withDispatch: Template = { ...template, id: 'gated-dispatch', on_go: { dispatch: { repo: 'acme/platform', workflow: 'promote.yml', ref: 'main', inputs: { confirm: 'PROMOTE', tag: '{release}', sha: '{item:sha}' } } } };
        const one = depsFor();
        const two = depsFor();
        for (const d of [one.deps, two.deps]) (d.templates as Map<string, Template>).set(withDispatch.id, withDispatch);
        const p = await startPromotion(one.deps, { release: 'v1.50', templateId: withDispatch.id, channelId: `C0TEST${channelNo++}`, teamId: `T0GH${channelNo}`, userId: 'U0LEAD' });
        await ready(one.deps, p.id);
        await approve(one.deps, p.id, 'dba', 'U0DBA1');
        await approve(one.deps, p.id, 'dba', 'U0DBA2');
        await approve(one.deps, p.id, 'sec', 'U0SEC1');
        const onGo = (scope: ChangeScope, seq: number) => enqueueGoDispatch(scope.q, scope.promotion, seq, scope.now).then(() => undefined);
        await Promise.allSettled([
          decideGo(one.deps, { promotionId: p.id, userId: 'U0CHAIR', receiptKey: 'go-1' }, onGo),
          decideGo(two.deps, { promotionId: p.id, userId: 'U0CHAIR', receiptKey: 'go-2' }, onGo),
        ]);
        const github = new Octokit({ auth: 'ghp_test', baseUrl: gh.url, log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
        const replicas = [0, 1].map(() => new WorkflowDispatcher({ db, github, log: createLogger('silent'), clock: () => NOW, timing: { claimMs: 2_000, requestTimeoutMs: 2_000 } }));
        await Promise.all(replicas.map((r) => r.sweep()));
        await Promise.all(replicas.map((r) => r.sweep()));
        expect(gh.dispatches.map((d) => d.body['inputs'])).toEqual([{ confirm: 'PROMOTE', tag: 'v1.50', sha: 'abc1234' }]);
      } finally {
        await gh.close();
      }
    });

    it('keeps a NO-GO open for another decision, and completes only after the after-deploy sign-off, releasing the environment', async () => {
      const { deps } = depsFor();
      const p = await started(deps);
      await expect(decideNoGo(deps, { promotionId: p.id, userId: 'U0CHAIR', reason: ' ', newDate: null })).rejects.toThrow('Say why');
      await decideNoGo(deps, { promotionId: p.id, userId: 'U0CHAIR', reason: 'restore not tested', newDate: '2026-11-29' });
      expect((await listDecisions(db, p.id)).map((d) => [d.decision, d.reason, d.newDate])).toEqual([['no-go', 'restore not tested', '2026-11-29']]);
      await ready(deps, p.id);
      await approve(deps, p.id, 'dba', 'U0DBA1');
      await approve(deps, p.id, 'dba', 'U0DBA2');
      await approve(deps, p.id, 'sec', 'U0SEC1');
      await decideGo(deps, { promotionId: p.id, userId: 'U0CHAIR', receiptKey: 'go' });
      await expect(completePromotion(deps, { promotionId: p.id, userId: 'U0LEAD' })).rejects.toThrow('Complete refused: 1 thing is missing.\n• “Operational sign-off”: 0 of 1 approval');
      await approve(deps, p.id, 'ops-after-deploy', 'U0OPS');
      await completePromotion(deps, { promotionId: p.id, userId: 'U0LEAD' });
      expect((await getPromotion(db, p.id))!.status).toBe('completed');
      expect(await listLocks(db, p.teamId)).toEqual([]);
    });

    it('lets one promotion hold an environment: two starts at once give one; the holder is named; an abort releases it', async () => {
      const { deps } = depsFor();
      const teamId = `T0LOCK${channelNo}`;
      const starts = await Promise.allSettled([0, 1].map(() => started(deps, teamId)));
      expect(starts.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
      const winner = (starts.find((s) => s.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof started>>>).value;
      expect((starts.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason.message).toContain('`production` is locked by the promotion of v1.50');
      expect((await listLocks(db, teamId)).map((l) => [l.environment, l.promotionId])).toEqual([['production', winner.id]]);
      await abortPromotion(deps, { channelId: winner.channelId, release: 'v1.50', userId: 'U0LEAD', reason: 'moved' });
      expect(await listLocks(db, teamId)).toEqual([]);
      const next = await started(deps, teamId);
      expect((await listLocks(db, teamId)).map((l) => l.promotionId)).toEqual([next.id]);
      // Another environment is free alongside it.
      const staging = await startPromotion(deps, { release: 'v1.51', templateId: template.id, channelId: next.channelId, teamId, userId: 'U0LEAD', environment: 'staging' });
      expect((await listLocks(db, teamId)).map((l) => l.environment)).toEqual(['production', 'staging']);
      expect(staging.environment).toBe('staging');
    });
  });
}
