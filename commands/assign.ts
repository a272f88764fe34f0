import { z } from 'zod';
import { assignedReply } from '../blocks/assign.js';
import { USER_ID_PATTERN } from '../src/domain/assignees.js';
import { releaseSchema, SLUG_PATTERN } from '../src/domain/names.js';
import { UserError } from '../src/errors.js';
import { assignByRelease, UnknownItem } from '../src/services/assign.js';
import { usageLine } from './registry.js';
import { defineSubcommand } from './subcommand.js';

const ITEM_RULE = 'Name the item by its id in the template: lower-case letters, digits and dashes, e.g. `backup-verified`.';

/** The words that unassign an item. */
const NOBODY = new Set(['nobody', 'none', 'no-one', 'noone', '-']);

/**
 * Who, as the command's text carries them. manifest.yml has `should_escape: true` for /promote, so a person picked
 * from Slack's suggestions arrives as `<@U123|name>` (or `<@U123>`); a name Slack did not recognise stays `@name`,
 * text with no id, and is refused with what to do (an app installed with an older manifest, escaping off, sends
 * every name that way).
 */
export function parseAssignee(text: string): { ok: true; assignee: string | null } | { ok: false; message: string } {
  const word = text.trim();
  if (NOBODY.has(word.toLowerCase())) return { ok: true, assignee: null };
  const m = /^<@([A-Z0-9]+)(?:\|[^>]*)?>$/.exec(word);
  if (m && USER_ID_PATTERN.test(m[1]!)) return { ok: true, assignee: m[1]! };
  if (word.startsWith('@') || word.startsWith('&lt;@')) {
    return {
      ok: false,
      message:
        'Slack sent that name as plain text, not as a person: pick them from the suggestions Slack shows as you type @, or use the Assign… button under the section on the checklist.',
    };
  }
  return { ok: false, message: 'Say who: mention one person (type @ and pick them), or `nobody` to unassign.' };
}

/**
 * `/promote assign <release> <item> <@person|nobody>`: assign an item of a running promotion to someone, reassign or
 * unassign it, as the section's Assign… button does. The item is named by its id in the template. The answer (only
 * to the asker) says what was done.
 */
export const assign = defineSubcommand({
  name: 'assign',
  usage: '/promote assign <release> <item> <@person|nobody>',
  example: '/promote assign v1.50 backup-verified @alice',
  summary: 'say who does an item (it shows on the checklist and on their Home), or `nobody`',
  args: z
    .array(z.string())
    .min(3)
    // A display name may hold spaces: everything after the item is the person.
    .transform(([release, item, ...who]) => ({ release: release!, item: item!, who: who.join(' ') }))
    .pipe(z.object({ release: releaseSchema, item: z.string().regex(SLUG_PATTERN, ITEM_RULE), who: z.string() }))
    .transform((a, ctx) => {
      const parsed = parseAssignee(a.who);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.message });
        return z.NEVER;
      }
      return { release: a.release, item: a.item, assignee: parsed.assignee };
    }),
  async run(ctx, args) {
    try {
      const r = await assignByRelease(ctx.deps, { channelId: ctx.channelId, release: args.release, itemId: args.item, assignee: args.assignee, userId: ctx.userId });
      return assignedReply({ ...r, after: args.assignee });
    } catch (err) {
      if (err instanceof UnknownItem) throw new UserError(`${err.message}\nUsage: ${usageLine(assign)}`, err.code);
      throw err;
    }
  },
});
