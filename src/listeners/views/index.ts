import { VIEW } from '../../ids.js';
import type { ListenerRoutes } from '../router.js';
import { resolveSubmission } from '../middleware.js';
import { ASSIGN_MODAL, onAssignSubmit } from './assign.js';
import { FIELD_MODAL, onFieldSubmit } from './field.js';
import { NA_MODAL, onNaSubmit } from './na.js';
import { SCHEDULE_MODAL, onScheduleSubmit } from './schedule.js';
import { ROLLBACK_MODAL, ROLLBACK_TEXT_MODAL, onRollbackCompleteSubmit, onRollbackSubmit, onRollbackUpdateSubmit } from './rollback.js';
import { NO_GO_MODAL, onNoGoSubmit } from './no-go.js';
import { onRejectSubmit, REJECT_MODAL } from './reject.js';

/** Every modal submission: its callback id, the middleware that resolves its promotion and right, its listener. */
export function register(app: ListenerRoutes): void {
  app.view({ type: 'view_submission', callback_id: VIEW.field }, resolveSubmission(FIELD_MODAL, 'fill'), onFieldSubmit);
  app.view({ type: 'view_submission', callback_id: VIEW.na }, resolveSubmission(NA_MODAL, 'mark-not-applicable'), onNaSubmit);
  app.view({ type: 'view_submission', callback_id: VIEW.assign }, resolveSubmission(ASSIGN_MODAL, 'assign'), onAssignSubmit);
  app.view({ type: 'view_submission', callback_id: VIEW.reject }, resolveSubmission(REJECT_MODAL, 'approve'), onRejectSubmit);
  app.view({ type: 'view_submission', callback_id: VIEW.noGo }, resolveSubmission(NO_GO_MODAL, 'decide'), onNoGoSubmit);
  app.view({ type: 'view_submission', callback_id: VIEW.schedule }, resolveSubmission(SCHEDULE_MODAL, 'decide'), onScheduleSubmit);
  // The rollback's forms (issue 12): who may is checked by src/services/rollback.ts under the promotion's lock.
  app.view({ type: 'view_submission', callback_id: VIEW.rollback }, resolveSubmission(ROLLBACK_MODAL, 'decide'), onRollbackSubmit);
  app.view({ type: 'view_submission', callback_id: VIEW.rollbackUpdate }, resolveSubmission(ROLLBACK_TEXT_MODAL, 'decide'), onRollbackUpdateSubmit);
  app.view({ type: 'view_submission', callback_id: VIEW.rollbackComplete }, resolveSubmission(ROLLBACK_TEXT_MODAL, 'decide'), onRollbackCompleteSubmit);
}
