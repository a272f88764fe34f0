import { randomUUID } from 'node:crypto';
import { DatabaseUnavailable, UserError, newErrorId } from '../errors.js';
import { RELEASE_PATTERN, RELEASE_RULE } from '../domain/names.js';
import { type Promotion, type PromotionView } from '../domain/promotion.js';
import { allItems, type Template } from '../domain/template.js';
import { code, escLiteral, mention, messageLink } from '../domain/mrkdwn.js';
import { appendAudit } from '../store/audit.js';
import { isDatabaseUnreachable, type Queryable } from '../store/db.js';
import { takeLock, type EnvironmentLock } from '../store/locks.js';
import { enqueue } from '../store/outbox.js';
import { insertMessages, isStale, overviewTs } from '../store/messages.js';
import { endPromotion, findActive, getPromotion, insertPromotion, listActive, loadView } from '../store/promotions.js';
import { cancelReminders } from './reminders.js';
import { enqueueMaintenanceComplete } from './statuspage.js';
import { commitChange, sendPosts } from './change.js';
import { stakeholderChannels, startedKey } from './announce-start.js';
import { releaseEnvironment } from './decisions.js';
import { CannotPost, type Deps, type PostOutcome } from './deps.js';
import { showChange } from './show.js';
import { answerGates } from './github-gate.js';

/** The actor of changes the bot makes itself, in the audit trail. */
export const SYSTEM_ACTOR = 'preflight';

/**
 * `/promote start <release>` without a template when there are several: not a mistake but a question, which
 * the command answers with one button per template (the message is the fallback wherever buttons cannot go).
 */
export class TemplateRequired extends UserError {
  constructor(
    readonly release: string,
    readonly templates: readonly Template[],
  ) {
    const list = templates.map((t) => `• \`${t.id}\`: ${escLiteral(t.name)}`).join('\n');
    super(`Which checklist? Run ${code(`/promote start ${release} <template>`)} with one of:\n${list}`, 'template_required');
    this.name = 'TemplateRequired';
  }
}

