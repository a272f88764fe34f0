import type { ItemState, MessageLinks, Promotion, PromotionStage, PromotionStatus, PromotionView } from '../domain/promotion.js';
import type { Template } from '../domain/template.js';
import { listApprovals } from './approvals.js';
import { lastAuditEvent } from './audit.js';
import { listDecisions } from './decisions.js';
import type { Queryable } from './db.js';
import { RecentMap } from './recent-map.js';
import { listMessages } from './messages.js';
import { itemProbes } from './probe-runs.js';
import { getRollback } from './rollbacks.js';
import { gateSummary, gatesOf } from './github-gates.js';

interface PromotionRow {
  id: string;
  release: string;
  template_id: string;
  /** Left out of the query when this process has it already (see `templates`). */
  template?: Template | string;
  channel_id: string;
  team_id: string | null;
  status: PromotionStatus;
  stage: PromotionStage;
  environment: string | null;
  requested_by: string;
  created_at: Date;
  ended_at: Date | null;
  ended_by: string | null;
  end_reason: string | null;
  version: number;
  window_start: Date | null;
  window_end: Date | null;
  t0: Date | null;
}

const COLUMNS_BUT_TEMPLATE =
  'id, release, template_id, channel_id, team_id, status, stage, environment, requested_by, created_at, ended_at, ended_by, end_reason, version, window_start, window_end, t0';
const COLUMNS = `${COLUMNS_BUT_TEMPLATE}, template`;

/**
 * The templates of the promotions this process read last, by promotion id. A promotion's template is written once, at
 * its start, and never changed, so `getPromotion` reads it from the database only the first time: it is the bulk of the
 * row (30 KB of JSON for the largest built-in one), and a click reads the row several times. Frozen, since every
 * reader shares the one object.
 */
const templates = new RecentMap<string, Template>(64);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function templateOf(r: PromotionRow, known?: Template): Template {
  if (r.template === undefined) {
    if (!known) throw new Error(`promotion ${r.id} was read without its template`);
    return known;
  }
  const template = deepFreeze(typeof r.template === 'string' ? (JSON.parse(r.template) as Template) : r.template);
  templates.set(r.id, template);
  return template;
}

function toPromotion(r: PromotionRow, known?: Template): Promotion {
  return {
    id: r.id,
    release: r.release,
    templateId: r.template_id,
    template: templateOf(r, known),
    channelId: r.channel_id,
    teamId: r.team_id,
    status: r.status,
    stage: r.stage,
    environment: r.environment,
    requestedBy: r.requested_by,
    createdAt: new Date(r.created_at),
    endedAt: r.ended_at ? new Date(r.ended_at) : null,
    endedBy: r.ended_by,
    endReason: r.end_reason,
    version: r.version,
    window: r.window_start && r.window_end && r.t0 ? { start: new Date(r.window_start), end: new Date(r.window_end), t0: new Date(r.t0) } : null,
  };
}

export interface NewPromotion {
  id: string;
  release: string;
  template: Template;
  channelId: string;
  teamId: string | null;
  requestedBy: string;
  createdAt: Date;
  /** The environment it deploys to and locks (the template's, or `--env`). */
  environment?: string | null;
}

