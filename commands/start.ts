import { z } from 'zod';
import { templateChoiceReply } from '../blocks/replies.js';
import { code } from '../src/domain/mrkdwn.js';
import { releaseSchema, SLUG_PATTERN } from '../src/domain/names.js';
import { startPromotion, TemplateRequired } from '../src/services/promotions.js';
import { defineSubcommand } from './subcommand.js';

// A template's id is a slug; the message points at where the ids are listed rather than at the slug rule.
const templateId = z.string().regex(SLUG_PATTERN, 'A template name is lower-case letters, digits and dashes; `/promote templates` lists them.');

/** The one flag: `--env <name>` (or `--env=<name>`), the environment to deploy to and lock instead of the template's. */
const ENV_FLAG = '--env';
const ENV_RULE = 'An environment is lower-case letters, digits and dashes, e.g. `--env staging`.';
// '' stands for "no --env" in the tuple below, so that the words keep their count for the usage answer.
const environment = z.string().refine((env) => env === '' || SLUG_PATTERN.test(env), ENV_RULE);

/**
 * The words with `--env <name>` taken out, the environment first ('' without the flag): the release and template
 * keep their places, and a wrong number of them is still a wrong word count, answered with the usage line. A flag
 * other than `--env`, `--env` without a name or given twice is refused with a word of its own.
 */
function takeEnvFlag(words: string[], ctx: z.RefinementCtx<string[]>): [string, string, string?] {
  const rest: string[] = [];
  let env: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('--')) {
      rest.push(word);
      continue;
    }
    const [flag, inline] = word.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag.toLowerCase() !== ENV_FLAG) {
      ctx.addIssue({ code: 'custom', message: `The only option is ${code('--env <name>')}.` });
      return z.NEVER;
    }
    const value = inline ?? words[++i];
    if (!value) {
      ctx.addIssue({ code: 'custom', message: 'Say which environment after `--env`, e.g. `--env staging`.' });
      return z.NEVER;
    }
    if (env !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'Give `--env` once.' });
      return z.NEVER;
    }
    env = value;
  }
  // The tuple below counts the words: fewer or more than it takes is answered with the usage line.
  return [env ?? '', ...rest] as [string, string, string?];
}

/**
 * `/promote start <release> [template] [--env <name>]`: the checklist itself appears in the channel, so nothing is
 * replied. Without a template when there are several, the answer is a button per template (src/listeners/actions/
 * start-with-template.ts), so the help's own example works as typed. `--env` names the environment it deploys to
 * (and locks) instead of the template's: a second start for a locked environment is refused, saying which
 * promotion holds it and where.
 */
export const start = defineSubcommand({
  name: 'start',
  usage: '/promote start <release> [template] [--env <name>]',
  example: '/promote start v1.50',
  summary: 'start a promotion, e.g. `/promote start v1.50` (`--env staging` deploys to another environment than the template\'s)',
  args: z
    .array(z.string())
    .transform(takeEnvFlag)
    .pipe(z.tuple([environment, releaseSchema, templateId.optional()]))
    .transform(([env, release, template]): { release: string; template?: string; environment?: string } => ({
      release,
      ...(template === undefined ? {} : { template }),
      ...(env === '' ? {} : { environment: env }),
    })),
  async run(ctx, args) {
    try {
      await startPromotion(ctx.deps, {
        release: args.release,
        templateId: args.template,
        channelId: ctx.channelId,
        teamId: ctx.teamId,
        userId: ctx.userId,
        ...(args.environment ? { environment: args.environment } : {}),
      });
    } catch (err) {
      // A question, not a refusal: which template. Every other refusal is answered as usual.
      if (err instanceof TemplateRequired) return templateChoiceReply(err.release, err.templates);
      throw err;
    }
    return undefined;
  },
});
