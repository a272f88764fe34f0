import type { Promotion, PromotionWindow } from '../domain/promotion.js';
import type { Queryable } from '../store/db.js';
import { enqueueStatuspageCall, type StatuspageOp, type StatuspagePayload } from '../store/statuspage.js';
import type { Deps } from './deps.js';

/**
 * The status page kept in step with a promotion (issue 12), as the use cases ask for it: a call enqueued inside the
 * change that causes it (`scope.q`), so it exists exactly when the change does, then sent exactly once, in order, by
 * src/statuspage/sender.ts. Nothing is enqueued when the template names no `statuspage` page or STATUSPAGE_API_KEY is
 * not set (`deps.statuspage.enabled`): the template's status-page items then stay manual.
 *
 * After the change commits, call `deps.statuspage?.kick()` to send it now (the `send-statuspage` job sends it within
 * a few seconds otherwise).
 */

/** What a change hands the helpers: its transaction, the promotion (locked), and the time. A ChangeScope fits. */
export interface StatuspageScope {
  q: Queryable;
  promotion: Promotion;
  now: Date;
}

/** The key of one call: `ref` tells apart calls of one op for one promotion (the schedule's number, the update's). */
export function statuspageKey(promotionId: string, op: StatuspageOp, ref: string | number): string {
  return `statuspage:${promotionId}:${op}:${ref}`;
}

/** Whether this promotion's status page is kept by the bot: a page in the template and the key set. */
export function statuspageEnabled(deps: Pick<Deps, 'statuspage'>, promotion: Promotion): boolean {
  return Boolean(deps.statuspage?.enabled && promotion.template.statuspage?.page_id);
}

/**
 * Enqueue one call (inside the change), keyed `statuspage:<promotion>:<op>:<ref>` (a second enqueue of the key does
 * nothing). The template's components are added when the payload names none. Returns the key, or null when the
 * status page is not the bot's to keep (no page in the template, or no key configured): nothing was enqueued.
 */
export async function enqueueStatuspage(
  deps: Pick<Deps, 'statuspage'>,
  scope: StatuspageScope,
  op: StatuspageOp,
  payload: StatuspagePayload,
  ref: string | number = 1,
): Promise<string | null> {
  const { q, promotion, now } = scope;
  const spec = promotion.template.statuspage;
  if (!spec || !deps.statuspage?.enabled) return null;
  const key = statuspageKey(promotion.id, op, ref);
  const components = payload.component_ids ?? (spec.components.length > 0 ? spec.components : undefined);
  await enqueueStatuspageCall(q, { key, promotionId: promotion.id, pageId: spec.page_id, op, payload: { ...payload, ...(components ? { component_ids: components } : {}) } }, now);
  return key;
}

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The template's maintenance name and body, `{release}`, `{start}` and `{end}` filled in. */
export function maintenanceText(promotion: Promotion, window: PromotionWindow): { name: string; body: string } {
  const spec = promotion.template.statuspage?.maintenance;
  const fill = (text: string) => text.replaceAll('{release}', promotion.release).replaceAll('{start}', utc(window.start)).replaceAll('{end}', utc(window.end));
  return {
    name: fill(spec?.name ?? 'Scheduled maintenance: {release}').slice(0, 255),
    body: fill(spec?.body ?? 'We are deploying {release} between {start} and {end}. Some services may be briefly unavailable.'),
  };
}

/**
 * The window was scheduled (`previous` null) or moved: create the scheduled maintenance, or move the one created
 * before (the same incident, PATCHed). Call inside the schedule's change with its number (`schedule_seq`).
 */
export function enqueueMaintenanceWindow(
  deps: Pick<Deps, 'statuspage'>,
  scope: StatuspageScope,
  window: PromotionWindow,
  opts: { seq: number; moved: boolean },
): Promise<string | null> {
  const { name, body } = maintenanceText(scope.promotion, window);
  const payload: StatuspagePayload = { name, body, status: 'scheduled', scheduled_for: window.start.toISOString(), scheduled_until: window.end.toISOString() };
  return enqueueStatuspage(deps, scope, opts.moved ? 'maintenance-move' : 'maintenance-schedule', payload, opts.seq);
}

/** The maintenance is over (the promotion completed): completed on the status page, with `body` as its last update. */
export function enqueueMaintenanceComplete(deps: Pick<Deps, 'statuspage'>, scope: StatuspageScope, body = 'The maintenance is complete.'): Promise<string | null> {
  return enqueueStatuspage(deps, scope, 'maintenance-complete', { status: 'completed', body });
}

/** A realtime incident's statuses before it is resolved. */
export type IncidentStatus = 'investigating' | 'identified' | 'monitoring';

/**
 * Hooks for the rollback (issue 12): open the promotion's incident when a rollback starts, post its updates, resolve
 * it when the rollback completes. Each is called inside the rollback's change (`scope` is its ChangeScope), and
 * `deps.statuspage?.kick()` after the commit. They are sent in this order, whatever the timing: an update is never
 * sent before the open (one opened after a refused open creates the incident), and a resolve with no incident open
 * does nothing.
 */
export function openStatuspageIncident(
  deps: Pick<Deps, 'statuspage'>,
  scope: StatuspageScope,
  incident: { name: string; body: string; status?: IncidentStatus },
): Promise<string | null> {
  return enqueueStatuspage(deps, scope, 'incident-open', { name: incident.name.slice(0, 255), body: incident.body, status: incident.status ?? 'identified' });
}

/** A rollback update (`number`: the update's number, 1, 2...: one call each). */
export function updateStatuspageIncident(
  deps: Pick<Deps, 'statuspage'>,
  scope: StatuspageScope,
  update: { number: number; body: string; status?: IncidentStatus; name?: string },
): Promise<string | null> {
  return enqueueStatuspage(
    deps,
    scope,
    'incident-update',
    { body: update.body, status: update.status ?? 'monitoring', name: (update.name ?? `Rollback of ${scope.promotion.release}`).slice(0, 255) },
    update.number,
  );
}

/** The rollback is complete: the incident resolved, `body` its last update. */
export function resolveStatuspageIncident(deps: Pick<Deps, 'statuspage'>, scope: StatuspageScope, resolution: { body: string }): Promise<string | null> {
  return enqueueStatuspage(deps, scope, 'incident-resolve', { status: 'resolved', body: resolution.body });
}
