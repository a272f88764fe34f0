import { z } from 'zod';
import { abortedReply } from '../blocks/replies.js';
import { releaseSchema } from '../src/domain/names.js';
import { abortPromotion } from '../src/services/promotions.js';
import { plainFromEscaped } from './escaped-text.js';
import { defineSubcommand } from './subcommand.js';

/** A longer reason is cut to this many characters rather than refused. */
const MAX_REASON_LENGTH = 500;

/**
 * `/promote abort <release> <reason>`: the checklist shows who aborted it and why; the channel is told once, in
 * the checklist's thread and broadcast, and the person who aborted it gets a private confirmation.
 */
export const abort = defineSubcommand({
  name: 'abort',
  usage: '/promote abort <release> <reason>',
  example: '/promote abort v1.50 staging CI is red',
  summary: 'end one that will not go ahead (the channel is told why)',
  args: z
    .array(z.string())
    // A lone word is most likely a release whose reason was forgotten; with no words the usage line says it all.
    .min(2, { error: (issue) => (issue.input?.length === 1 ? 'Say why you abort it.' : undefined) })
    .pipe(z.tuple([releaseSchema], z.string()))
    // The reason is every word after the release; the words came split on whitespace, so this collapses it.
    // Mentions, channels and links come wrapped by Slack (should_escape): kept as they were typed.
    .transform(([release, ...reason]) => ({ release, reason: plainFromEscaped(reason.join(' ')).slice(0, MAX_REASON_LENGTH) })),
  async run(ctx, args) {
    // The notice is enqueued with the abort and sent through the outbox, once (src/slack/outbox.ts).
    const { promotion, overviewTs, notice, displayProblem } = await abortPromotion(ctx.deps, {
      channelId: ctx.channelId,
      release: args.release,
      userId: ctx.userId,
      reason: args.reason,
    });
    return abortedReply(promotion, overviewTs, notice, displayProblem);
  },
});
