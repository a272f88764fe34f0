/**
 * The report's text rules: user text in the Markdown stays data (src/domain/report.ts `mdText`), and the private answer
 * that carries the Markdown (blocks/report.ts) fits one Slack message whatever the Markdown holds.
 */
import { describe, expect, it } from 'vitest';
import { markdownBlocks, reportReply } from '../../blocks/report.js';
import { LIMITS } from '../../blocks/text.js';
import { mdText } from '../../src/domain/report.js';

describe('mdText', () => {
  it('keeps a table cell one cell and one line, with no HTML, links or emphasis', () => {
    expect(mdText('a | b')).toBe('a \\| b');
    expect(mdText('*bold* _it_ `code` ~s~ [x](http://e.test)')).toBe('\\*bold\\* \\_it\\_ \\`code\\` \\~s\\~ \\[x\\](http://e.test)');
    expect(mdText('<script>&amp; <@U1>')).toBe('&lt;script&gt;&amp;amp; &lt;@U1&gt;');
    expect(mdText('one\ntwo\r\nthree')).toBe('one<br>two<br>three');
    expect(mdText('back\\slash')).toBe('back\\\\slash');
  });

  it('escapes what would start a heading, a list or a quote at the start of a line', () => {
    expect(mdText('# not a heading')).toBe('\\# not a heading');
    expect(mdText('- not a list')).toBe('\\- not a list');
    expect(mdText('12. not a list')).toBe('12\\. not a list');
    expect(mdText('> not a quote')).toBe('&gt; not a quote');
    expect(mdText('v1.50 - fine')).toBe('v1.50 - fine');
  });
});

describe("the report's private answer", () => {
  const answer = {
    release: 'v1.50',
    promotionId: '00000000-0000-4000-8000-000000000000',
    channelId: 'C1',
    threadTs: '1.2',
    files: ['a.md', 'a.json'],
    head: { seq: 3, hash: 'f'.repeat(64) },
    intact: true,
    uploaded: false,
    why: 'uploads-disabled' as const,
    detail: 'file_uploads_disabled',
  };

  it('fits one message with a huge Markdown, cutting whole lines and saying so', () => {
    const markdown = ['# Promotion record', ...Array.from({ length: 2_000 }, (_, i) => `| ${i} | <@U${i}> & more | ${'x'.repeat(i % 7 === 0 ? 5_000 : 40)} |`)].join('\n');
    const reply = reportReply({ ...answer, markdown });
    const texts = reply.blocks.map((b) => (b as { text: { text: string } }).text.text);
    expect(reply.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(texts.join('').length).toBeLessThanOrEqual(LIMITS.messageText);
    expect(reply.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
    const all = texts.join('\n');
    expect(all).toContain("this workspace's settings do not allow the app to upload files here");
    expect(all).toContain('The Markdown was cut here');
    expect(all).toContain('&lt;@U1&gt; &amp; more');
    expect(all).not.toContain('<@U1>');
  });

  it('shows a short Markdown whole, without a cut note', () => {
    const { blocks, cut } = markdownBlocks('# Record\n\n| a | b |', 5_000);
    expect(cut).toBe(false);
    expect(blocks).toHaveLength(1);
    const reply = reportReply({ ...answer, markdown: '# Record' });
    expect(JSON.stringify(reply.blocks)).not.toContain('was cut');
  });
});
