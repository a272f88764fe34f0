import { describe, expect, it } from 'vitest';
import { bold, code, esc, mention, messageLink, plainText } from '../../src/domain/mrkdwn.js';
import { whyClosed, whyNotMarkable } from '../../src/domain/promotion.js';
import type { Item, Section } from '../../src/domain/template.js';

const item = { id: 'deploy', label: 'Deploy <prod> & *tag* it' } as Item;
const afterGo = { phase: 'after-go', title: 'Deploy (eng_*)' } as Section;
const plan = { phase: 'on-rollback', title: 'Rollback <plan>' } as Section;

describe('refusals worded in mrkdwn', () => {
  it('names an item of a closed phase without letting its label turn into markup', () => {
    const why = whyClosed('preparing', afterGo, item)!;
    expect(why).toContain('&lt;prod&gt; &amp;');
    expect(why).not.toContain('*tag*');
    expect(why).not.toContain('<prod>');
  });

  it('names a plan section the same way', () => {
    expect(whyNotMarkable('preparing', plan)).toContain('Rollback &lt;plan&gt;');
  });

  it('reads as written again where Slack shows plain text (a modal input error)', () => {
    expect(plainText(whyNotMarkable('preparing', plan)!)).toContain('“Rollback <plan>”');
    expect(plainText(esc('a < b && c > d'))).toBe('a < b && c > d');
  });

  it('keeps bold text bold whatever it holds', () => {
    expect(bold('Gates (eng_*)')).toMatch(/^\*[^*_]+\*$/);
  });

  it('words commands, people and links to messages for refusals without blocks/', () => {
    expect(code('/promote start <release>')).toBe('`/promote start &lt;release&gt;`');
    expect(mention('U0DAN')).toBe('<@U0DAN>');
    expect(mention('preflight')).toBe('Preflight');
    expect(messageLink('C1', '1700000000.000100')).toBe('https://slack.com/archives/C1/p1700000000000100');
  });
});
