import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, parseAuditEvent, type AuditAction, type AuditData, type AuditEvent } from '../../src/domain/audit-events.js';
import { describeEvent, type AuditRenderers } from '../../src/domain/audit-text.js';

/** One event of every kind, as the services write them. Typed so that a new kind needs a sample here too. */
const SAMPLES: { [A in AuditAction]: AuditData<A> } = {
  'promotion.started': { release: 'v1.50', template: 'release-train', channel: 'C0DEPLOYS' },
  'promotion.aborted': { reason: 'staging CI is red' },
  'items.toggled': { ticked: ['ci-green', 'backup'], unticked: ['smoke'] },
  'item.chosen': { item: 'ingest', before: { state: 'done', value: 'off', note: null }, after: 'ten' },
  'field.set': { item: 'commit-sha', before: null, after: 'abc1234' },
  'field.cleared': { item: 'commit-sha', before: 'abc1234', after: null },
  'item.not_applicable': { item: 'smoke', kind: 'check', before: null, reason: 'no UI change' },
  'item.applicable': { item: 'smoke', kind: 'check', before: { state: 'na', value: null, note: 'no UI change' }, reason: null },
  'section.not_applicable': {
    section: 'rollback',
    reason: 'no schema change in this release',
    items: [
      { item: 'restore-rds', kind: 'check', before: { state: 'open', value: null, note: null } },
      { item: 'restore-tested', kind: 'choice', before: { state: 'done', value: 'no', note: null } },
    ],
  },
  'section.applicable': { section: 'rollback', items: [{ item: 'restore-rds', kind: 'check', before: { state: 'na', value: null, note: 'no schema change' } }] },
  'item.assigned': { item: 'smoke', before: 'U0BOB', after: 'U0CAROL' },
  'approval.given': { approval: 'dba', role: 'dba', fingerprint: 'f1', bound: { 'commit-sha': 'abc1234' } },
  'approval.rejected': { approval: 'security', role: 'security', fingerprint: 'f1', bound: {}, reason: 'pen test pending' },
  'approval.withdrawn': { approval: 'security', role: 'security', fingerprint: 'f1', was: 'reject' },
  'approval.voided': { approval: 'dba', users: ['U0DBA1', 'U0DBA2'], item: 'commit-sha', before: 'abc1234', after: 'def5678', fingerprint: 'f1' },
  'approval.refused': { approval: 'dba', role: 'dba', fingerprint: 'f1', why: 'Only <@U0DBA1> can approve “DBA sign-off”.' },
  'decision.go': { approvals: { dba: { fingerprint: 'f2', by: ['U0DBA1', 'U0DBA2'] } } },
  'decision.no_go': { reason: 'restore not tested', new_date: '2026-11-29' },
  'decision.refused': { decision: 'go', missing: ['CI green: to be ticked', 'DBA sign-off: 1 of 2'] },
  'promotion.completed': { approvals: {} },
  'lock.taken': { environment: 'production' },
  'lock.released': { environment: 'production', why: 'completed' },
  'probe.started': { runs: [{ item: 'no-locks', run: '00000000-0000-4000-8000-000000000001' }] },
  'probe.ran': { item: 'ci-green', run: '00000000-0000-4000-8000-000000000001', status: 'pass', summary: 'run 42 on main succeeded', duration_ms: 1200, effect: 'ticked', records: { 'run-id': '42' } },
  'window.scheduled': { start: '2026-11-24T02:00:00.000Z', end: '2026-11-24T06:00:00.000Z', t0: '2026-11-24T02:30:00.000Z', previous: null, reminders: 9 },
  'reminder.sent': { reminder: '00000000-0000-4000-8000-000000000002', kind: 'timeline', offset: 'T-5m', due_at: '2026-11-24T01:55:00.000Z', late: false },
  'reminder.skipped': { reminder: '00000000-0000-4000-8000-000000000002', kind: 'timeline', offset: 'T+1h', due_at: '2026-11-24T03:00:00.000Z', why: 'superseded by T+2h' },
  'reminders.cancelled': { count: 4, why: 'aborted' },
  'checkpoint.answered': { checkpoint: '00000000-0000-4000-8000-000000000003', offset: 'T+2m', answer: 'rollback' },
  'rollback.started': { path: 'immediate', issue: 'error rate 7%', impact: 'checkout slow', eta: null, action: null, channels: ['C0DEPLOYS', 'C0STAKE'] },
  'rollback.acknowledged': {},
  'rollback.update': { number: 2, text: 'restore at 60%' },
  'rollback.completed': { resolution: 'previous version serving' },
  'hold.started': { item: 'ramp-10', until: '2026-11-24T03:00:00.000Z' },
  'statuspage.updated': { op: 'maintenance-schedule', incident: 'p31zjtct2jer', status: 'scheduled' },
  'github.gate_requested': { gate: '7f9c1f5e-1d2b-4c1a-9a56-3d7c2b1e4f00', repo: 'acme/platform', environment: 'production', run_id: 9000000123, sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', ref: 'v1.50', triggered_by: 'octocat', answer: null, superseded: [9000000100] },
  'github.gate_decided': { gates: [{ run_id: 9000000123, state: 'approved' }], why: 'GO' },
  'github.gate_answered': { run_id: 9000000123, environment: 'production', state: 'approved', note: null },
  'github.gate_failed': { run_id: 9000000123, environment: 'production', state: 'approved', status: 422, error: 'No pending deployment protection rule' },
  'statuspage.failed': { op: 'incident-open', status: 401, error: 'Statuspage answered 401: Could not authenticate' },
};

const event = <A extends AuditAction>(action: A): AuditEvent => ({ action, data: SAMPLES[action] }) as AuditEvent;

describe('audit events', () => {
  it('renders every kind as one line of text that says who did what', () => {
    for (const action of AUDIT_ACTIONS) {
      const line = describeEvent('U0ALICE', event(action));
      expect(line, action).toMatch(/^U0ALICE \S/);
      expect(line, action).not.toContain('\n');
    }
  });

  it('says what changed, in words a reader of the record understands', () => {
    expect(describeEvent('U0ALICE', event('items.toggled'))).toBe('U0ALICE ticked ci-green, backup; unticked smoke');
    expect(describeEvent('U0BOB', event('field.cleared'))).toBe('U0BOB cleared commit-sha (was "abc1234")');
    expect(describeEvent('U0BOB', event('item.chosen'))).toBe('U0BOB chose "ten" for ingest (was "off")');
    expect(describeEvent('U0CAROL', event('item.not_applicable'))).toBe('U0CAROL marked smoke not applicable: no UI change');
    expect(describeEvent('U0DAN', event('section.not_applicable'))).toBe(
      'U0DAN marked section rollback not applicable (2 items: restore-rds, restore-tested): no schema change in this release',
    );
    expect(describeEvent('U0DAN', event('section.applicable'))).toBe('U0DAN made section rollback applicable again (1 item: restore-rds)');
    expect(describeEvent('U0DAN', event('item.assigned'))).toBe('U0DAN assigned smoke to U0CAROL (was U0BOB)');
    expect(describeEvent('U0DAN', { action: 'item.assigned', data: { item: 'smoke', before: 'U0BOB', after: null } })).toBe('U0DAN unassigned smoke (was U0BOB)');
    expect(describeEvent('U0DBA1', event('approval.given'))).toBe('U0DBA1 approved dba for commit-sha="abc1234"');
    expect(describeEvent('U0BOT', event('approval.voided'), { itemLabel: () => 'Commit SHA' })).toBe(
      'U0BOT made void 2 approvals of dba (U0DBA1, U0DBA2): Commit SHA changed from "abc1234" to "def5678"',
    );
    expect(describeEvent('U0CHAIR', event('decision.no_go'))).toBe('U0CHAIR decided NO-GO: restore not tested (new date 2026-11-29)');
    expect(describeEvent('U0CHAIR', event('decision.go'))).toBe('U0CHAIR decided GO with approvals dba (U0DBA1, U0DBA2)');
  });

  it('names sections and choice options by the labels it is given', () => {
    const opts = {
      sectionLabel: (id: string) => (id === 'rollback' ? 'Rollback plan' : id),
      optionLabel: (item: string, option: string) => `${item}/${option.toUpperCase()}`,
    };
    expect(describeEvent('U0DAN', event('section.applicable'), opts)).toBe('U0DAN made section Rollback plan applicable again (1 item: restore-rds)');
    expect(describeEvent('U0BOB', event('item.chosen'), opts)).toBe('U0BOB chose "ingest/TEN" for ingest (was "ingest/OFF")');
  });

  it('names items by the labels it is given', () => {
    const labels: Record<string, string> = { 'commit-sha': 'Deployed commit SHA' };
    expect(describeEvent('U0BOB', event('field.set'), { itemLabel: (id) => labels[id] ?? id })).toBe('U0BOB set Deployed commit SHA to "abc1234"');
  });

  it('has a renderer for every kind: a table missing one does not compile', () => {
    const { 'promotion.aborted': _dropped, ...incomplete } = {} as AuditRenderers;
    // @ts-expect-error a renderer table without 'promotion.aborted' is not an AuditRenderers
    const table: AuditRenderers = incomplete;
    expect(table).toBeDefined();
  });

  it('accepts every kind in its own shape', () => {
    for (const action of AUDIT_ACTIONS) expect(parseAuditEvent(action, SAMPLES[action])).toEqual(event(action));
  });

  it('refuses a whole-section event that names no item', () => {
    expect(() => parseAuditEvent('section.not_applicable', { section: 'rollback', reason: 'r', items: [] })).toThrow('audit event section.not_applicable: items');
  });

  it('refuses a kind it does not know, and data not in its kind\'s shape, naming the key', () => {
    expect(() => parseAuditEvent('item.frobbed', {})).toThrow('unknown audit event kind "item.frobbed"');
    expect(() => parseAuditEvent('field.set', { item: 'x', before: null })).toThrow('audit event field.set: after');
    expect(() => parseAuditEvent('promotion.aborted', { reason: 'r', extra: 1 })).toThrow('audit event promotion.aborted');
  });
});