export function chooseTemplate(templates: ReadonlyMap<string, Template>, requested: string | undefined, release: string): Template {
  if (requested) {
    const t = templates.get(requested);
    if (!t) {
      throw new UserError(
        `There is no template \`${requested}\`. Templates: ${[...templates.keys()].map((k) => `\`${k}\``).join(', ')}.`,
        'unknown_template',
      );
    }
    return t;
  }
  if (templates.size === 1) return [...templates.values()][0]!;
  throw new TemplateRequired(release, [...templates.values()]);
}

export interface StartInput {
  release: string;
  templateId?: string;
  channelId: string;
  teamId: string | null;
  userId: string;
  /** `--env`: the environment to deploy to and lock, instead of the template's. */
  environment?: string;
}

/** The environment a start would lock is held by another promotion: which, and where. */
async function environmentLocked(q: Queryable, environment: string, held: EnvironmentLock): Promise<UserError> {
  const ts = await overviewTs(q, held.promotionId);
  const where = ts ? `<${messageLink(held.channelId, ts)}|its checklist>` : `<#${held.channelId}>`;
  return new UserError(
    `${code(environment)} is locked by the promotion of ${escLiteral(held.release)} (${where}), in progress since ${held.lockedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. One promotion at a time per environment: finish or abort that one first, or start with ${code('--env <another>')} if this one deploys elsewhere.`,
    'environment_locked',
  );
}

async function alreadyActive(deps: Deps, existing: Promotion): Promise<UserError> {
  // If its messages fell behind (Slack failed while it started), asking again is a good moment to catch up.
  if (await isStale(deps.db, existing.id, deps.clock())) {
    await deps.slack.refresh(existing.id).catch((err: unknown) => {
      // The answer below still holds; the repair sweep keeps trying.
      deps.log.warn({ err, promotionId: existing.id }, 'checklist still behind after a second start');
    });
  }
  const ts = await overviewTs(deps.db, existing.id);
  const where = ts ? `: <${messageLink(existing.channelId, ts)}|open its checklist>` : '';
  return new UserError(
    `${existing.release} already has an active promotion in this channel, started by ${mention(existing.requestedBy)}${where}. Finish or abort it (${code(`/promote abort ${existing.release} <reason>`)}) before starting another.`,
    'already_active',
  );
}

export async function startPromotion(deps: Deps, input: StartInput): Promise<Promotion> {
  if (!RELEASE_PATTERN.test(input.release)) {
    throw new UserError(RELEASE_RULE, 'bad_release');
  }
  const existing = await findActive(deps.db, input.channelId, input.release);
  if (existing) throw await alreadyActive(deps, existing);
  const template = chooseTemplate(deps.templates, input.templateId, input.release);
  const id = randomUUID();
  const now = deps.clock();
  const plan = deps.slack.layout(template);
  const environment = input.environment ?? template.environment ?? null;
  const started = await deps.db.tx(async (q) => {
    const inserted = await insertPromotion(
      q,
      { id, release: input.release, template, channelId: input.channelId, teamId: input.teamId, requestedBy: input.userId, createdAt: now, environment },
      allItems(template).map((i) => i.id),
    );
    if (!inserted) return false;
    if (environment) {
      // Two starts for one environment at once: one takes the lock, the other waits for it and is refused here,
      // its promotion rolled back with this transaction.
      const held = await takeLock(q, { teamId: input.teamId, environment, promotionId: id, at: now });
      if (held) throw await environmentLocked(q, environment, held);
    }
    await insertMessages(q, id, input.channelId, plan);
    await appendAudit(q, {
      promotionId: id,
      actor: input.userId,
      action: 'promotion.started',
      data: { release: input.release, template: template.id, channel: input.channelId },
      at: now,
    });
    if (environment) await appendAudit(q, { promotionId: id, actor: input.userId, action: 'lock.taken', data: { environment }, at: now });
    return true;
  });
  if (!started) {
    // Someone started the same release between our check and our insert.
    const winner = await findActive(deps.db, input.channelId, input.release);
    throw winner ? await alreadyActive(deps, winner) : new UserError('Could not start the promotion; please try again.');
  }
  try {
    await deps.slack.refresh(id);
  } catch (err) {
    const overviewPosted = (await overviewTs(deps.db, id)) !== null;
    if (err instanceof CannotPost && !overviewPosted) {
      const slackCode = err.slackCode;
      // If someone ended it meanwhile there is nothing left to abort; the person still needs the invitation.
      await abortById(deps, id, SYSTEM_ACTOR, `could not post in the channel (${slackCode})`).catch((abortErr: unknown) => {
        if (!(abortErr instanceof UserError) || abortErr instanceof DatabaseUnavailable) throw abortErr;
      });
      throw new UserError(
        'I cannot post in this channel. Invite me first (`/invite @Preflight`), then run the command again.',
        'cannot_post',
      );
    }
    // The promotion is started; what Slack did not take yet, the repair sweep posts.
    const errorId = newErrorId();
    deps.log.error({ err: (err as Error).cause ?? err, errorId, promotionId: id }, 'promotion started, but not all of its messages could be posted');
    const what = overviewPosted ? 'part of its checklist' : 'its checklist';
    throw new UserError(
      `Promotion ${input.release} started, but ${what} could not be posted just now (error id \`${errorId}\`). It is posted by itself shortly; no need to start it again.`,
      'display_behind',
    );
  }
  // The overview is posted: its post enqueued the announcements in the stakeholder channels (./announce-start.ts),
  // sent now; whatever Slack does not take now, the outbox's sweep sends.
  await sendPosts(deps, stakeholderChannels({ channelId: input.channelId, template }).map((c) => startedKey(id, c)));
  deps.slack.homesChanged?.(id);
  return (await getPromotion(deps.db, id))!;
}

/** The outbox key of a promotion's abort notice: one notice per promotion, however the abort is retried. */
export function abortNoticeKey(promotionId: string): string {
  return `abort-notice:${promotionId}`;
}

/**
 * End the promotion as aborted. With `notice`, the notice to the channel is enqueued in the same transaction (in the
 * checklist's thread and broadcast, or in the channel when no checklist was posted), so it exists exactly when the
 * abort does and is posted once (src/slack/outbox.ts).
 */
function abortById(
  deps: Deps,
  id: string,
  userId: string,
  reason: string,
  opts: { refuseEnded?: () => Error; notice?: boolean } = {},
): Promise<{ changed: boolean }> {
  return commitChange(deps, { promotionId: id, actor: userId, refuseEnded: opts.refuseEnded }, async (scope) => {
    const { q, promotion, now } = scope;
    await endPromotion(q, id, { status: 'aborted', by: userId, reason, at: now });
    await releaseEnvironment(q, promotion, userId, 'aborted', now);
    await cancelReminders(scope, userId, 'the promotion was aborted');
    await answerGates(deps, scope, { kind: 'reject', why: `${promotion.release} was aborted: ${reason}` }, userId);
    // A scheduled maintenance on the status page ends with the promotion (nothing when there is none).
    await enqueueMaintenanceComplete(deps, scope, 'The maintenance was cancelled.');
    if (opts.notice) {
      const thread = await overviewTs(q, id);
      await enqueue(
        q,
        {
          key: abortNoticeKey(id),
          promotionId: id,
          channelId: promotion.channelId,
          message: { kind: 'abort-notice', release: promotion.release, templateName: promotion.template.name, abortedBy: userId, reason },
          ...(thread ? { threadTs: thread, broadcast: true } : {}),
        },
        now,
      );
    }
    return { action: 'promotion.aborted', data: { reason } };
  });
}

/**
 * What an abort did: the promotion as it ended, where its checklist is, and whether the notice to the channel is
 * posted. Only the request that ended it gets one (any other is refused: "has already ended").
 */
export interface AbortResult {
  promotion: Promotion;
  overviewTs: string | null;
  /** The notice in the channel: posted, still to be posted (by the outbox's sweep, once), or refused by Slack for good. */
  notice: PostOutcome;
  /** Why the checklist does not show the abort yet (Slack or the database failed after it was saved), if so. */
  displayProblem?: string;
}

export async function abortPromotion(
  deps: Deps,
  input: { channelId: string; release: string; userId: string; reason: string },
): Promise<AbortResult> {
  const promotion = await findActive(deps.db, input.channelId, input.release);
  if (!promotion) throw noActive(input.release);
  // Someone may end it between the look-up and the lock.
  const alreadyEnded = () => new UserError(`Promotion ${input.release} has already ended.`, 'not_active');
  await abortById(deps, promotion.id, input.userId, input.reason, { refuseEnded: alreadyEnded, notice: true });
  // The abort and its notice are saved: the notice is sent now (waiting for the channel's budget if a start just
  // posted there), and if Slack fails, the outbox's sweep sends it, once. The checklist is updated even if the
  // notice could not be sent; the person is told about either part that is missing.
  const notice = await deps.slack.send(abortNoticeKey(promotion.id)).catch((err: unknown): PostOutcome => {
    if (err instanceof DatabaseUnavailable || isDatabaseUnreachable(err)) {
      deps.log.warn({ err, promotionId: promotion.id }, 'abort saved, but the database stopped answering before its notice was sent');
      return 'pending';
    }
    throw err;
  });
  deps.slack.homesChanged?.(promotion.id);
  let displayProblem: string | undefined;
  await showChange(deps, promotion.id).catch((err: unknown) => {
    if (!(err instanceof UserError)) throw err;
    displayProblem = err.message;
  });
  const ended = (await getPromotion(deps.db, promotion.id))!;
  return { promotion: ended, overviewTs: await overviewTs(deps.db, promotion.id), notice, ...(displayProblem ? { displayProblem } : {}) };
}

function noActive(release: string): UserError {
  return new UserError(`There is no active promotion of ${release} in this channel. \`/promote list\` shows the active ones.`, 'not_found');
}

export type ActivePromotion = { view: PromotionView; overviewTs: string | null };

export async function activePromotions(deps: Deps, channelId: string): Promise<ActivePromotion[]> {
  const active = await listActive(deps.db, channelId);
  return Promise.all(
    active.map(async (p) => ({ view: (await loadView(deps.db, p.id))!, overviewTs: await overviewTs(deps.db, p.id) })),
  );
}

/** What `/promote status [release]` is about: the named promotion, or every active one here (at least one). */
export async function promotionsForStatus(deps: Deps, channelId: string, release: string | undefined): Promise<ActivePromotion[]> {
  const active = await activePromotions(deps, channelId);
  if (release) {
    const match = active.find((a) => a.view.promotion.release === release);
    if (!match) throw noActive(release);
    return [match];
  }
  if (active.length === 0) {
    throw new UserError(`No promotion is active in this channel. Start one with ${code('/promote start <release>')}.`, 'none_active');
  }
  return active;
}
