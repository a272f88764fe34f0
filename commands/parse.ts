import { z } from 'zod';
import { RELEASE_PATTERN } from '../src/domain/names.js';

export const USAGE = [
  '*Preflight* runs a promotion as a live checklist in this channel.',
  '`/promote start <release> [template]` start a promotion, e.g. `/promote start v1.50`',
  '`/promote status [release]` show its progress (only to you)',
  '`/promote list` the active promotions in this channel',
  '`/promote abort <release> <reason>` end one that will not go ahead',
  '`/promote templates` the checklists you can start',
  '`/promote help` this help',
].join('\n');

const release = z.string().regex(RELEASE_PATTERN, 'A release is letters, digits and . _ - / + (at most 64), e.g. `v1.50`.');
const templateId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'A template name is lower-case letters, digits and dashes; `/promote templates` lists them.');

export type PromoteCommand =
  | { sub: 'help' }
  | { sub: 'start'; release: string; template?: string }
  | { sub: 'status'; release?: string }
  | { sub: 'list' }
  | { sub: 'abort'; release: string; reason: string }
  | { sub: 'templates' };

export type ParseResult = { ok: true; command: PromoteCommand } | { ok: false; message: string };

function usageOf(line: string, problem?: string): ParseResult {
  return { ok: false, message: `${problem ? `${problem}\n` : ''}Usage: ${line}` };
}

/** Parse the text after `/promote`. Every wrong input gets a short usage line naming what was wrong. */
export function parsePromote(text: string): ParseResult {
  const [rawSub, ...args] = text.trim().split(/\s+/).filter(Boolean);
  const sub = rawSub?.toLowerCase();
  switch (sub) {
    case undefined:
    case 'help':
      return { ok: true, command: { sub: 'help' } };
    case 'start': {
      const line = '`/promote start <release> [template]`, e.g. `/promote start v1.50`';
      if (args.length < 1 || args.length > 2) return usageOf(line);
      const r = release.safeParse(args[0]);
      if (!r.success) return usageOf(line, r.error.issues[0]!.message);
      if (args[1] === undefined) return { ok: true, command: { sub: 'start', release: r.data } };
      const t = templateId.safeParse(args[1]);
      if (!t.success) return usageOf(line, t.error.issues[0]!.message);
      return { ok: true, command: { sub: 'start', release: r.data, template: t.data } };
    }
    case 'status': {
      const line = '`/promote status [release]`';
      if (args.length > 1) return usageOf(line);
      if (args[0] === undefined) return { ok: true, command: { sub: 'status' } };
      const r = release.safeParse(args[0]);
      return r.success ? { ok: true, command: { sub: 'status', release: r.data } } : usageOf(line, r.error.issues[0]!.message);
    }
    case 'list':
    case 'templates':
      return args.length === 0 ? { ok: true, command: { sub } } : usageOf(`\`/promote ${sub}\` (it takes nothing after it)`);
    case 'abort': {
      const line = '`/promote abort <release> <reason>`, e.g. `/promote abort v1.50 staging CI is red`';
      if (args.length < 2) return usageOf(line, args.length === 1 ? 'Say why you abort it.' : undefined);
      const r = release.safeParse(args[0]);
      if (!r.success) return usageOf(line, r.error.issues[0]!.message);
      const reason = text.trim().split(/\s+/).slice(2).join(' ').slice(0, 500);
      return { ok: true, command: { sub: 'abort', release: r.data, reason } };
    }
    default:
      return { ok: false, message: `I don't know \`${rawSub!.replace(/[`<>&*_~]/g, '').slice(0, 30)}\`.\n${USAGE}` };
  }
}
