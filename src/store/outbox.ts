import { parseOutboxMessage, type OutboxMessage } from '../domain/message-kinds.js';
import type { Queryable } from './db.js';

/**
 * The outbox of one-off Slack posts (migrations 005, 006). A row holds a kind of message and its data
 * (src/domain/message-kinds.ts), rendered when it is sent; rows written before migration 006 hold text and blocks. Claims are timed by the database's clock, like render leases
 * (./render-leases.ts): a claim is mutual exclusion across replicas, and the database is the one clock they share.
 * `created_at` is the injected clock's (the sender compares it with Slack's message ts when it looks for a post).
 */

/** What to post, and the key that makes it one post however often it is enqueued. */
export interface OutboxPost {
  key: string;
  promotionId?: string | null;
  channelId: string;
  threadTs?: string | null;
  /**
   * The key of another post of this channel to reply to, when its ts is not known yet (it may still be waiting to be
   * posted): the sender threads this one under it once it is posted, and holds this one back until then.
   */
  threadOf?: string | null;
  broadcast?: boolean;
  /** What to say, as a kind and its data: rendered when sent (src/slack/message-kinds.ts). */
  message: OutboxMessage;
}

/**
 * What a row posts: a kind of message and its data; text and blocks rendered when it was enqueued (a row written
 * before migration 006); or data this version cannot read (a kind a newer version wrote, say), with why.
 */
export type OutboxContent =
  | { type: 'message'; message: OutboxMessage }
  | { type: 'rendered'; text: string; blocks: unknown[] | null }
  | { type: 'unreadable'; kind: string | null; error: string };

export type OutboxState = 'pending' | 'claimed' | 'posted' | 'failed';

export interface OutboxRow {
  key: string;
  promotionId: string | null;
  channelId: string;
  threadTs: string | null;
  threadOf: string | null;
  broadcast: boolean;
  content: OutboxContent;
  eventType: string;
  state: OutboxState;
  attempts: number;
  postedTs: string | null;
  lastError: string | null;
  createdAt: Date;
}

/** A claimed row; `inDoubt` when an earlier claim ended without a known outcome (it may have been posted). */
export interface ClaimedRow extends OutboxRow {
  inDoubt: boolean;
  /** When the earlier claim lapsed (database clock): the post, if it happened, was before this. */
  lastClaimUntil: Date | null;
}

interface Row {
  key: string;
  promotion_id: string | null;
  channel_id: string;
  thread_ts: string | null;
  thread_of: string | null;
  reply_broadcast: boolean;
  kind: string | null;
  data: Record<string, unknown> | null;
  text: string | null;
  blocks: unknown[] | null;
  event_type: string;
  state: OutboxState;
  attempts: number;
  posted_ts: string | null;
  last_error: string | null;
  created_at: Date | string;
}

function contentOf(r: Row): OutboxContent {
  if (r.kind === null) return { type: 'rendered', text: r.text ?? '', blocks: r.blocks };
  try {
    return { type: 'message', message: parseOutboxMessage({ ...r.data, kind: r.kind }) };
  } catch (err) {
    return { type: 'unreadable', kind: r.kind, error: (err as Error).message };
  }
}

function toRow(r: Row): OutboxRow {
  return {
    key: r.key,
    promotionId: r.promotion_id,
    channelId: r.channel_id,
    threadTs: r.thread_ts,
    threadOf: r.thread_of,
    broadcast: r.reply_broadcast,
    content: contentOf(r),
    eventType: r.event_type,
    state: r.state,
    attempts: r.attempts,
    postedTs: r.posted_ts,
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
  };
}

const COLUMNS = `key, promotion_id, channel_id, thread_ts, thread_of, reply_broadcast, kind, data, text, blocks, event_type, state, attempts, posted_ts, last_error, created_at`;

/**
 * Enqueue a post, inside the caller's transaction, so that it exists exactly when the change that causes it does. A
 * second enqueue of the same key does nothing (and says so: false). The message is checked against its kind's schema
 * first: a post of the wrong shape throws, and the change with it.
 */
export async function enqueue(q: Queryable, post: OutboxPost, now: Date): Promise<boolean> {
  const { kind, ...data } = parseOutboxMessage(post.message);
  const r = await q.query(
    `INSERT INTO slack_outbox (key, promotion_id, channel_id, thread_ts, thread_of, reply_broadcast, kind, data, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
     ON CONFLICT (key) DO NOTHING RETURNING key`,
    [post.key, post.promotionId ?? null, post.channelId, post.threadTs ?? null, post.threadOf ?? null, post.broadcast ?? false, kind, JSON.stringify(data), now],
  );
  return r.rows.length > 0;
}

