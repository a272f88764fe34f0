import type { App } from '@slack/bolt';
import { VIEW } from '../../ids.js';
import type { Deps } from '../../services/deps.js';
import { onFieldSubmit } from './field.js';
import { onNaSubmit } from './na.js';

export function register(app: App, deps: Deps): void {
  app.view({ type: 'view_submission', callback_id: VIEW.field }, onFieldSubmit(deps));
  app.view({ type: 'view_submission', callback_id: VIEW.na }, onNaSubmit(deps));
}
