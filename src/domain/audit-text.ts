import type { AuditAction, AuditData, AuditEvent } from './audit-events.js';

/** How the one-line text names an item; by default its id (the report passes the template's labels). */
export interface DescribeOptions {
  itemLabel?: (itemId: string) => string;
}

export type AuditRenderers = { [A in AuditAction]: (data: AuditData<A>, item: (id: string) => string) => string };

const quoted = (v: string | null) => (v === null ? 'nothing' : `"${v}"`);
const list = (ids: string[], item: (id: string) => string) => ids.map(item).join(', ');

/**
 * One renderer per event kind. The mapped type makes this exhaustive: a kind added to AUDIT_EVENTS without a
 * line here does not compile.
 */
const RENDER: AuditRenderers = {
  'promotion.started': (d) => `started promotion ${d.release} from template ${d.template} in channel ${d.channel}`,
  'promotion.aborted': (d) => `aborted the promotion: ${d.reason}`,
  'items.toggled': (d, item) =>
    [d.ticked.length > 0 ? `ticked ${list(d.ticked, item)}` : '', d.unticked.length > 0 ? `unticked ${list(d.unticked, item)}` : '']
      .filter(Boolean)
      .join('; ') || 'clicked without changing anything',
  'item.chosen': (d, item) => `chose "${d.after}" for ${item(d.item)}${d.before?.value ? ` (was "${d.before.value}")` : ''}`,
  'field.set': (d, item) => `set ${item(d.item)} to ${quoted(d.after)}${d.before === null ? '' : ` (was ${quoted(d.before)})`}`,
  'field.cleared': (d, item) => `cleared ${item(d.item)} (was ${quoted(d.before)})`,
  'item.not_applicable': (d, item) => `marked ${item(d.item)} not applicable: ${d.reason}`,
  'item.applicable': (d, item) => `made ${item(d.item)} applicable again`,
};

/** An event as one line of plain text: "<actor> <what they did>". */
export function describeEvent(actor: string, event: AuditEvent, opts: DescribeOptions = {}): string {
  const item = opts.itemLabel ?? ((id: string) => id);
  const render = RENDER[event.action] as (data: AuditEvent['data'], item: (id: string) => string) => string;
  return `${actor} ${render(event.data, item)}`;
}
