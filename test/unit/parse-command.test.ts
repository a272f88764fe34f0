import { describe, expect, it } from 'vitest';
import { parsePromote, USAGE, type ParseResult } from '../../commands/index.js';

function refusal(result: ParseResult): string {
  if (result.ok) throw new Error(`expected a refusal, got ${result.command.sub}`);
  return result.message;
}

describe('/promote command text', () => {
  it.each([
    ['start v1.50', { sub: 'start', release: 'v1.50' }],
    ['start v1.50 release-train', { sub: 'start', release: 'v1.50', template: 'release-train' }],
    ['  start   2024.06.01-hotfix_2/rc+1   db-housekeeping  ', { sub: 'start', release: '2024.06.01-hotfix_2/rc+1', template: 'db-housekeeping' }],
    ['START v1.50', { sub: 'start', release: 'v1.50' }],
    ['status', { sub: 'status' }],
    ['status v1.50', { sub: 'status', release: 'v1.50' }],
    ['list', { sub: 'list' }],
    ['templates', { sub: 'templates' }],
    ['abort v1.50 staging CI is red', { sub: 'abort', release: 'v1.50', reason: 'staging CI is red' }],
    ['help', { sub: 'help' }],
    ['', { sub: 'help' }],
    ['   ', { sub: 'help' }],
  ])('understands %j', (text, command) => {
    expect(parsePromote(text)).toEqual({ ok: true, command });
  });

  it('keeps the whole abort reason, whitespace between words collapsed', () => {
    expect(parsePromote('abort v1.50   the   DB\tmigration failed')).toEqual({
      ok: true,
      command: { sub: 'abort', release: 'v1.50', reason: 'the DB migration failed' },
    });
  });

  it('keeps at most 500 characters of an abort reason', () => {
    const result = parsePromote(`abort v1.50 ${'why '.repeat(200)}`);
    expect(result.ok && result.command.sub === 'abort' && result.command.reason.length).toBe(500);
  });

  it('accepts a release of 64 characters and refuses one of 65', () => {
    expect(parsePromote(`start v${'1'.repeat(63)}`).ok).toBe(true);
    expect(refusal(parsePromote(`start v${'1'.repeat(64)}`))).toContain('at most 64');
  });

  it('answers an unknown subcommand with the whole help, naming what it did not understand', () => {
    const message = refusal(parsePromote('deploy v1.50'));
    expect(message).toContain("I don't know `deploy`");
    expect(message).toContain(USAGE);
  });

  it('does not echo mrkdwn or mentions from an unknown subcommand', () => {
    const message = refusal(parsePromote('<!channel>*bold*'));
    expect(message).not.toContain('<!channel>');
    expect(message).toContain("I don't know `!channelbold`");
  });

  it.each([
    ['start', '/promote start &lt;release&gt; [template]'],
    ['start v1.50 release-train extra', '/promote start &lt;release&gt; [template]'],
    ['status v1.50 v1.51', '/promote status [release]'],
    ['list extra', '/promote list` (it takes nothing after it)'],
    ['templates all', '/promote templates` (it takes nothing after it)'],
    ['abort', '/promote abort &lt;release&gt; &lt;reason&gt;'],
  ])('answers %j with the usage of that subcommand', (text, form) => {
    const message = refusal(parsePromote(text));
    expect(message).toMatch(/^Usage: /m);
    expect(message).toContain(form);
    expect(message).not.toContain(USAGE);
  });

  it('asks for a reason when abort has none', () => {
    const message = refusal(parsePromote('abort v1.50'));
    expect(message).toContain('Say why you abort it.');
    expect(message).toContain('/promote abort &lt;release&gt; &lt;reason&gt;');
  });

  it.each([
    ['start v1.50;rm', '/promote start'],
    ['start -v1.50', '/promote start'],
    ['start v1.50* release-train', '/promote start'],
    ['status v1.50!', '/promote status'],
    ['abort <v1.50> oops', '/promote abort'],
  ])('refuses the release in %j, saying what a release may contain', (text, form) => {
    const message = refusal(parsePromote(text));
    expect(message).toContain('A release is letters, digits and . _ - / +');
    expect(message).toContain(form);
  });

  it('escapes the placeholders of every form, so Slack shows <release> instead of reading it as a link', () => {
    const answers = [USAGE, ...['start', 'status a b', 'list x', 'abort', 'abort v1.50', 'templates x', 'nope'].map((t) => refusal(parsePromote(t)))];
    for (const text of answers) {
      // Every `<` left is Slack syntax the bot meant (none here), never a placeholder.
      expect(text).not.toMatch(/<(release|reason|template)>/);
      expect(text).not.toContain('<');
    }
    expect(USAGE).toContain('`/promote abort &lt;release&gt; &lt;reason&gt;`');
  });

  it('refuses a template name that is not a template id, pointing at /promote templates', () => {
    const message = refusal(parsePromote('start v1.50 Release_Train'));
    expect(message).toContain('`/promote templates` lists them');
    expect(message).toContain('/promote start &lt;release&gt; [template]');
  });
});
