import { z } from 'zod';
import { templateChoiceReply } from '../blocks/replies.js';
import { releaseSchema, SLUG_PATTERN } from '../src/domain/names.js';
import { startPromotion, TemplateRequired } from '../src/services/promotions.js';
import { defineSubcommand } from './subcommand.js';

// A template's id is a slug; the message points at where the ids are listed rather than at the slug rule.
const templateId = z.string().regex(SLUG_PATTERN, 'A template name is lower-case letters, digits and dashes; `/promote templates` lists them.');

/**
 * `/promote start <release> [template]`: the checklist itself appears in the channel, so nothing is replied.
 * Without a template when there are several, the answer is a button per template (src/listeners/actions/
 * start-with-template.ts), so the help's own example works as typed.
 */
export const start = defineSubcommand({
  name: 'start',
  usage: '/promote start <release> [template]',
  example: '/promote start v1.50',
  summary: 'start a promotion, e.g. `/promote start v1.50`',
  args: z
    .tuple([releaseSchema, templateId.optional()])
    .transform(([release, template]): { release: string; template?: string } => (template === undefined ? { release } : { release, template })),
  async run(ctx, args) {
    try {
      await startPromotion(ctx.deps, {
        release: args.release,
        templateId: args.template,
        channelId: ctx.channelId,
        teamId: ctx.teamId,
        userId: ctx.userId,
      });
    } catch (err) {
      // A question, not a refusal: which template. Every other refusal is answered as usual.
      if (err instanceof TemplateRequired) return templateChoiceReply(err.release, err.templates);
      throw err;
    }
    return undefined;
  },
});
