import { describe, expect, it } from 'vitest';
import { OUTBOX_MESSAGE, parseOutboxMessage, type MessageKind, type MessageOf } from '../../src/domain/message-kinds.js';
import { RENDER_MESSAGE, renderMessage } from '../../src/slack/message-kinds.js';
import { messageProblems } from './block-kit-limits.js';

/** The longest GitHub job a gate post names: every part at GitHub's maximum, with mrkdwn to escape. */
const WORST_GATE = {
  repo: `${'a'.repeat(39)}/${'&'.repeat(100)}`,
  environment: `<!channel> ${'&'.repeat(244)}`,
  runId: 99_999_999_999,
  runUrl: `https://github.example.com/${'o'.repeat(39)}/${'r'.repeat(100)}/actions/runs/${'9'.repeat(20)}?x=<!channel>|`,
  sha: 'f'.repeat(64),
  ref: `<!channel> ${'&'.repeat(244)}`,
  triggeredBy: `<@U123> ${'&'.repeat(92)}`,
};

/**
 * The longest sample of every kind of one-off post. The mapped type makes this exhaustive: a kind added to
 * OUTBOX_MESSAGE without a sample here does not compile, so every kind is rendered against Slack's limits below.
 */
const WORST: { [K in MessageKind]: MessageOf<K> } = {
  'abort-notice': {
    kind: 'abort-notice',
    release: 'v'.repeat(64),
    templateName: '&'.repeat(200),
    abortedBy: 'W0123456789ABCDEFGH',
    reason: `<!channel> ${'&'.repeat(2000)}`,
  },
  'dispatch-started': {
    kind: 'dispatch-started',
    release: 'v'.repeat(64),
    repo: `${'a'.repeat(39)}/${'&'.repeat(100)}`,
    workflow: `${'w'.repeat(250)}.yml`,
    ref: `<!channel> ${'&'.repeat(255)}`,
    runUrl: `https://github.example.com/${'o'.repeat(39)}/${'r'.repeat(100)}/actions/runs/${'9'.repeat(20)}?x=<!channel>|`,
    note: `<!channel> ${'&'.repeat(2000)}`,
  },
  'dispatch-failed': {
    kind: 'dispatch-failed',
    release: 'v'.repeat(64),
    repo: `${'a'.repeat(39)}/${'&'.repeat(100)}`,
    workflow: `${'w'.repeat(250)}.yml`,
    ref: `<!channel> ${'&'.repeat(255)}`,
    error: `GitHub answered 422: <!channel> ${'&'.repeat(3000)}`,
    dispatchKey: `go-dispatch:00000000-0000-4000-8000-000000000000:${'9'.repeat(10)}`,
  },
  'approvals-voided': {
    kind: 'approvals-voided',
    release: 'v'.repeat(64),
    approval: '&'.repeat(75),
    users: Array.from({ length: 40 }, (_, i) => `W0123456789ABCD${i}`),
    reason: `“${'&amp;'.repeat(75)}” changed from \`${'a'.repeat(1000)}\` to \`${'b'.repeat(1000)}\``,
  },
  'decision-announcement': {
    kind: 'decision-announcement',
    release: 'v'.repeat(64),
    templateName: '&'.repeat(200),
    decision: 'no-go',
    by: 'W0123456789ABCDEFGH',
    reason: `<!channel> ${'&'.repeat(3000)}`,
    newDate: '2026-12-31',
    checklist: { channel: 'C0123456789', ts: '1795300000.000100' },
  },
  'probe-evidence': {
    kind: 'probe-evidence',
    release: 'v'.repeat(64),
    item: `<!channel> ${'&'.repeat(300)}`,
    probe: 'cloudwatch-alarms',
    status: 'fail',
    summary: `<!channel> ${'&'.repeat(2000)}`,
    durationMs: 123_456,
    at: '2099-12-31T23:59:59.000Z',
    by: 'W0123456789ABCDEFGH',
    effect: 'unticked',
    lines: Array.from({ length: 100 }, () => `<!channel> ${'&'.repeat(1000)}`),
    rows: Array.from({ length: 20 }, () => Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`<!channel>${'&'.repeat(60)}${i}`, `<!channel>${'&'.repeat(500)}`]))),
    links: Array.from({ length: 30 }, () => ({ label: `<!channel> ${'&'.repeat(300)}`, url: `https://example.com/${'&'.repeat(1000)}?x=<!channel>|` })),
    metrics: Array.from({ length: 50 }, () => ({ name: `<!channel> ${'&'.repeat(300)}`, value: -1.2345678901234567e300, threshold: `< ${'&'.repeat(300)}` })),
  },
  reminder: {
    kind: 'reminder',
    variant: 'timeline',
    release: 'v'.repeat(64),
    offset: 'T-9999d',
    say: `<!channel> ${'&'.repeat(2000)}`,
    dueAt: '2099-12-31T23:59:59.000Z',
    late: true,
    open: Array.from({ length: 6 }, () => ({
      title: `<!channel> ${'&'.repeat(140)}`,
      ts: '1795300000.000100',
      items: Array.from({ length: 5 }, () => ({ label: `<!channel> ${'&'.repeat(64)}`, assignee: 'W0123456789ABCDEFGH', due: 'T-9999d' })),
      more: 55,
    })),
    moreSections: 34,
    mentions: Array.from({ length: 60 }, (_, i) => `W0123456789ABCD${i}`),
    hold: {
      by: 'W0123456789ABCDEFGH',
      at: '2099-12-31T23:59:59.000Z',
      holdFor: '9999d',
      next: `<!channel> ${'&'.repeat(64)}`,
      checks: Array.from({ length: 10 }, () => ({ label: `<!channel> ${'&'.repeat(64)}`, status: 'fail' as const, summary: `<!channel> ${'&'.repeat(300)}`, at: '2099-12-31T23:59:59.000Z' })),
    },
    checklist: { channel: 'C0123456789', ts: '1795300000.000100' },
  },
  checkpoint: {
    kind: 'checkpoint',
    release: 'v'.repeat(64),
    promotionId: '00000000-0000-4000-8000-000000000000',
    checkpointId: '00000000-0000-4000-8000-000000000001',
    offset: 'T+9999d',
    say: `<!channel> ${'&'.repeat(2000)}`,
    dueAt: '2099-12-31T23:59:59.000Z',
    late: true,
    continueLabel: `<!channel> ${'&'.repeat(49)}`,
    rollbackLabel: `<!channel> ${'&'.repeat(49)}`,
    deciders: Array.from({ length: 30 }, (_, i) => `W0123456789ABCD${i}`),
    cc: Array.from({ length: 30 }, (_, i) => `S0123456789ABCE${i}`),
    probes: Array.from({ length: 10 }, () => ({ label: `<!channel> ${'&'.repeat(64)}`, status: 'error' as const, summary: `<!channel> ${'&'.repeat(300)}`, at: '2099-12-31T23:59:59.000Z' })),
    escalation: { after: '9999m', contacts: Array.from({ length: 30 }, (_, i) => `S0123456789ABCD${i}`) },
    checklist: { channel: 'C0123456789', ts: '1795300000.000100' },
  },
  'checkpoint-answered': {
    kind: 'checkpoint-answered',
    release: 'v'.repeat(64),
    offset: 'T+9999d',
    answer: 'rollback',
    label: `<!channel> ${'&'.repeat(49)}`,
    by: 'W0123456789ABCDEFGH',
    at: '2099-12-31T23:59:59.000Z',
    effect: `<!channel> ${'&'.repeat(500)}`,
  },
  'rollback-broadcast': {
    kind: 'rollback-broadcast',
    release: 'v'.repeat(64),
    promotionId: '00000000-0000-4000-8000-000000000000',
    subject: `<!channel> ${'&'.repeat(150)}`,
    message: `<!channel> ${'&'.repeat(2900)}\n${'<@U0ALL>\n'.repeat(200)}`,
    by: 'W0123456789ABCDEFGH',
    path: `<!channel> ${'&'.repeat(64)}`,
    contacts: Array.from({ length: 40 }, (_, i) => `S0123456789ABCD${i}`),
    acknowledge: true,
    checklist: { channel: 'C0123456789', ts: '1795300000.000100' },
  },
  'rollback-steps': {
    kind: 'rollback-steps',
    release: 'v'.repeat(64),
    path: `<!channel> ${'&'.repeat(64)}`,
    sections: Array.from({ length: 10 }, () => ({ title: `<!channel> ${'&'.repeat(140)}`, ts: '1795300000.000100', steps: Array.from({ length: 60 }, () => `<!channel> ${'&'.repeat(64)}`) })),
    checklist: { channel: 'C0123456789', ts: '1795300000.000100' },
  },
  'rollback-update': {
    kind: 'rollback-update',
    release: 'v'.repeat(64),
    number: 99999,
    text: `<!channel> ${'&'.repeat(3000)}`,
    by: 'W0123456789ABCDEFGH',
    at: '2099-12-31T23:59:59.000Z',
    checklist: { channel: 'C0123456789', ts: '1795300000.000100' },
  },
  'rollback-update-due': {
    kind: 'rollback-update-due',
    release: 'v'.repeat(64),
    promotionId: '00000000-0000-4000-8000-000000000000',
    lead: 'W0123456789ABCDEFGH',
    every: '9999m',
    since: '2099-12-31T23:59:59.000Z',
  },
  'rollback-complete': {
    kind: 'rollback-complete',
    release: 'v'.repeat(64),
    resolution: `<!channel> ${'&'.repeat(3000)}`,
    by: 'W0123456789ABCDEFGH',
    startedAt: '2099-12-31T23:59:59.000Z',
    at: '2099-12-31T23:59:59.000Z',
    checklist: { channel: 'C0123456789', ts: '1795300000.000100' },
  },
  'window-scheduled': {
    kind: 'window-scheduled',
    release: 'v'.repeat(64),
    templateName: `<!channel> ${'&'.repeat(100)}`,
    by: 'W0123456789ABCDEFGH',
    start: '2099-12-24T23:59:00.000Z',
    end: '2099-12-31T23:59:00.000Z',
    t0: '2099-12-25T23:59:00.000Z',
    previous: { start: '2099-12-20T23:59:00.000Z', end: '2099-12-21T23:59:00.000Z' },
    next: Array.from({ length: 3 }, () => ({ offset: 'T-9999d', at: '2099-12-24T23:59:00.000Z', what: `<!channel> ${'&'.repeat(2000)}` })),
    checklist: { channel: 'C0123456789', ts: '1795300000.000100' },
  },
  'promotion-started': {
    kind: 'promotion-started',
    release: 'v'.repeat(64),
    templateName: `<!channel> ${'&'.repeat(200)}`,
    by: 'W0123456789ABCDEFGH',
    environment: `<!channel>${'&'.repeat(100)}`,
    checklist: { channel: 'C0123456789', ts: '1795300000.000100' },
  },
  'post-failed': {
    kind: 'post-failed',
    release: 'v'.repeat(64),
    requester: 'W0123456789ABCDEFGH',
    channel: 'C0123456789ABCDEF',
    what: `<!channel> ${'&'.repeat(500)}`,
    error: `<!channel>${'&'.repeat(300)}`,
  },
  'statuspage-failed': {
    kind: 'statuspage-failed',
    release: 'v'.repeat(64),
    lead: 'W0123456789ABCDEFGH',
    what: `schedule the maintenance <!channel> ${'&'.repeat(1000)}`,
    status: 422,
    error: `Statuspage answered 422: <!channel> ${'&'.repeat(3000)}`,
    pageId: `${'p'.repeat(32)}<!channel>`,
  },
  'github-gate-waiting': { kind: 'github-gate-waiting', release: 'v'.repeat(64), gate: WORST_GATE, answer: null, previousCommit: 'f'.repeat(64), superseded: Array.from({ length: 40 }, (_, i) => 9_000_000_000 + i) },
  'github-gate-unattached': { kind: 'github-gate-unattached', gate: WORST_GATE, templateId: 't'.repeat(40) },
  'github-gate-answered': { kind: 'github-gate-answered', release: 'v'.repeat(64), gate: WORST_GATE, state: 'rejected', why: `NO-GO: <!channel> ${'&'.repeat(2000)}` },
  'github-gate-failed': { kind: 'github-gate-failed', release: 'v'.repeat(64), gate: WORST_GATE, state: 'approved', lead: 'W0123456789ABCDEFGH', status: 422, error: `GitHub answered 422: <!channel> ${'&'.repeat(3000)}` },
};

