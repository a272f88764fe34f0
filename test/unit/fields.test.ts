import { describe, expect, it } from 'vitest';
import { esc, formatFieldValue } from '../../blocks/text.js';
import { FIELD_MAX_LENGTH, fieldHint, validateField } from '../../src/domain/fields.js';
import { FIELD_TYPES, type FieldSpec } from '../../src/domain/template.js';

const accepted = (spec: FieldSpec, raw: string) => validateField(spec, raw);

describe('validateField', () => {
  describe('a commit SHA', () => {
    const sha: FieldSpec = { type: 'sha' };

    it.each(['abc1234', 'ABCDEF0', '0123456789abcdef0123456789abcdef01234567'])('accepts %s, stored in lower case', (raw) => {
      expect(accepted(sha, raw)).toEqual({ ok: true, value: raw.toLowerCase() });
    });

    it.each(['xyz1234', 'abc123', 'abc 1234', 'g123456', `${'a'.repeat(41)}`, 'v1.50'])('refuses %j, saying what a SHA looks like', (raw) => {
      const result = accepted(sha, raw);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatch(/7 to 40 hexadecimal characters|Too long/);
    });

    it('trims the spaces a paste brings along', () => {
      expect(accepted(sha, '  abc1234\n')).toEqual({ ok: true, value: 'abc1234' });
    });
  });

  describe('a number', () => {
    it.each([
      ['42', '42'],
      ['-3', '-3'],
      ['12.5', '12.5'],
      ['.5', '0.5'],
      ['1,000', '1000'],
      [' 7 ', '7'],
    ])('accepts %j as %s', (raw, value) => {
      expect(accepted({ type: 'number' }, raw)).toEqual({ ok: true, value });
    });

    it.each(['12 GB', '1e3', '0x10', 'twelve', '5.', '--1'])('refuses %j', (raw) => {
      expect(accepted({ type: 'number' }, raw)).toEqual({ ok: false, error: 'Enter a number, e.g. 42 or 12.5.' });
    });

    it('holds a number to the template minimum and maximum, saying the bound', () => {
      const spec: FieldSpec = { type: 'number', min: 0, max: 100, unit: 'GB' };
      expect(accepted(spec, '0')).toEqual({ ok: true, value: '0' });
      expect(accepted(spec, '100')).toEqual({ ok: true, value: '100' });
      expect(accepted(spec, '-1')).toEqual({ ok: false, error: 'Must be at least 0.' });
      expect(accepted(spec, '100.5')).toEqual({ ok: false, error: 'Must be at most 100.' });
    });

    it('does not read a decimal comma as a thousands separator (1,5 is not fifteen)', () => {
      const result = accepted({ type: 'number' }, '1,5');
      // Either understood as 1.5 or refused; silently storing 15 is the one wrong answer.
      expect(result.ok ? result.value : 'refused').toMatch(/^(1\.5|refused)$/);
    });

    it('never stores a different number than the one entered', () => {
      const result = accepted({ type: 'number' }, '12345678901234567890');
      // Past 2^53 a JavaScript number rounds: refuse it or keep the digits, never store a rounded neighbour.
      expect(result.ok ? result.value : 'refused').toMatch(/^(12345678901234567890|refused)$/);
    });
  });

  describe('a URL', () => {
    it.each([
      ['https://github.com/acme/app/actions/runs/123', 'https://github.com/acme/app/actions/runs/123'],
      ['http://grafana.internal:3000/d/abc?from=now-1h', 'http://grafana.internal:3000/d/abc?from=now-1h'],
      ['HTTPS://Example.com', 'https://example.com/'],
    ])('accepts %s', (raw, value) => {
      expect(accepted({ type: 'url' }, raw)).toEqual({ ok: true, value });
    });

    it.each(['ftp://files.example.com/x', 'javascript:alert(1)', 'file:///etc/passwd', 'mailto:ops@example.com'])('refuses %s: only http and https', (raw) => {
      expect(accepted({ type: 'url' }, raw)).toEqual({ ok: false, error: 'Only http and https URLs are allowed.' });
    });

    it.each(['example.com/page', 'not a url', 'https://'])('refuses %j: not a full URL', (raw) => {
      expect(accepted({ type: 'url' }, raw)).toEqual({ ok: false, error: 'Enter a full URL starting with https:// or http://.' });
    });

    it('never stores a URL longer than the input allows, so the Edit modal can show it again', () => {
      // 220 characters typed; percent-encoding makes each é six characters: refused, with the reason.
      expect(accepted({ type: 'url' }, `https://wiki.example.com/${'é'.repeat(195)}`)).toEqual({ ok: false, error: expect.stringContaining('Too long once encoded') });
      const fits = accepted({ type: 'url' }, `https://wiki.example.com/${'é'.repeat(70)}`);
      expect(fits.ok && fits.value !== null && fits.value.length).toBeLessThanOrEqual(FIELD_MAX_LENGTH.url);
    });
  });

  describe('a ticket', () => {
    it.each(['CHG-1234', 'JIRA-42', 'INC#77', 'ops/change.12'])('accepts %s', (raw) => {
      expect(accepted({ type: 'ticket' }, raw)).toEqual({ ok: true, value: raw });
    });

    it.each(['CHG 1234', '-CHG', 'CHG-1;drop'])('refuses %j with an example', (raw) => {
      const result = accepted({ type: 'ticket' }, raw);
      expect(!result.ok && result.error).toContain('e.g. CHG-1234');
    });
  });

  describe('a pattern from the template', () => {
    const spec: FieldSpec = { type: 'text', pattern: '^v\\d+\\.\\d+\\.\\d+$' };

    it('accepts a value that matches', () => {
      expect(accepted(spec, 'v1.50.3')).toEqual({ ok: true, value: 'v1.50.3' });
    });

    it('refuses one that does not, never showing the regular expression', () => {
      expect(accepted(spec, 'v1.50')).toEqual({ ok: false, error: 'This is not in the expected format.' });
    });

    it('gives the placeholder as an example, or as what is expected', () => {
      expect(accepted({ ...spec, placeholder: 'e.g. v1.50.3' }, 'v1.50')).toEqual({ ok: false, error: 'This is not in the expected format (for example: v1.50.3).' });
      expect(accepted({ type: 'text', pattern: '^[0-9]+$', placeholder: 'GitHub Actions run id of the green staging run' }, 'run 12')).toEqual({
        ok: false,
        error: 'This is not in the expected format (expected: GitHub Actions run id of the green staging run).',
      });
    });

    it("says the template's description of the format when it gives one", () => {
      const described = { ...spec, placeholder: 'e.g. v1.50.3', description: 'a release tag such as v1.50.3' } as FieldSpec;
      expect(accepted(described, 'v1.50')).toEqual({ ok: false, error: 'This is not in the expected format: a release tag such as v1.50.3.' });
      expect(fieldHint(described)).toBe('A release tag such as v1.50.3. Leave empty to clear.');
    });

    it('is checked on the stored value (a SHA pattern in lower case accepts an upper-case paste)', () => {
      expect(accepted({ type: 'sha', pattern: '^[0-9a-f]{40}$' }, 'A'.repeat(40))).toEqual({ ok: true, value: 'a'.repeat(40) });
    });
  });

  describe('every type', () => {
    it.each(FIELD_TYPES)('%s: empty or blank clears the value', (type) => {
      expect(accepted({ type }, '')).toEqual({ ok: true, value: null });
      expect(accepted({ type }, '   ')).toEqual({ ok: true, value: null });
      expect(validateField({ type }, null)).toEqual({ ok: true, value: null });
      expect(validateField({ type }, undefined)).toEqual({ ok: true, value: null });
    });

    it.each(FIELD_TYPES)('%s: one character over the longest value is refused as too long', (type) => {
      const max = FIELD_MAX_LENGTH[type];
      expect(accepted({ type }, '1'.repeat(max + 1))).toEqual({ ok: false, error: `Too long: at most ${max} characters.` });
    });
  });

  it.each(['text', 'path'] as const)('%s: a value must stay on one line', (type) => {
    expect(accepted({ type }, 'first line\nsecond line')).toEqual({ ok: false, error: 'Keep it on one line.' });
    expect(accepted({ type }, 'a\r\nb')).toEqual({ ok: false, error: 'Keep it on one line.' });
  });

  it('text: keeps what was typed, characters Slack treats specially included (they are escaped when shown)', () => {
    expect(accepted({ type: 'text' }, 'R&D <ops> *done*')).toEqual({ ok: true, value: 'R&D <ops> *done*' });
  });

  it('datetime and user accept what the pickers send and refuse anything else', () => {
    expect(accepted({ type: 'datetime' }, '1718000000')).toEqual({ ok: true, value: '1718000000' });
    expect(accepted({ type: 'datetime' }, '2024-06-10 10:00').ok).toBe(false);
    expect(accepted({ type: 'user' }, 'U0123ABCDEF')).toEqual({ ok: true, value: 'U0123ABCDEF' });
    expect(accepted({ type: 'user' }, '@alice')).toEqual({ ok: false, error: 'Pick a person.' });
  });

  it('fieldHint describes the bounds and unit of a number and says empty clears', () => {
    expect(fieldHint({ type: 'number', min: 0, max: 500, unit: 'GB' })).toBe('A number from 0 to 500 (GB). Leave empty to clear.');
    expect(fieldHint({ type: 'number', min: 1 })).toBe('A number of at least 1. Leave empty to clear.');
    expect(fieldHint({ type: 'ticket', pattern: '^CHG-\\d+$' })).toBe('A ticket reference, e.g. CHG-1234. Leave empty to clear.');
  });

  it('fieldHint says nothing about clearing when there is no value to clear', () => {
    expect(fieldHint({ type: 'sha' }, { clearable: false })).toBe('A commit SHA: 7 to 40 hexadecimal characters.');
  });

  it('never shows a regular expression, in a hint or an error, for any built-in pattern', () => {
    for (const pattern of ['^[0-9]+$', '^sha256:[a-f0-9]{64}$', '^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$', '^v\\d+\\.\\d+\\.\\d+$']) {
      const spec: FieldSpec = { type: 'text', pattern };
      const refused = accepted(spec, 'nothing like it ~');
      expect(fieldHint(spec)).not.toContain(pattern);
      expect(!refused.ok && refused.error).not.toContain(pattern);
      expect(!refused.ok && refused.error).not.toMatch(/[\^$]/);
    }
  });
});