/** Insert a promotion and a row per item. Returns false when the release already has an active promotion here. */
export async function insertPromotion(q: Queryable, p: NewPromotion, itemIds: readonly string[]): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO promotions (id, release, template_id, template, channel_id, team_id, status, requested_by, created_at, environment)
     VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9)
     ON CONFLICT (channel_id, release) WHERE status = 'active' DO NOTHING`,
    [p.id, p.release, p.template.id, JSON.stringify(p.template), p.channelId, p.teamId, p.requestedBy, p.createdAt, p.environment ?? null],
  );
  if (r.rowCount === 0) return false;
  await q.query(
    `INSERT INTO item_states (promotion_id, item_id, state)
     SELECT $1, item_id, 'open' FROM unnest($2::text[]) AS item_id`,
    [p.id, itemIds],
  );
  return true;
}

export async function getPromotion(q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<Promotion | undefined> {
  const known = templates.get(id);
  const r = await q.query<PromotionRow>(`SELECT ${known ? COLUMNS_BUT_TEMPLATE : COLUMNS} FROM promotions WHERE id = $1${opts.forUpdate ? ' FOR NO KEY UPDATE' : ''}`, [id]);
  return r.rows[0] && toPromotion(r.rows[0], known);
}

/**
 * What a render of the promotion's messages depends on, in one string: its version, which every change a message
 * shows bumps (see appendAudit), and the two things that change without it: the messages' ts (a post's links) and
 * the GitHub gates' send states. Equal marks, equal views (the publisher reuses a view while the mark holds).
 */
export async function renderMark(q: Queryable, id: string): Promise<string | undefined> {
  const r = await q.query<{ mark: string }>(
    `SELECT concat_ws('|', p.version,
       (SELECT string_agg(m.idx || '=' || coalesce(m.ts, ''), ',' ORDER BY m.idx) FROM promotion_messages m WHERE m.promotion_id = p.id),
       (SELECT string_agg(g.id || '=' || g.send_state, ',' ORDER BY g.id) FROM github_gates g WHERE g.promotion_id = p.id)) AS mark
     FROM promotions p WHERE p.id = $1`,
    [id],
  );
  return r.rows[0]?.mark;
}

export async function findActive(q: Queryable, channelId: string, release: string): Promise<Promotion | undefined> {
  const r = await q.query<PromotionRow>(
    `SELECT ${COLUMNS} FROM promotions WHERE channel_id = $1 AND release = $2 AND status = 'active'`,
    [channelId, release],
  );
  return r.rows[0] && toPromotion(r.rows[0]);
}

export async function listActive(q: Queryable, channelId: string): Promise<Promotion[]> {
  const r = await q.query<PromotionRow>(
    `SELECT ${COLUMNS} FROM promotions WHERE channel_id = $1 AND status = 'active' ORDER BY created_at`,
    [channelId],
  );
  return r.rows.map((row) => toPromotion(row));
}

/** End an active promotion. Returns false if it was not active (already ended by someone else). */
export async function endPromotion(
  q: Queryable,
  id: string,
  e: { status: Exclude<PromotionStatus, 'active'>; by: string; reason: string; at: Date },
): Promise<boolean> {
  const r = await q.query(
    `UPDATE promotions SET status = $2, ended_by = $3, end_reason = $4, ended_at = $5 WHERE id = $1 AND status = 'active'`,
    [id, e.status, e.by, e.reason, e.at],
  );
  return r.rowCount > 0;
}

/** Move a running promotion to another stage (GO, NO-GO, rolling back), under the caller's lock. */
export async function setStage(q: Queryable, id: string, stage: PromotionStage): Promise<void> {
  await q.query(`UPDATE promotions SET stage = $2 WHERE id = $1 AND status = 'active'`, [id, stage]);
}

interface ItemRow {
  item_id: string;
  state: ItemState['state'];
  value: string | null;
  note: string | null;
  by_user: string | null;
  at: Date | null;
  assignee: string | null;
}

/** The columns an ItemRow is read from. */
const ITEM_COLUMNS = 'item_id, state, value, note, by_user, at, assignee';

function toItemState(r: ItemRow): ItemState {
  return { itemId: r.item_id, state: r.state, value: r.value, note: r.note, by: r.by_user, at: r.at ? new Date(r.at) : null, assignee: r.assignee ?? null };
}

/** A promotion with every item's state, its latest audit event and where its messages are: what messages render. */
export async function loadView(q: Queryable, id: string): Promise<PromotionView | undefined> {
  const promotion = await getPromotion(q, id);
  if (!promotion) return undefined;
  const r = await q.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM item_states WHERE promotion_id = $1`, [id]);
  const [lastEvent, messages, approvals, decisions] = [await lastAuditEvent(q, id), await listMessages(q, id), await listApprovals(q, id), await listDecisions(q, id)];
  const sections = promotion.template.sections;
  const links: MessageLinks = {
    threadTs: messages.find((m) => m.idx === 0)?.ts ?? null,
    sectionTs: new Map(messages.flatMap((m) => (m.idx > 0 && m.ts ? m.sections.flatMap((i) => (sections[i] ? [[sections[i].id, m.ts!] as const] : [])) : []))),
  };
  const probes = await itemProbes(q, id);
  const rollback = promotion.stage === 'rolling-back' || promotion.status === 'rolled-back' ? await getRollback(q, id) : null;
  const gates = promotion.template.github ? (await gatesOf(q, id)).map((g) => ({ ...gateSummary(g), state: g.state, sent: g.sendState })) : undefined;
  return { promotion, states: new Map(r.rows.map((row) => [row.item_id, toItemState(row)])), lastEvent, links, approvals, decisions, probes, rollback, ...(gates ? { gates } : {}) };
}

