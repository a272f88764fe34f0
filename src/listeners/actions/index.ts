import { ACTION, INPUT } from '../../ids.js';
import type { ListenerRoutes } from '../router.js';
import { resolveClick, resolveStoredClick } from '../middleware.js';
import { parseCheckboxClick, parseChoiceClick, parseNaSwitchClick, parseRefButtonClick } from '../payloads.js';
import { parseApprovalClick, parseDecisionClick, parseWithdrawClick } from '../payloads.js';
import { parseProbeClick } from '../payloads.js';
import { parseCheckpointClick } from '../payloads.js';
import { onCheckpointContinue, onCheckpointRollback } from './checkpoint.js';
import { onScheduleWindow } from './schedule.js';
import { parseRollbackClick } from '../payloads.js';
import { onAcknowledgeRollback, onRollback, onRollbackComplete, onRollbackUpdate } from './rollback.js';
import { onRunProbe, onRunProbes } from './run-probe.js';
import { onApprove } from './approve.js';
import { onComplete } from './complete.js';
import { onGo } from './go.js';
import { onNoGo } from './no-go.js';
import { onReject } from './reject.js';
import { onWithdraw } from './withdraw.js';
import { onChoose } from './choose.js';
import { onOpenField } from './open-field.js';
import { onOpenNa } from './open-na.js';
import { onOpenAssign } from './open-assign.js';
import { onRetryDispatch } from './retry-dispatch.js';
import { onStartWithTemplate } from './start-with-template.js';
import { onSwitchNa } from './switch-na.js';
import { onToggle } from './toggle.js';

/**
 * Every click: its action id, the middleware that acknowledges it and resolves what it is about (which parser,
 * which act the person needs the right for), and its listener.
 */
export function register(app: ListenerRoutes): void {
  app.action({ type: 'block_actions', action_id: ACTION.toggle }, resolveStoredClick(parseCheckboxClick), onToggle);
  app.action({ type: 'block_actions', action_id: ACTION.choose }, resolveStoredClick(parseChoiceClick), onChoose);
  app.action({ type: 'block_actions', action_id: ACTION.openField }, resolveClick(parseRefButtonClick, 'fill'), onOpenField);
  app.action({ type: 'block_actions', action_id: ACTION.openNa }, resolveClick(parseRefButtonClick, 'mark-not-applicable'), onOpenNa);
  app.action({ type: 'block_actions', action_id: ACTION.openAssign }, resolveClick(parseRefButtonClick, 'assign'), onOpenAssign);
  // Inside the not-applicable modal: its mark / restore radio buttons dispatch their change.
  app.action({ type: 'block_actions', block_id: INPUT.naAction, action_id: INPUT.value }, resolveClick(parseNaSwitchClick, 'mark-not-applicable'), onSwitchNa);
  app.action({ type: 'block_actions', action_id: ACTION.startWithTemplate }, onStartWithTemplate);
  // Retry under a failed workflow dispatch (a one-off post, not a checklist message): acknowledges itself.
  app.action({ type: 'block_actions', action_id: ACTION.retryDispatch }, onRetryDispatch);
  // The overview's approvals panel and decision (blocks/approvals.ts): who may is checked by the services.
  app.action({ type: 'block_actions', action_id: ACTION.approve }, resolveClick(parseApprovalClick, 'approve'), onApprove);
  app.action({ type: 'block_actions', action_id: ACTION.reject }, resolveClick(parseApprovalClick, 'approve'), onReject);
  app.action({ type: 'block_actions', action_id: ACTION.withdraw }, resolveClick(parseWithdrawClick, 'approve'), onWithdraw);
  app.action({ type: 'block_actions', action_id: ACTION.go }, resolveClick(parseDecisionClick, 'decide'), onGo);
  app.action({ type: 'block_actions', action_id: ACTION.noGo }, resolveClick(parseDecisionClick, 'decide'), onNoGo);
  app.action({ type: 'block_actions', action_id: ACTION.complete }, resolveClick(parseDecisionClick, 'complete'), onComplete);
  // Verification probes (src/probes/runner.ts): Run check under an item, Run all checks under a section.
  app.action({ type: 'block_actions', action_id: ACTION.runProbe }, resolveClick(parseProbeClick, 'run-check'), onRunProbe);
  app.action({ type: 'block_actions', action_id: ACTION.runProbes }, resolveClick(parseProbeClick, 'run-check'), onRunProbes);
  // The overview's Schedule window / Reschedule (value: the promotion id): opens the modal.
  app.action({ type: 'block_actions', action_id: ACTION.scheduleWindow }, resolveClick(parseDecisionClick, 'decide'), onScheduleWindow);
  // The rollback (issue 12): Roll back… after GO, the panel's and the update reminder's buttons, and Acknowledge on a
  // stakeholder channel's broadcast. Who may is checked by the services (src/services/rollback.ts).
  app.action({ type: 'block_actions', action_id: ACTION.rollback }, resolveClick(parseDecisionClick, 'decide'), onRollback);
  app.action({ type: 'block_actions', action_id: ACTION.rollbackUpdate }, resolveClick(parseRollbackClick, 'decide'), onRollbackUpdate);
  app.action({ type: 'block_actions', action_id: ACTION.rollbackComplete }, resolveClick(parseRollbackClick, 'decide'), onRollbackComplete);
  app.action({ type: 'block_actions', action_id: ACTION.acknowledgeRollback }, resolveClick(parseRollbackClick, 'decide'), onAcknowledgeRollback);
  // A decision point's buttons (a reminder in the thread, blocks/timeline.ts): the decider's answer, recorded once.
  app.action({ type: 'block_actions', action_id: ACTION.checkpointContinue }, resolveClick(parseCheckpointClick, 'decide'), onCheckpointContinue);
  app.action({ type: 'block_actions', action_id: ACTION.checkpointRollback }, resolveClick(parseCheckpointClick, 'decide'), onCheckpointRollback);
}
