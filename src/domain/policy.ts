import type { Promotion } from './promotion.js';

/**
 * Who may do what to a promotion: the one place interactions are authorised, asked by the listener middleware
 * before any handler runs (src/listeners/middleware.ts). Commands that act on a promotion ask it too, once
 * there are acts reserved to roles.
 *
 * Working the checklist is open to everyone in the channel, as the runbooks have it: whoever does a step ticks
 * it. Acts reserved to named roles (approve, decide, complete) are named here, but allowed: who holds a role is known
 * only by reading user groups through Slack, which the services do inside the change (src/services/approvals.ts,
 * decisions.ts), so that the check and the decision see the same state; they refuse and say who can.
 */
export type Act = 'tick' | 'choose' | 'fill' | 'mark-not-applicable' | 'run-check' | 'assign' | 'approve' | 'decide' | 'complete';

export type Verdict = { allowed: true } | { allowed: false; why: string };

export function mayAct(_promotion: Promotion, _userId: string, act: Act): Verdict {
  switch (act) {
    case 'tick':
    case 'choose':
    case 'fill':
    case 'mark-not-applicable':
    // Running a probe is working the checklist: whoever may tick the item may ask the bot to check it.
    case 'run-check':
    // Saying who does a step is working the checklist too (src/services/assign.ts).
    case 'assign':
      return { allowed: true };
    // Checked by the services against the template's roles and the groups' members at the moment of the click.
    case 'approve':
    case 'decide':
    case 'complete':
      return { allowed: true };
  }
}
