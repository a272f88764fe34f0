import { VIEW } from '../../ids.js';
import type { PreflightApp } from '../context.js';
import { resolveSubmission } from '../middleware.js';
import { FIELD_MODAL, onFieldSubmit } from './field.js';
import { NA_MODAL, onNaSubmit } from './na.js';

/** Every modal submission: its callback id, the middleware that resolves its promotion and right, its listener. */
export function register(app: PreflightApp): void {
  app.view({ type: 'view_submission', callback_id: VIEW.field }, resolveSubmission(FIELD_MODAL, 'fill'), onFieldSubmit);
  app.view({ type: 'view_submission', callback_id: VIEW.na }, resolveSubmission(NA_MODAL, 'mark-not-applicable'), onNaSubmit);
}
