import { describe, expect, it } from 'vitest';
import { OUTBOX_MESSAGE, parseOutboxMessage, type MessageKind, type MessageOf } from '../../src/domain/message-kinds.js';
import { RENDER_MESSAGE, renderMessage } from '../../src/slack/message-kinds.js';
import { messageProblems } from './block-kit-limits.js';

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
