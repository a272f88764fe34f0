import { templatesReply } from '../blocks/replies.js';
import { defineSubcommand, nothingAfter } from './subcommand.js';

/** `/promote templates`: the checklists that can be started. */
export const templates = defineSubcommand({
  name: 'templates',
  usage: '/promote templates',
  note: 'it takes nothing after it',
  summary: 'the checklists you can start',
  args: nothingAfter,
  async run(ctx) {
    return templatesReply(ctx.deps.templates.values());
  },
});
