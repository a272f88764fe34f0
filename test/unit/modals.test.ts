import { describe, expect, it } from 'vitest';
import { modalTitle } from '../../blocks/modals.js';

describe('modal titles', () => {
  it('say what the modal does and for which release', () => {
    expect(modalTitle('Set value', 'v1.50').text).toBe('Set value · v1.50');
    expect(modalTitle('Not applicable', 'v1.50').text).toBe('Not applicable · v1.50');
  });

  it.each(['v1.50-rc.1+build.20251002', `v${'9'.repeat(63)}`])('fit Slack’s 24 characters with a long release (%s), cutting the release, never the action', (release) => {
    for (const action of ['Set value', 'Change value', 'Not applicable']) {
      const { text } = modalTitle(action, release);
      expect(text.length).toBeLessThanOrEqual(24);
      expect(text.startsWith(`${action} · `)).toBe(true);
      expect(text.endsWith('…')).toBe(true);
    }
  });
});
