/**
 * The fake Slack's file uploads (src/playground/fake-slack/methods/files.ts), driven by @slack/web-api as the bot
 * drives it: files.getUploadURLExternal, the bytes POSTed to the upload URL on the fake's own server, and
 * files.completeUploadExternal sharing them into a thread as one message with a `files` array; Slack's refusals for
 * an unknown file, one never uploaded or one completed twice; failNext; and Slack's Tier 4 limit.
 */
import { WebAPIPlatformError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, type FakeSlack, startFakeSlack } from '../../src/playground/fake-slack.js';
import { client } from './fixtures.js';

async function refusal(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as WebAPIPlatformError).data?.error;
  }
}

describe('fake Slack file uploads', () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await startFakeSlack({ rateLimits: false });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('takes the bytes at the upload URL and shares the files in the thread as one message', async () => {
    const web = client(fake);
    const parent = await web.chat.postMessage({ channel: 'C123', text: 'Checklist' });
    const md = await web.files.getUploadURLExternal({ filename: 'r.md', length: 7 });
    const json = await web.files.getUploadURLExternal({ filename: 'r.json', length: 2 });
    expect(md.upload_url).toMatch(new RegExp(`^${fake.baseUrl}/upload/v1/`));
    expect((await fetch(md.upload_url!, { method: 'POST', body: '# hello' })).status).toBe(200);
    // Multipart form data, as some clients send it, works too.
    const form = new FormData();
    form.append('file', new Blob(['{}']), 'r.json');
    expect((await fetch(json.upload_url!, { method: 'POST', body: form })).status).toBe(200);
    const done = await web.files.completeUploadExternal({ files: [{ id: md.file_id!, title: 'Markdown' }, { id: json.file_id!, title: 'JSON' }], channel_id: 'C123', thread_ts: parent.ts! });
    expect(done.files).toEqual([{ id: md.file_id, title: 'Markdown' }, { id: json.file_id, title: 'JSON' }]);
    const share = fake.messages('C123').find((m) => m.files);
    expect(share).toMatchObject({ thread_ts: parent.ts, files: [{ id: md.file_id, name: 'r.md', title: 'Markdown', size: 7, mimetype: 'text/markdown' }, { name: 'r.json', size: 2 }] });
    expect(fake.fileText(md.file_id!)).toBe('# hello');
    expect(fake.fileText(json.file_id!)).toBe('{}');
    expect(fake.files().map((f) => f.completed)).toEqual([true, true]);
    // An upload URL is used once.
    expect((await fetch(md.upload_url!, { method: 'POST', body: 'again' })).status).toBe(404);
  });

  it("refuses an unknown file, one never uploaded and one completed already with Slack's error, and what failNext says", async () => {
    const web = client(fake);
    expect(await refusal(web.files.completeUploadExternal({ files: [{ id: 'F0NOPE' }], channel_id: 'C123' }))).toBe('file_not_found');
    const never = await web.files.getUploadURLExternal({ filename: 'r.md', length: 3 });
    expect(await refusal(web.files.completeUploadExternal({ files: [{ id: never.file_id! }], channel_id: 'C123' }))).toBe('file_not_found');
    await fetch(never.upload_url!, { method: 'POST', body: 'abc' });
    await web.files.completeUploadExternal({ files: [{ id: never.file_id! }], channel_id: 'C123' });
    expect(await refusal(web.files.completeUploadExternal({ files: [{ id: never.file_id! }], channel_id: 'C123' }))).toBe('file_not_found');
    expect(await refusal(web.files.getUploadURLExternal({ filename: 'r.md', length: 0 }))).toBe('missing_argument');
    fake.failNext('files.getUploadURLExternal', 'missing_scope');
    expect(await refusal(web.files.getUploadURLExternal({ filename: 'r.md', length: 3 }))).toBe('missing_scope');
    expect(fake.messages('C123').filter((m) => m.files)).toHaveLength(1);
  });

  it("limits both methods at Slack's Tier 4", () => {
    expect(DEFAULT_RATE_LIMITS.methods['files.getUploadURLExternal']).toEqual({ perMinute: 100, burst: 20 });
    expect(DEFAULT_RATE_LIMITS.methods['files.completeUploadExternal']).toEqual({ perMinute: 100, burst: 20 });
  });
});
