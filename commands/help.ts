import { USAGE } from './parse.js';
import type { CommandResult } from './context.js';

export async function help(): Promise<CommandResult> {
  return { text: USAGE, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: USAGE } }] };
}
