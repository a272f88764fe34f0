import { z } from 'zod';
import type { Queryable } from './db.js';
import type { ReceiptClaim } from './promotions.js';

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
  clicked_on_owner: string | null;
  claimed: boolean;
}

/**
 * A stored click taken to be applied: deleted from the intake by the transaction that applies it (undone with it),
 * with what that transaction needs to know of it, read in the same statement.
 */
export type TakenClick = PendingClick & {
  /** The promotion owning the message the click was made on (`payload.on`), null when none does (a stray copy). */
  clickedOnOwner: string | null;
  /** Whether its receipt was claimed now (false: it was applied before, a redelivery); undefined when not asked to claim. */
  claimed: boolean | undefined;
};

/**
 * Take clicks out of the intake (`which` picks them, as a condition on `click_intake`) in one statement: delete them,
 * claim their receipts when asked, and read who owns the message each was made on. One round trip instead of four:
 * a quiet checklist applies its clicks one batch each, so what a batch costs is what each click costs.
 * In Slack's order as numbers; received_at and the key only break ties, so that every replica reads the same order.
 */
async function take(q: Queryable, which: string, params: unknown[], claim: ReceiptClaim | undefined): Promise<TakenClick[]> {
  const n = params.length;
  const r = await q.query<Row>(
    `WITH taken AS (
       DELETE FROM click_intake WHERE ${which}
       RETURNING receipt_key, promotion_id, user_id, action_ts, payload, received_at
     ), claimed AS (
       INSERT INTO interaction_receipts (key, promotion_id, at)
       SELECT receipt_key, $${n + 1}::uuid, $${n + 2}::timestamptz FROM taken WHERE $${n + 1}::uuid IS NOT NULL
       ON CONFLICT (key) DO NOTHING RETURNING key
     )
     SELECT t.receipt_key, t.promotion_id, t.user_id, t.action_ts::text AS action_ts, t.payload, t.received_at,
            m.promotion_id AS clicked_on_owner, c.key IS NOT NULL AS claimed
     FROM taken t
     LEFT JOIN promotion_messages m ON m.channel_id = t.payload->'on'->>'channel' AND m.ts = t.payload->'on'->>'ts'
     LEFT JOIN claimed c ON c.key = t.receipt_key
     ORDER BY t.action_ts, t.received_at, t.receipt_key`,
    [...params, claim?.promotionId ?? null, claim?.at ?? null],
  );
  return r.rows.map((row) => ({
    receiptKey: row.receipt_key,
    promotionId: row.promotion_id,
    userId: row.user_id,
    actionTs: row.action_ts,
    payload: typeof row.payload === 'string' ? (JSON.parse(row.payload) as unknown) : row.payload,
    receivedAt: new Date(row.received_at),
    clickedOnOwner: row.clicked_on_owner,
    claimed: claim ? row.claimed : undefined,
  }));
}

/** Take these stored clicks of a promotion, those still there (under the caller's promotion lock). */
export function takeClicks(q: Queryable, promotionId: string, receiptKeys: readonly string[], claim?: ReceiptClaim): Promise<TakenClick[]> {
  return take(q, 'promotion_id = $1 AND receipt_key = ANY($2::text[])', [promotionId, receiptKeys], claim);
}

/** Take a promotion's clicks stored before `before`, the first `limit` in Slack's order (under the caller's promotion lock). */
export function takeClicksStoredBefore(q: Queryable, promotionId: string, before: Date, limit: number, claim?: ReceiptClaim): Promise<TakenClick[]> {
  return take(
    q,
    `receipt_key IN (SELECT receipt_key FROM click_intake WHERE promotion_id = $1 AND received_at < $2
                     ORDER BY action_ts, received_at, receipt_key LIMIT $3)`,
    [promotionId, before, limit],
    claim,
  );
}

/** The promotions that have clicks stored before `before`: left by a process that stopped before applying them. */
export async function promotionsWithClicksBefore(q: Queryable, before: Date, limit: number): Promise<string[]> {
  const r = await q.query<{ promotion_id: string }>(
    `SELECT promotion_id FROM click_intake WHERE received_at < $1 GROUP BY promotion_id ORDER BY min(received_at) LIMIT $2`,
    [before, limit],
  );
  return r.rows.map((row) => row.promotion_id);
}

/** Remove stored clicks (one stored too late to be acknowledged in time is taken back). */
export async function removeClicks(q: Queryable, receiptKeys: readonly string[]): Promise<void> {
  if (receiptKeys.length === 0) return;
  await q.query('DELETE FROM click_intake WHERE receipt_key = ANY($1::text[])', [receiptKeys]);
}