/** The states of some items of a promotion (under the caller's lock when it is about to change them). */
export async function getItemStates(q: Queryable, promotionId: string, itemIds: readonly string[]): Promise<Map<string, ItemState>> {
  const r = await q.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM item_states WHERE promotion_id = $1 AND item_id = ANY($2::text[])`,
    [promotionId, itemIds],
  );
  return new Map(r.rows.map((row) => [row.item_id, toItemState(row)]));
}

export async function getItemState(q: Queryable, promotionId: string, itemId: string): Promise<ItemState | undefined> {
  const r = await q.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM item_states WHERE promotion_id = $1 AND item_id = $2`,
    [promotionId, itemId],
  );
  return r.rows[0] && toItemState(r.rows[0]);
}

/**
 * Move the given items from one state to another, only where they are in `from` now, so a delta applied
 * twice (or against a state someone else already changed) changes nothing. Returns the ids changed.
 */
export async function transitionItems(
  q: Queryable,
  promotionId: string,
  itemIds: readonly string[],
  from: ItemState['state'],
  to: ItemState['state'],
  by: string,
  at: Date,
): Promise<string[]> {
  if (itemIds.length === 0) return [];
  const r = await q.query<{ item_id: string }>(
    `UPDATE item_states SET state = $4, by_user = $5, at = $6
     WHERE promotion_id = $1 AND item_id = ANY($2::text[]) AND state = $3
     RETURNING item_id`,
    [promotionId, itemIds, from, to, by, at],
  );
  return r.rows.map((row) => row.item_id).sort();
}

/**
 * Write an item's whole state (fields, choices, not-applicable), under the caller's promotion lock. The assignee is
 * not part of it: it stays as it is (`setAssignee` changes it).
 */
export async function writeItemState(q: Queryable, promotionId: string, s: Omit<ItemState, 'assignee'>): Promise<void> {
  await q.query(
    'UPDATE item_states SET state = $3, value = $4, note = $5, by_user = $6, at = $7 WHERE promotion_id = $1 AND item_id = $2',
    [promotionId, s.itemId, s.state, s.value, s.note, s.by, s.at],
  );
}

/** Record that an interaction was applied. False means it was applied before: skip it. */
export async function claimReceipt(q: Queryable, key: string, promotionId: string, at: Date): Promise<boolean> {
  const r = await q.query('INSERT INTO interaction_receipts (key, promotion_id, at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING', [
    key,
    promotionId,
    at,
  ]);
  return r.rowCount > 0;
}

/** Receipts claimed for this promotion at this time (`claimReceipts`, and a batch's take of stored clicks). */
export interface ReceiptClaim {
  promotionId: string;
  at: Date;
}

/** `claimReceipt` for many keys in one statement: the keys claimed now (those not claimed before). */
export async function claimReceipts(q: Queryable, keys: readonly string[], promotionId: string, at: Date): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const r = await q.query<{ key: string }>(
    `INSERT INTO interaction_receipts (key, promotion_id, at) SELECT DISTINCT k, $2::uuid, $3::timestamptz FROM unnest($1::text[]) AS k
     ON CONFLICT (key) DO NOTHING RETURNING key`,
    [keys, promotionId, at],
  );
  return new Set(r.rows.map((row) => row.key));
}

/** Forget receipts older than any redelivery (Slack retries within minutes). Returns how many were removed. */
export async function pruneReceipts(q: Queryable, olderThan: Date): Promise<number> {
  const r = await q.query('DELETE FROM interaction_receipts WHERE at < $1', [olderThan]);
  return r.rowCount;
}

/** The active promotions of a workspace, oldest first (App Home). */
export async function listActiveInTeam(q: Queryable, teamId: string | null, limit: number): Promise<Promotion[]> {
  const r = await q.query<PromotionRow>(
    `SELECT ${COLUMNS} FROM promotions WHERE coalesce(team_id, '') = $1 AND status = 'active' ORDER BY created_at LIMIT $2`,
    [teamId ?? '', limit],
  );
  return r.rows.map((row) => toPromotion(row));
}

/** The promotions of a workspace that ended since `since`, latest first (App Home's recent decisions). */
export async function listEndedInTeam(q: Queryable, teamId: string | null, since: Date, limit: number): Promise<Promotion[]> {
  const r = await q.query<PromotionRow>(
    `SELECT ${COLUMNS} FROM promotions WHERE coalesce(team_id, '') = $1 AND status <> 'active' AND ended_at >= $2 ORDER BY ended_at DESC LIMIT $3`,
    [teamId ?? '', since, limit],
  );
  return r.rows.map((row) => toPromotion(row));
}
