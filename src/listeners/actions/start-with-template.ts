import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { startingReply } from '../../../blocks/replies.js';
import { code } from '../../domain/mrkdwn.js';
import { RELEASE_PATTERN } from '../../domain/names.js';
import { BadPayload, UserError } from '../../errors.js';
import { parseTemplateChoiceValue } from '../../ids.js';
import { startPromotion } from '../../services/promotions.js';
import { answerByResponseUrl } from '../../slack/reply.js';
import type { RequestContext } from '../context.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<RequestContext>;

/**
 * A click on the template choice, a private answer: who clicked, where, and the button. There is no promotion
 * yet, so this is not a `resolveClick` listener; the start below checks everything `/promote start` checks.
 */
const choiceClick = z.object({
  user: z.object({ id: z.string() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional() }).optional(),
  team: z.object({ id: z.string() }).nullable().optional(),
  response_url: z.string().url().optional(),
  actions: z.array(z.object({ value: z.string() })).length(1),
});

/**
 * "Start" next to a template under "Which checklist?": starts the promotion as the person who clicked, in the
 * channel the question was asked in, exactly as `/promote start <release> <template>` would. The question is
 * replaced by "Starting…" first, so a second click is unlikely; one that comes anyway is refused by the start
 * (the release is already active) and answered like any refusal.
 */
export async function onStartWithTemplate({ ack, body, context }: Args): Promise<void> {
  await ack();
  const parsed = choiceClick.safeParse(body);
  if (!parsed.success) throw new BadPayload('template button');
  const click = parsed.data;
  const choice = parseTemplateChoiceValue(click.actions[0]!.value);
  const channelId = click.channel?.id ?? click.container?.channel_id;
  // The release was checked when the question was asked: one that is no release is not a button of ours.
  if (!choice || !channelId || !RELEASE_PATTERN.test(choice.release)) throw new BadPayload('template button');
  const template = context.deps.templates.get(choice.templateId);
  // The templates are read at start: after a restart with other files, the button may name one that is gone.
  if (!template) throw new UserError(`The template ${code(choice.templateId)} is no longer configured. \`/promote templates\` lists the current ones.`, 'unknown_template');
  if (click.response_url) {
    await answerByResponseUrl(click.response_url, startingReply(choice.release, template), { replaceOriginal: true }).catch((err: unknown) => {
      // Only the question stays visible; starting matters more.
      context.log.warn({ err }, 'could not replace the template choice');
    });
  }
  await startPromotion(context.deps, {
    release: choice.release,
    templateId: choice.templateId,
    channelId,
    teamId: click.team?.id ?? null,
    userId: click.user.id,
  });
}
