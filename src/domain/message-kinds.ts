import { z } from 'zod';

/**
 * Every kind of one-off post the bot makes through the outbox (src/store/outbox.ts), with the data it is rendered
 * from: a zod-checked discriminated union on `kind`. A use case enqueues `{ kind, ...data }`; src/slack/message-kinds.ts
 * maps each kind to its renderer in blocks/ and renders it when the row is sent, so services never see Block Kit.
 *
 * The data is all a renderer gets: a snapshot taken inside the change that causes the post (the abort's release,
 * who, why), not ids to read again at send time. A row can wait in the outbox across a deploy, so never change a
 * kind's shape in a way the rows already written would fail: add a kind, or an optional key.
 */

/** A promotion was aborted: said once, in its checklist's thread and broadcast to the channel. */
const abortNotice = z
  .object({
    kind: z.literal('abort-notice'),
    release: z.string().min(1),
    templateName: z.string(),
    /** Who aborted it (a user id, or the bot's own name for an abort it made itself); null when unknown. */
    abortedBy: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .strict();

/** Every kind: one member per kind (and one renderer per kind in src/slack/message-kinds.ts, or the build fails). */
export const OUTBOX_MESSAGE = z.discriminatedUnion('kind', [abortNotice]);

/** One post: its kind and that kind's data, e.g. `{ kind: 'abort-notice', release: 'v1.50', ... }`. */
export type OutboxMessage = z.infer<typeof OUTBOX_MESSAGE>;
export type MessageKind = OutboxMessage['kind'];
/** The post of one kind. */
export type MessageOf<K extends MessageKind> = Extract<OutboxMessage, { kind: K }>;

/** A post as stored (or about to be), checked against its kind's schema; throws naming what is wrong. */
export function parseOutboxMessage(message: unknown): OutboxMessage {
  const parsed = OUTBOX_MESSAGE.safeParse(message);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const kind = (message as { kind?: unknown } | null)?.kind;
    throw new Error(`outbox message ${typeof kind === 'string' ? kind : '(no kind)'}: ${issue.path.join('.') || '(data)'}: ${issue.message}`);
  }
  return parsed.data;
}
