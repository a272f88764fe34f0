/**
 * File uploads, as Slack's current flow has them (`files.upload` is retired):
 * - `files.getUploadURLExternal` (filename, length) answers `upload_url` (on this fake's own server) and `file_id`;
 * - the bytes are POSTed to the upload URL, raw or as multipart form data (`receiveUpload`); it answers HTTP 200;
 * - `files.completeUploadExternal` (`files: [{ id, title }]`, `channel_id`, `thread_ts`, `initial_comment`) shares
 *   them in the channel or thread as one message carrying a `files` array, as Slack does, and answers `files`.
 * A file id it never handed out, or one whose bytes never arrived (or that was completed already: the method can only
 * be called once), is refused with `file_not_found`; a call without `filename`, a `length`, or `files` is
 * `invalid_arguments` (a `length` of 0 is `missing_argument`, as Slack's reference says).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveChannel } from '../channels.js';
import { readBody, sendText } from '../http.js';
import { storeMessage } from '../messages.js';
import type { FakeSlackState } from '../state.js';
import type { FakeMessage } from '../types.js';
import { isObject, type Json, SlackApiError, str } from '../util.js';

const MIMETYPES: Record<string, string> = { md: 'text/markdown', json: 'application/json', txt: 'text/plain', csv: 'text/csv' };

function mimetypeOf(filename: string): string {
  const ext = filename.split('.').at(-1)?.toLowerCase() ?? '';
  return MIMETYPES[ext] ?? 'application/octet-stream';
}

export function getUploadURLExternal(s: FakeSlackState, a: Json): Json {
  const filename = str(a.filename);
  if (!filename) throw new SlackApiError('invalid_arguments', ['[ERROR] missing required field: filename']);
  const length = Number(str(a.length));
  if (str(a.length) === undefined || !Number.isInteger(length) || length < 0) {
    throw new SlackApiError('invalid_arguments', ['[ERROR] missing required field: length']);
  }
  if (length === 0) throw new SlackApiError('missing_argument');
  const id = `F0FAKE${String(++s.fileCounter).padStart(5, '0')}`;
  const ticket = randomBytes(12).toString('hex');
  s.fileMap.set(id, { id, filename, length, title: filename, completed: false });
  s.uploadTickets.set(ticket, id);
  return { ok: true, upload_url: `${s.baseUrl}/upload/v1/${ticket}`, file_id: id };
}

export function completeUploadExternal(s: FakeSlackState, a: Json): Json {
  const list = a.files;
  if (!Array.isArray(list) || list.length === 0 || !list.every((f) => isObject(f) && typeof f.id === 'string')) {
    throw new SlackApiError('invalid_arguments', ['[ERROR] missing required field: files']);
  }
  const wanted = list as Array<{ id: string; title?: unknown }>;
  const files = wanted.map((f) => {
    const file = s.fileMap.get(f.id);
    // Unknown, never uploaded, or completed already: Slack finds no upload to finish.
    if (!file || file.bytes === undefined || file.completed) throw new SlackApiError('file_not_found');
    return { file, title: typeof f.title === 'string' && f.title !== '' ? f.title : file.filename };
  });
  const channelRef = str(a.channel_id);
  const threadTs = str(a.thread_ts);
  if (threadTs && !channelRef) throw new SlackApiError('invalid_arguments', ['[ERROR] thread_ts needs channel_id']);
  const ch = channelRef ? resolveChannel(s, channelRef) : undefined;
  for (const { file, title } of files) {
    file.title = title;
    file.completed = true;
  }
  if (ch) {
    const listed: NonNullable<FakeMessage['files']> = files.map(({ file }) => ({
      id: file.id,
      name: file.filename,
      title: file.title,
      size: file.bytes!.length,
      mimetype: mimetypeOf(file.filename),
    }));
    const m = storeMessage(s, ch.id, str(a.initial_comment), undefined, threadTs);
    m.files = listed;
    for (const { file } of files) {
      file.channel = ch.id;
      if (threadTs) file.thread_ts = threadTs;
      file.message_ts = m.ts;
    }
  }
  // Without channel_id the files stay private: finished all the same.
  return { ok: true, files: files.map(({ file }) => ({ id: file.id, title: file.title })) };
}

/**
 * A POST to an upload URL (`/upload/v1/<ticket>`): the bytes, raw or the first file of a multipart form, are kept for
 * the file. Answers 200 `OK - <bytes>`; an unknown or used ticket 404, another method 405. Returns whether it stored.
 */
export async function receiveUpload(s: FakeSlackState, ticket: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const raw = await readBody(req);
  if (req.method !== 'POST') {
    sendText(res, 405, 'method_not_allowed');
    return false;
  }
  if (raw === undefined) {
    sendText(res, 413, 'request_too_large');
    return false;
  }
  const id = s.uploadTickets.get(ticket);
  const file = id ? s.fileMap.get(id) : undefined;
  if (!file) {
    sendText(res, 404, 'not_found');
    return false;
  }
  let bytes: Buffer = raw;
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
    const part = [...form.values()].find((v) => typeof v !== 'string');
    bytes = part && typeof part !== 'string' ? Buffer.from(await part.arrayBuffer()) : Buffer.alloc(0);
  }
  file.bytes = bytes;
  s.uploadTickets.delete(ticket);
  sendText(res, 200, `OK - ${bytes.length}`);
  return true;
}
