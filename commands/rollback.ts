import { z } from 'zod';
import { rollbackModal } from '../blocks/rollback-modals.js';
import { releaseSchema } from '../src/domain/names.js';
import { UserError } from '../src/errors.js';
import { rollbackTarget } from '../src/services/rollback.js';
import { plainFromEscaped } from './escaped-text.js';
import { defineSubcommand } from './subcommand.js';

/**
 * `/promote rollback <release> [what went wrong]`: opens the rollback form, prefilled from the template's communication
 * and with the words typed as the issue, as the overview's Roll back… does. Who may, and whether there is a deployment
 * to roll back, is answered before the form opens.
 */
export const rollback = defineSubcommand({
  name: 'rollback',
  usage: '/promote rollback <release> [what went wrong]',
  example: '/promote rollback v1.50 error rate over 5% for 5 minutes',
  summary: 'start a rollback: the form prefilled from the template, then the broadcast to every channel',
  args: z.tuple([releaseSchema], z.string()).transform(([release, ...words]) => ({ release, issue: words.join(' ') })),
  async run(ctx, args) {
    const promotion = await rollbackTarget(ctx.deps, { channelId: ctx.channelId, release: args.release, userId: ctx.userId });
    if (!ctx.openModal) throw new UserError('The rollback form opens from Slack; use the Roll back… button on the checklist.', 'no_trigger');
    await ctx.openModal(
      rollbackModal({ promotionId: promotion.id, release: promotion.release, channelId: promotion.channelId, template: promotion.template, issue: plainFromEscaped(args.issue) }),
    );
    return undefined;
  },
});