describe('esc', () => {
  it('escapes the three characters Slack mrkdwn treats as control characters, & first', () => {
    expect(esc('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    expect(esc('&lt;')).toBe('&amp;lt;');
    expect(esc('<!channel> <@U123>')).toBe('&lt;!channel&gt; &lt;@U123&gt;');
  });

  it('leaves everything else alone', () => {
    expect(esc('*bold* _it_ `code` é 🚀')).toBe('*bold* _it_ `code` é 🚀');
  });
});

describe('formatFieldValue', () => {
  it('shows a SHA and a path as code, a backtick in it unable to end the code span', () => {
    expect(formatFieldValue({ type: 'sha' }, 'abc1234')).toBe('`abc1234`');
    expect(formatFieldValue({ type: 'path' }, 's3://bucket/a`b')).toBe("`s3://bucket/a'b`");
  });

  it('never lets a path value mention people or the channel', () => {
    // Slack reads <!channel> and <@U…> anywhere in mrkdwn, code spans included.
    const shown = formatFieldValue({ type: 'path' }, '/backups/<!channel>/<env>');
    expect(shown).not.toContain('<!channel>');
    expect(shown).not.toContain('<env>');
  });

  it('shows a URL as a link that a | or > in it cannot break out of', () => {
    expect(formatFieldValue({ type: 'url' }, 'https://example.com/a')).toBe('<https://example.com/a>');
    expect(formatFieldValue({ type: 'url' }, 'https://example.com/a|<!channel>')).toBe('<https://example.com/a%7C%3C!channel%3E>');
  });

  it('shows a number with its unit, and text escaped', () => {
    expect(formatFieldValue({ type: 'number', unit: 'GB' }, '12.5')).toBe('12.5 GB');
    expect(formatFieldValue({ type: 'number' }, '7')).toBe('7');
    expect(formatFieldValue({ type: 'text' }, 'R&D <ops>')).toBe('R&amp;D &lt;ops&gt;');
    expect(formatFieldValue({ type: 'ticket' }, 'CHG-1')).toBe('CHG-1');
  });

  it('shows a person as a mention and a time in each reader’s own time zone', () => {
    expect(formatFieldValue({ type: 'user' }, 'U0123ABCDEF')).toBe('<@U0123ABCDEF>');
    expect(formatFieldValue({ type: 'datetime' }, '1718013600')).toBe('<!date^1718013600^{date_short_pretty} {time}|2024-06-10 10:00 UTC>');
  });
});
