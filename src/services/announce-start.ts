import type { OutboxMessage } from '../domain/message-kinds.js';
import type { Promotion } from '../domain/promotion.js';
import { overviewTs } from '../store/messages.js';
import type { ChangeScope } from './change.js';
import type { Queryable } from '../store/db.js';
import { enqueue } from '../store/outbox.js';
import { getPromotion } from '../store/promotions.js';

/**
 * Issue 12: stakeholder channels are told when a promotion starts, once, with a link to its checklist.
 *
 * The link is the overview's ts, which the start's transaction does not know yet: the overview is posted after it
 * commits. So the announcement is enqueued in the transaction that records the overview's first post (the publisher's
 * `onOverviewPosted` hook, wired in src/app.ts), whoever posts it: the start's own refresh, or the repair sweep after
 * a restart or a Slack failure between the start and the post. The key (`started:<promotion>:<channel>`) makes it
 * one post however often the overview's post is recorded, and a redelivered start is refused before anything
 * (the release is already active), so it announces nothing more.
 */

/** The outbox key of the start's announcement in one stakeholder channel. */
export function startedKey(promotionId: string, channel: string): string {
  return `started:${promotionId}:${channel}`;
}

/** The channels a promotion's announcements go to besides its own: the template's `announce.channels`. */
export function stakeholderChannels(promotion: Pick<Promotion, 'channelId' | 'template'>): string[] {
  return [...new Set(promotion.template.announce?.channels ?? [])].filter((c) => c !== promotion.channelId);
}

/**
 * Announce in the promotion's own channel (a reply in the checklist's thread, shown in the channel; in the channel when
 * no checklist was posted) and once in each stakeholder channel, keyed `<key>:<channel>`, each sent after the change
 * commits. GO, NO-GO, completion and the window's scheduling say what they say this way.
 */
export async function announceEverywhere(scope: ChangeScope, key: string, message: OutboxMessage): Promise<void> {
  const { q, promotion, now } = scope;
  const thread = await overviewTs(q, promotion.id);
  for (const channel of [promotion.channelId, ...stakeholderChannels(promotion)]) {
    const here = channel === promotion.channelId && thread ? { threadTs: thread, broadcast: true } : {};
    await enqueue(q, { key: `${key}:${channel}`, promotionId: promotion.id, channelId: channel, message, ...here }, now);
    scope.sendAfterCommit(`${key}:${channel}`);
  }
}

/**
 * Enqueue the start's announcement in each stakeholder channel, in the caller's transaction (the one recording the
 * overview's post at `overviewTs`). Nothing for a promotion that has ended meanwhile. Returns the keys, to send.
 */
export async function announceStart(q: Queryable, promotionId: string, overviewTs: string, now: Date): Promise<string[]> {
  const promotion = await getPromotion(q, promotionId);
  if (!promotion || promotion.status !== 'active') return [];
  const keys: string[] = [];
  for (const channel of stakeholderChannels(promotion)) {
    const key = startedKey(promotion.id, channel);
    await enqueue(
      q,
      {
        key,
        promotionId: promotion.id,
        channelId: channel,
        message: {
          kind: 'promotion-started',
          release: promotion.release,
          templateName: promotion.template.name,
          by: promotion.requestedBy,
          environment: promotion.environment,
          checklist: { channel: promotion.channelId, ts: overviewTs },
        },
      },
      now,
    );
    keys.push(key);
  }
  return keys;
}
