import { describe, expect, it } from 'vitest';
import { communicationHints, fillCommunication, NOT_KNOWN_YET, rollbackRoles } from '../../src/domain/rollback.js';
import { RULES, readOutline } from '../../src/domain/template/rules.js';

const SEED = `Status: Rolling back due to [ISSUE]
Impact: [Description of impact; services: Community, Marketplace]
ETA: [Estimated completion time; rollback target within 5 minutes]
Action Required: [Any user action needed]

Will update in 15 minutes.`;

describe('the rollback communication', () => {
  it('offers the bracketed words of each line as that input\'s hint', () => {
    expect(communicationHints(SEED)).toEqual({
      impact: 'Description of impact; services: Community, Marketplace',
      eta: 'Estimated completion time; rollback target within 5 minutes',
      action: 'Any user action needed',
    });
    expect(communicationHints('Rolling back now.')).toEqual({ impact: null, eta: null, action: null });
  });

  it('fills the template in: the issue, each line\'s value, and "not known yet" for what was left empty, with no bracket left', () => {
    const text = fillCommunication(SEED, { issue: 'error rate over 5%', impact: 'checkout slow', eta: ' ', action: null });
    expect(text).toBe(`Status: Rolling back due to error rate over 5%
Impact: checkout slow
ETA: ${NOT_KNOWN_YET}
Action Required: ${NOT_KNOWN_YET}

Will update in 15 minutes.`);
  });

  it('keeps what people typed as typed, `$&` included', () => {
    expect(fillCommunication('Status: due to [ISSUE]', { issue: 'cost $& and $` here', impact: null, eta: null, action: null }).split('\n')[0]).toBe('Status: due to cost $& and $` here');
  });

  it('keeps what the author wrote around the brackets, and adds the lines a template does not have', () => {
    expect(fillCommunication('Impact: users of [Description], see status page', { issue: 'x', impact: 'EU users', eta: null, action: null })).toBe(
      `Issue: x\nImpact: users of EU users, see status page\nETA: ${NOT_KNOWN_YET}\nAction Required: ${NOT_KNOWN_YET}`,
    );
  });
});

describe('who may roll back', () => {
  const roles = { chair: { label: 'Chair', users: ['U1'], groups: [] }, 'on-call': { label: 'On-call', users: ['U2'], groups: [] } };
  it('is the template\'s `may`, or else the decider and on-call', () => {
    expect(rollbackRoles({ roles, decider: 'chair', rollback: undefined })).toEqual(['chair', 'on-call']);
    expect(rollbackRoles({ roles: { chair: roles.chair }, decider: undefined, rollback: undefined })).toEqual([]);
    expect(rollbackRoles({ roles, decider: 'chair', rollback: { communication: { subject: 's', body: 'b' }, update_every: '15m', paths: [], may: ['on-call'], contacts: [], acknowledge: [] } })).toEqual(['on-call']);
  });
});

describe('the rollback paths rule', () => {
  const template = (sections: Array<{ id: string; phase?: string }>, paths: Array<{ id: string; sections: string[] }>) => ({
    sections: sections.map((s) => ({ ...s, title: s.id, kind: 'rollback', items: [{ id: `${s.id}-step`, label: 'step' }] })),
    rollback: { communication: { subject: 's', body: 'b' }, paths: paths.map((p) => ({ ...p, label: p.id })) },
  });
  it('accepts paths naming on-rollback sections', () => {
    expect(RULES.rollbackPathsNameRollbackSections(readOutline(template([{ id: 'restore', phase: 'on-rollback' }], [{ id: 'now', sections: ['restore'] }])))).toEqual([]);
  });
  it('refuses a path naming a missing section, or one that is not on-rollback', () => {
    expect(RULES.rollbackPathsNameRollbackSections(readOutline(template([{ id: 'gates' }], [{ id: 'now', sections: ['gates', 'nope'] }])))).toEqual([
      { path: ['rollback', 'paths', 0, 'sections', 0], message: 'section "gates" is before-go: a rollback path\'s steps are in an on-rollback section' },
      { path: ['rollback', 'paths', 0, 'sections', 1], message: 'section "nope" does not exist' },
    ]);
  });
});
