import type { Template } from './template.js';

/**
 * The rollback's words, pure (issue 12). The seeds' communication template reads
 *   Status: Rolling back due to [ISSUE]
 *   Impact: [Description of impact]
 *   ETA: [Estimated completion time]
 *   Action Required: [Any user action needed]
 * The rollback form asks for those four, shows the bracketed text as each input's hint, and the broadcast is the
 * template's body with them filled in, so nobody composes it under pressure and nothing is left in brackets.
 */

export interface CommunicationInput {
  issue: string;
  impact: string | null;
  eta: string | null;
  action: string | null;
}

/** The labelled lines of the body whose bracketed text a field replaces. */
const FIELD_LINES = { impact: /^(\s*Impact:\s*)(.*)$/i, eta: /^(\s*ETA:\s*)(.*)$/i, action: /^(\s*Action Required:\s*)(.*)$/i } as const;
const BRACKETS = /\[[^\]]*\]/g;
/** What an empty field reads as in the broadcast: honest, never a bracket left in. */
export const NOT_KNOWN_YET = 'not known yet';

/** What the form shows under each input: the template's bracketed words, as the author wrote them for that line. */
export function communicationHints(body: string): Record<keyof typeof FIELD_LINES, string | null> {
  const lines = body.split('\n');
  const hint = (re: RegExp) => {
    for (const line of lines) {
      const m = re.exec(line);
      if (m) return (m[2]!.match(BRACKETS) ?? []).map((b) => b.slice(1, -1)).join('; ') || null;
    }
    return null;
  };
  return { impact: hint(FIELD_LINES.impact), eta: hint(FIELD_LINES.eta), action: hint(FIELD_LINES.action) };
}

/**
 * The body as broadcast: `[ISSUE]` replaced by the issue; on the Impact, ETA and Action Required lines, the bracketed
 * text replaced by what was written (or "not known yet"). A template without those lines gets them appended, so the
 * broadcast always says all four.
 */
export function fillCommunication(body: string, input: CommunicationInput): string {
  const seen = new Set<keyof typeof FIELD_LINES>();
  const lines = body.split('\n').map((line) => {
    // A function, not the string: `$&` in what people typed must stay as typed.
    let out = line.replace(/\[ISSUE\]/gi, () => input.issue);
    for (const key of Object.keys(FIELD_LINES) as Array<keyof typeof FIELD_LINES>) {
      const m = FIELD_LINES[key].exec(out);
      if (!m) continue;
      seen.add(key);
      const value = input[key]?.trim() || NOT_KNOWN_YET;
      // The first bracketed hint becomes the value, any others go: "[Estimated time; target 5 min]" → "20 minutes".
      let first = true;
      const rest = m[2]!.replace(BRACKETS, () => (first ? ((first = false), value) : '')).trim();
      out = first ? `${m[1]}${value}` : `${m[1]}${rest}`;
    }
    return out;
  });
  const label = { impact: 'Impact', eta: 'ETA', action: 'Action Required' } as const;
  const missing = (Object.keys(label) as Array<keyof typeof label>).filter((k) => !seen.has(k)).map((k) => `${label[k]}: ${input[k]?.trim() || NOT_KNOWN_YET}`);
  const filled = lines.join('\n');
  const withIssue = /\[ISSUE\]/i.test(body) ? filled : `Issue: ${input.issue}\n${filled}`;
  return missing.length > 0 ? `${withIssue}\n${missing.join('\n')}` : withIssue;
}

/**
 * The roles who may start, update and complete a rollback: the template's `rollback.may`, or by default the decider
 * and an `on-call` role when the template defines one (the requester always may: see mayRollback's callers).
 */
export function rollbackRoles(template: Pick<Template, 'rollback' | 'decider' | 'roles'>): string[] {
  if (template.rollback?.may) return template.rollback.may;
  return [...(template.decider ? [template.decider] : []), ...(template.roles['on-call'] ? ['on-call'] : [])];
}