export async function getOutboxRow(q: Queryable, key: string): Promise<OutboxRow | undefined> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM slack_outbox WHERE key = $1`, [key]);
  return r.rows[0] && toRow(r.rows[0]);
}

/**
 * Claim up to `limit` due rows (or the one row `key`, if due) for `owner` for `claimMs` by the database's clock: rows
 * pending whose backoff is over, and rows still claimed whose claim lapsed (their holder died, or did not learn
 * whether Slack took the post). One statement, rows another replica is claiming skipped, so two replicas never
 * claim one row at once.
 */
export async function claimDue(q: Queryable, owner: string, claimMs: number, opts: { key?: string; limit?: number } = {}): Promise<ClaimedRow[]> {
  const r = await q.query<Row & { was: OutboxState; was_until: Date | string | null }>(
    `WITH due AS (
       SELECT key, state AS was, claimed_until AS was_until FROM slack_outbox
       WHERE ((state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= clock_timestamp()))
              OR (state = 'claimed' AND claimed_until <= clock_timestamp()))
         AND ($3::text IS NULL OR key = $3)
       ORDER BY created_at
       LIMIT $4
       FOR UPDATE SKIP LOCKED)
     UPDATE slack_outbox o
     SET state = 'claimed', claimed_by = $1, claimed_until = clock_timestamp() + $2::double precision * interval '1 millisecond',
         attempts = o.attempts + 1
     FROM due WHERE o.key = due.key
     RETURNING ${COLUMNS.split(', ').map((c) => `o.${c}`).join(', ')}, due.was, due.was_until`,
    [owner, claimMs, opts.key ?? null, opts.limit ?? 10],
  );
  return r.rows.map((row) => ({
    ...toRow(row),
    inDoubt: row.was === 'claimed',
    lastClaimUntil: row.was_until ? new Date(row.was_until) : null,
  }));
}

/** Extend `owner`'s claim (before a call that may post); false when it lapsed and someone else took the row. */
export async function renewClaim(q: Queryable, key: string, owner: string, claimMs: number): Promise<boolean> {
  const r = await q.query(
    `UPDATE slack_outbox SET claimed_until = clock_timestamp() + $3::double precision * interval '1 millisecond'
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed' RETURNING key`,
    [key, owner, claimMs],
  );
  return r.rows.length > 0;
}

/** The post is in Slack with this ts. A post is a fact: recorded whoever holds the claim now. */
export async function markPosted(q: Queryable, key: string, ts: string): Promise<void> {
  await q.query(
    `UPDATE slack_outbox SET state = 'posted', posted_ts = $2, claimed_until = NULL, last_error = NULL, next_attempt_at = NULL
     WHERE key = $1 AND state <> 'posted'`,
    [key, ts],
  );
}

/**
 * Slack refused the post (nothing was posted): `failed` for good, or pending again after a backoff (by the database's
 * clock, doubling per attempt up to 5 minutes). A 429 is not an attempt: pending at once, the attempt given back.
 */
export async function markRefused(q: Queryable, key: string, owner: string, e: { error: string; terminal: boolean; rateLimited?: boolean }): Promise<void> {
  await q.query(
    `UPDATE slack_outbox
     SET state = CASE WHEN $4 THEN 'failed' ELSE 'pending' END,
         attempts = CASE WHEN $5 THEN GREATEST(attempts - 1, 0) ELSE attempts END,
         next_attempt_at = CASE WHEN $5 THEN NULL
           ELSE clock_timestamp() + LEAST(300, power(2, LEAST(attempts, 9)))::double precision * interval '1 second' END,
         claimed_until = NULL, last_error = $3
     WHERE key = $1 AND claimed_by = $2 AND state = 'claimed'`,
    [key, owner, e.error, e.terminal, e.rateLimited ?? false],
  );
}

/**
 * Nobody knows whether Slack took the post (its answer never came): the row stays claimed, its claim lapsed now, so
 * the next claim finds it in doubt and looks for the message before posting it again.
 */
export async function markInDoubt(q: Queryable, key: string, owner: string, error: string): Promise<void> {
  await q.query(
    `UPDATE slack_outbox SET claimed_until = clock_timestamp(), last_error = $3 WHERE key = $1 AND claimed_by = $2 AND state = 'claimed'`,
    [key, owner, error],
  );
}

/** Thread a row under the ts its `thread_of` post got, before it is posted (a lookup of it then reads that thread). */
export async function setThread(q: Queryable, key: string, threadTs: string): Promise<void> {
  await q.query('UPDATE slack_outbox SET thread_ts = $2 WHERE key = $1 AND thread_ts IS NULL', [key, threadTs]);
}
