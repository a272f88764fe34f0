import { describe, expect, it } from 'vitest';
import { bold, code, esc, escCapped, escLiteral, truncate } from '../../blocks/text.js';

describe('truncate', () => {
  it('keeps text that fits', () => {
    expect(truncate('Release train', 13)).toBe('Release train');
  });

  it('cuts at a word boundary with an ellipsis, never mid-word', () => {
    const description = 'The release-train environment promotion from staging to production, with canary and rollback';
    const cut = truncate(description, 44);
    expect(cut).toBe('The release-train environment promotion…');
    expect(cut.length).toBeLessThanOrEqual(44);
    expect(description.startsWith(cut.slice(0, -1))).toBe(true);
  });

  it('keeps a word that ends exactly at the limit whole', () => {
    expect(truncate('hello world foo', 12)).toBe('hello world…');
  });

  it('cuts one long word where the limit falls, rather than losing most of the text', () => {
    expect(truncate('https://grafana.internal/d/abcdef', 20)).toBe('https://grafana.int…');
    expect(truncate('Set value · v1.50-rc.1+build.20251002', 24)).toBe('Set value · v1.50-rc.1+…');
  });

  it('does not end on a dangling comma or separator', () => {
    expect(truncate('alpha, beta, gamma, delta', 14)).toBe('alpha, beta…');
  });

  it.each([1, 2, 5, 24, 75])('never exceeds %i characters', (max) => {
    for (const text of ['x'.repeat(200), 'word '.repeat(60), 'a b c d e f g h i j k l m n o p']) expect(truncate(text, max).length).toBeLessThanOrEqual(max);
  });
});

describe('escaping for mrkdwn', () => {
  it('escapes & < > so placeholders and typed text show as written', () => {
    expect(esc('/promote start <release> & <@U123>')).toBe('/promote start &lt;release&gt; &amp; &lt;@U123&gt;');
    expect(code('/promote abort <release> <reason>')).toBe('`/promote abort &lt;release&gt; &lt;reason&gt;`');
  });

  it('makes formatting characters inert in text shown inside bold, so a title cannot end the bold early', () => {
    const shown = bold('Gates (eng_*)');
    expect(shown.startsWith('*') && shown.endsWith('*')).toBe(true);
    // Inside the span: no *, _, ~ or backtick that Slack would read as formatting.
    expect(shown.slice(1, -1)).not.toMatch(/[*_~`<>]/);
    expect(shown).toBe('*Gates (engˍ∗)*');
    expect(escLiteral('a ~b~ `c` <d>')).toBe('a ∼b∼ ˋcˋ &lt;d&gt;');
  });

  it('caps escaped text at a word boundary without cutting an entity in half', () => {
    expect(escCapped('staging CI is red & flaky', 20)).toBe('staging CI is red…');
    const capped = escCapped('&'.repeat(30), 12);
    expect(capped).toBe('&amp;&amp;…');
    expect(capped.length).toBeLessThanOrEqual(12);
  });
});
