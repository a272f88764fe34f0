import { z } from 'zod';
import { abortedReply, abortNotice } from '../blocks/replies.js';
import { releaseSchema } from '../src/domain/names.js';
import { abortPromotion } from '../src/services/promotions.js';
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
    .transform(([release, ...reason]) => ({ release, reason: reason.join(' ').slice(0, MAX_REASON_LENGTH) })),
  async run(ctx, args) {
    const { promotion, overviewTs, displayProblem } = await abortPromotion(ctx.deps, {
      channelId: ctx.channelId,
      release: args.release,
      userId: ctx.userId,
      reason: args.reason,
    });
    // Only the request that ended it gets here (any other is refused), so the notice is posted at most once.
    try {
      // Without a posted checklist there is no thread: the notice goes in the channel itself.
      await ctx.post({ ...abortNotice(promotion), ...(overviewTs ? { threadTs: overviewTs, broadcast: true } : {}) });
    } catch (err) {
      // The abort stands and the checklist shows it; the person is told the notice is missing.
      ctx.deps.log.warn({ err, promotionId: promotion.id }, 'could not post the abort notice');
      return abortedReply(promotion, overviewTs, 'failed', displayProblem);
    }
    return abortedReply(promotion, overviewTs, 'posted', displayProblem);
  },
});