describe('kinds of one-off post', () => {
  it('has a renderer and a sample for every kind, and nothing else', () => {
    const kinds = OUTBOX_MESSAGE.options.map((o) => o.shape.kind.value).sort();
    expect(Object.keys(RENDER_MESSAGE).sort()).toEqual(kinds);
    expect(Object.keys(WORST).sort()).toEqual(kinds);
  });

  it.each(Object.values(WORST))('renders $kind within Slack\'s limits, user text escaped', (message) => {
    expect(parseOutboxMessage(message)).toEqual(message);
    const rendered = renderMessage(message);
    expect(messageProblems(rendered)).toEqual([]);
    expect(JSON.stringify(rendered)).not.toContain('<!channel>');
  });

  it('refuses data that does not have its kind\'s shape, naming the kind and the key', () => {
    expect(() => parseOutboxMessage({ kind: 'abort-notice', release: 'v1', templateName: 'T', abortedBy: null })).toThrow(
      'outbox message abort-notice: reason',
    );
    expect(() => parseOutboxMessage({ kind: 'abort-notice', release: 'v1', templateName: 'T', abortedBy: null, reason: null, extra: 1 })).toThrow(
      'outbox message abort-notice',
    );
    expect(() => parseOutboxMessage({ kind: 'no-such-kind' })).toThrow('outbox message no-such-kind');
  });
});
