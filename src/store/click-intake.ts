import { z } from 'zod';
import type { Queryable } from './db.js';

/**
 * The message a click was made on: checked when the click is applied (a stray copy of the checklist never updates,
 * so a change made there would be invisible). Absent in clicks stored by versions that checked before storing.
 */
const CLICKED_ON = z.object({ channel: z.string(), ts: z.string() }).optional();

/** What a stored click does: a checkbox click's delta, or one option chosen. */
export const CLICK_PAYLOAD = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('toggle'), ticked: z.array(z.string()), unticked: z.array(z.string()), on: CLICKED_ON }),
  z.object({ kind: z.literal('choose'), item: z.string(), option: z.string(), on: CLICKED_ON }),
]);
export type ClickPayload = z.infer<typeof CLICK_PAYLOAD>;

/** A click as stored on arrival, before it is applied. */
export interface StoredClick {
  receiptKey: string;
  promotionId: string;
  userId: string;
  /** Slack's action_ts, "seconds.micros", as sent. */
  actionTs: string;
  payload: ClickPayload;
  receivedAt: Date;
}

/** A stored click read back: its payload is unknown until checked (another version of the bot may have written it). */
export type PendingClick = Omit<StoredClick, 'payload'> & { payload: unknown };

/**
 * Store a click: one INSERT, no lock that a change holds (the reference to the promotion takes a KEY SHARE lock,
 * which a change's FOR NO KEY UPDATE does not block). False when this receipt key is stored already (a redelivery).
 */
export async function storeClick(q: Queryable, c: StoredClick): Promise<boolean> {
  return (await storeClicks(q, [c])).has(c.receiptKey);
}

/**
 * Store many clicks with one INSERT (the intake's group insert: one statement and one connection for every click
 * that arrived while the previous insert ran). Returns the receipt keys stored now; a key missing from it was stored
 * already (a redelivery), or names a promotion that does not exist (a forged or malformed block id: not stored, and
 * its foreign key does not fail the other clicks of the INSERT). A key given twice is stored once.
 */
export async function storeClicks(q: Queryable, clicks: readonly StoredClick[]): Promise<Set<string>> {
  if (clicks.length === 0) return new Set();
  const r = await q.query<{ receipt_key: string }>(
    `INSERT INTO click_intake (receipt_key, promotion_id, user_id, action_ts, payload, received_at)
     SELECT c.* FROM unnest($1::text[], $2::uuid[], $3::text[], $4::numeric[], $5::jsonb[], $6::timestamptz[])
       AS c (receipt_key, promotion_id, user_id, action_ts, payload, received_at)
     WHERE EXISTS (SELECT 1 FROM promotions p WHERE p.id = c.promotion_id)
     ON CONFLICT (receipt_key) DO NOTHING
     RETURNING receipt_key`,
    [
      clicks.map((c) => c.receiptKey),
      clicks.map((c) => c.promotionId),
      clicks.map((c) => c.userId),
      clicks.map((c) => c.actionTs),
      clicks.map((c) => JSON.stringify(c.payload)),
      clicks.map((c) => c.receivedAt),
    ],
  );
  return new Set(r.rows.map((row) => row.receipt_key));
}

interface Row {
  receipt_key: string;
  promotion_id: string;
  user_id: string;
  action_ts: string;
  payload: unknown;
  received_at: Date;
}

const COLUMNS = 'receipt_key, promotion_id, user_id, action_ts::text AS action_ts, payload, received_at';
/**
 * Slack's order, as numbers; received_at and the key only break ties, so that every replica reads the same order.
 * (Qualified: unqualified, `action_ts` would name the text column of the select list, and sort as text.)
 */
const ORDER = 'ORDER BY click_intake.action_ts, click_intake.received_at, click_intake.receipt_key';

function toPending(r: Row): PendingClick {
  return {
    receiptKey: r.receipt_key,
    promotionId: r.promotion_id,
    userId: r.user_id,
    actionTs: r.action_ts,
    payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as unknown) : r.payload,
    receivedAt: new Date(r.received_at),
  };
}

/** These stored clicks of a promotion that are still there, in Slack's order (under the caller's promotion lock). */
export async function pendingClicks(q: Queryable, promotionId: string, receiptKeys: readonly string[]): Promise<PendingClick[]> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM click_intake WHERE promotion_id = $1 AND receipt_key = ANY($2::text[]) ${ORDER}`, [
    promotionId,
    receiptKeys,
  ]);
  return r.rows.map(toPending);
}

/** A promotion's clicks stored before `before`, in Slack's order, at most `limit` (under the caller's promotion lock). */
export async function clicksStoredBefore(q: Queryable, promotionId: string, before: Date, limit: number): Promise<PendingClick[]> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM click_intake WHERE promotion_id = $1 AND received_at < $2 ${ORDER} LIMIT $3`, [
    promotionId,
    before,
    limit,
  ]);
  return r.rows.map(toPending);
}

/** The promotions that have clicks stored before `before`: left by a process that stopped before applying them. */
export async function promotionsWithClicksBefore(q: Queryable, before: Date, limit: number): Promise<string[]> {
  const r = await q.query<{ promotion_id: string }>(
    `SELECT promotion_id FROM click_intake WHERE received_at < $1 GROUP BY promotion_id ORDER BY min(received_at) LIMIT $2`,
    [before, limit],
  );
  return r.rows.map((row) => row.promotion_id);
}

/** Remove clicks that were applied (or refused), in the transaction that applied them. */
export async function removeClicks(q: Queryable, receiptKeys: readonly string[]): Promise<void> {
  if (receiptKeys.length === 0) return;
  await q.query('DELETE FROM click_intake WHERE receipt_key = ANY($1::text[])', [receiptKeys]);
}
