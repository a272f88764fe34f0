import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { UploadFile, UploadOutcome, UploadRefusal } from '../services/deps.js';
import { slackErrorCode } from './publisher.js';
import { RateBudget, type RateTimer } from './rate-budget.js';

/**
 * File uploads behind the port (`SlackPort.uploadFiles`): Slack's current flow, since `files.upload` is retired.
 * For each file `files.getUploadURLExternal` (filename, length) answers an `upload_url` and a `file_id`; the bytes are
 * POSTed to that URL (raw, outside the Web API: no token); then one `files.completeUploadExternal` names every file
 * (`files: [{ id, title }]`) with `channel_id` and `thread_ts`, which shares them in the thread as one message. Both
 * methods are Tier 4; uploads are rare (a report now and then), so they get a small budget of their own, per process.
 * Slack's error codes stay here: the use case gets an `UploadRefusal`.
 */

/** files.getUploadURLExternal and files.completeUploadExternal calls: ours, well under Slack's Tier 4 (100+ a minute). */
export const FILE_UPLOADS = Object.freeze({ perMinute: 20, burst: 3 });
/** How often one call is tried again after a 429 before the upload is given up. */
const RATE_LIMITED_TRIES = 5;
/** How long the bytes may take to reach the upload URL. */
const UPLOAD_TIMEOUT_MS = 30_000;

/** The app may not upload: no `files:write` scope, the wrong kind of token, revoked or refused access. */
const NOT_ALLOWED = new Set([
  'missing_scope',
  'not_allowed_token_type',
  'no_permission',
  'access_denied',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'team_access_not_granted',
  'ekm_access_denied',
]);
/** The bot cannot share into that channel. */
const NOT_IN_CHANNEL = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'invalid_channel']);
/** The workspace (an admin's setting) does not allow it. */
const DISABLED = new Set([
  'file_uploads_disabled',
  'file_uploads_except_images_disabled',
  'file_type_not_allowed',
  'file_upload_size_restricted',
  'storage_limit_reached',
  'posting_to_general_channel_denied',
  'restricted_action',
]);

export function refusalOf(code: string | undefined): UploadRefusal {
  if (code === undefined) return 'failed';
  if (NOT_ALLOWED.has(code)) return 'not-allowed';
  if (NOT_IN_CHANNEL.has(code)) return 'not-in-channel';
  if (DISABLED.has(code)) return 'uploads-disabled';
  return 'failed';
}

class UploadFailed extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

function retryAfterOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; retryAfter?: unknown } | null;
  if (e?.code !== ErrorCode.RateLimitedError) return undefined;
  return typeof e.retryAfter === 'number' && e.retryAfter > 0 ? e.retryAfter : 1;
}

export class FileUploader {
  private readonly budget: RateBudget;

  constructor(
    /** `rejectRateLimitedCalls`, so that a 429 reaches the budget here. */
    private readonly client: WebClient,
    timer: () => RateTimer,
    private readonly log: Logger,
  ) {
    this.budget = new RateBudget(FILE_UPLOADS, timer);
  }

  async upload(input: { channelId: string; threadTs: string; files: readonly UploadFile[] }): Promise<UploadOutcome> {
    if (input.files.length === 0) return { ok: true, fileIds: [] };
    try {
      const uploaded: Array<{ id: string; title: string }> = [];
      for (const file of input.files) {
        const bytes = Buffer.from(file.content, 'utf8');
        const ticket = await this.call(() => this.client.files.getUploadURLExternal({ filename: file.filename, length: bytes.length }));
        if (!ticket.upload_url || !ticket.file_id) throw new UploadFailed('files.getUploadURLExternal answered no upload URL');
        const res = await fetch(ticket.upload_url, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream' },
          body: new Uint8Array(bytes),
          signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status !== 200) throw new UploadFailed(`the upload URL answered HTTP ${res.status}`);
        uploaded.push({ id: ticket.file_id, title: file.title });
      }
      const [first, ...rest] = uploaded;
      await this.call(() => this.client.files.completeUploadExternal({ files: [first!, ...rest], channel_id: input.channelId, thread_ts: input.threadTs }));
      return { ok: true, fileIds: uploaded.map((f) => f.id) };
    } catch (err) {
      if (err instanceof UploadFailed) {
        this.log.warn({ channelId: input.channelId, detail: err.detail }, 'file upload failed');
        return { ok: false, why: 'failed', detail: err.detail };
      }
      const code = slackErrorCode(err);
      const why = refusalOf(code);
      this.log.warn({ err, channelId: input.channelId, code }, 'Slack did not take a file upload');
      return { ok: false, why, detail: code ?? (err instanceof Error ? err.message : String(err)) };
    }
  }

  /** One Web API call on the budget; a 429 pauses the budget for its Retry-After and the call is made again. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      await this.budget.take();
      try {
        return await fn();
      } catch (err) {
        const retryAfter = retryAfterOf(err);
        if (retryAfter === undefined) throw err;
        if (tries >= RATE_LIMITED_TRIES) throw new UploadFailed(`Slack kept answering 429 (rate limited) ${tries} times`);
        this.budget.pauseFor(retryAfter * 1000);
      }
    }
  }
}
